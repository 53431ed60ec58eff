import { randomUUID } from 'node:crypto';
import { JobName, QueueName, type QueuedAlert, type QueuedRejection, type TriageBatchPayload } from './jobs';
import type { JobProducer } from './job-producer';
import type { IngestLogBody } from './ingest-log';

export interface BatcherOptions {
  /** most alerts in one triage job; bigger requests are split across jobs (smaller jobs block the worker's event loop for less) */
  maxAlertsPerJob: number;
  /** most ingest-log entries and job writes in flight at once; fewer make bigger groups, which cost Redis and the api less per alert */
  maxFlushesInFlight: number;
  /** most alerts in one ingest-log entry (a bigger group is appended as several) */
  maxAlertsPerEntry: number;
  /** most batches waiting for a flush; beyond it Redis is not keeping up and ingest refuses (503) rather than hoard memory */
  maxPendingBatches: number;
}

export class IngestBackedUpError extends Error {
  constructor() {
    super('ingest is backed up: Redis is not taking writes fast enough');
  }
}

interface OpenBatch {
  queue: QueueName;
  payload: TriageBatchPayload;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for ingest: requests that arrive while Redis is busy with the
 * previous group share the next one, so one Redis round trip makes many
 * requests durable. At idle a request is written on the next turn of the event
 * loop, without waiting for company. A request resolves once everything
 * holding its alerts is in Redis; only then does ingest answer 202.
 *
 * The normal lane and rejections are appended to the ingest log (one entry per
 * group, numbered and appended in one step; ingest-log.ts), which the workers
 * move into triage jobs. The urgent lane's alerts become triage jobs at once,
 * so a P0 never waits for a mover; their sequence numbers come from the same
 * Redis counter, reserved before the jobs are written. Either way an alert is
 * numbered after its request arrived and before it is answered, so a report
 * that arrives after another was answered, at any api process, is numbered
 * after it.
 */
export class IngestBatcher {
  private pending: OpenBatch[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly producer: JobProducer,
    private readonly options: BatcherOptions = { maxAlertsPerJob: 250, maxFlushesInFlight: 4, maxPendingBatches: 800, maxAlertsPerEntry: 1000 },
  ) {}

  submit(
    alerts: readonly QueuedAlert[],
    rejected: readonly QueuedRejection[],
    laneOf: (alert: QueuedAlert) => QueueName = () => QueueName.triage,
  ): Promise<void> {
    if (this.pending.length >= this.options.maxPendingBatches) return Promise.reject(new IngestBackedUpError());
    const touched = new Set<Promise<void>>();
    const open = new Map<QueueName, OpenBatch>();
    const batchFor = (queue: QueueName) => {
      let batch = open.get(queue) ?? this.openBatch(queue);
      if (batch.payload.alerts.length >= this.options.maxAlertsPerJob) batch = this.newBatch(queue);
      open.set(queue, batch);
      touched.add(batch.done);
      return batch;
    };
    for (const alert of alerts) batchFor(laneOf(alert)).payload.alerts.push(alert);
    for (const rejection of rejected) batchFor(QueueName.triage).payload.rejected.push(rejection);
    this.schedule();
    const [only] = touched;
    return touched.size === 1 ? only! : Promise.all(touched).then(() => undefined);
  }

  /** Writes everything pending now; used at shutdown. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0) {
      if (this.pending.length > 0) await this.flush();
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The newest pending batch of that queue with room left, or a new one. */
  private openBatch(queue: QueueName): OpenBatch {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const batch = this.pending[i]!;
      if (batch.queue === queue) return batch.payload.alerts.length < this.options.maxAlertsPerJob ? batch : this.newBatch(queue);
    }
    return this.newBatch(queue);
  }

  private newBatch(queue: QueueName): OpenBatch {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers always await `done`; this keeps an unobserved split batch from crashing the process.
    done.catch(() => undefined);
    const batch: OpenBatch = { queue, payload: { batchId: randomUUID(), alerts: [], rejected: [] }, done, resolve, reject };
    this.pending.push(batch);
    return batch;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxFlushesInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batches = this.pending;
    if (batches.length === 0) return;
    this.pending = [];
    this.inFlight++;
    try {
      const logged = batches.filter((b) => b.queue === QueueName.triage);
      const jobs = batches.filter((b) => b.queue !== QueueName.triage);
      await Promise.all([this.appendToLog(logged), this.writeJobs(jobs)]);
      for (const b of batches) b.resolve();
    } catch (err) {
      for (const b of batches) b.reject(err);
    } finally {
      this.inFlight--;
      if (this.pending.length > 0) this.schedule();
    }
  }

  /** The normal lane and rejections: ingest-log entries of up to maxAlertsPerEntry alerts, appended in order. */
  private appendToLog(batches: readonly OpenBatch[]): Promise<unknown> {
    if (batches.length === 0) return Promise.resolve();
    const entries: IngestLogBody[] = [];
    let entry: IngestLogBody = { alerts: [], rejected: [] };
    entries.push(entry);
    for (const b of batches) {
      for (const alert of b.payload.alerts) {
        if (entry.alerts.length >= this.options.maxAlertsPerEntry) {
          entry = { alerts: [], rejected: [] };
          entries.push(entry);
        }
        entry.alerts.push(alert);
      }
      for (const r of b.payload.rejected) entry.rejected.push(r);
    }
    return Promise.all(entries.map((e) => this.producer.appendToIngestLog(e)));
  }

  /** The urgent lane: numbered from the ingest counter, then written as triage jobs (the batch id is the job id). */
  private async writeJobs(batches: readonly OpenBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const count = batches.reduce((n, b) => n + b.payload.alerts.length, 0);
    if (count > 0) {
      let seq = await this.producer.reserveSequence(count);
      for (const b of batches) for (const alert of b.payload.alerts) alert.seq = seq++;
    }
    const byQueue = new Map<QueueName, OpenBatch[]>();
    for (const b of batches) byQueue.set(b.queue, [...(byQueue.get(b.queue) ?? []), b]);
    await Promise.all(
      [...byQueue].map(([queue, list]) =>
        this.producer.enqueueMany(
          queue,
          JobName.triageBatch,
          list.map((b) => ({ payload: b.payload, options: { jobId: b.payload.batchId } })),
        ),
      ),
    );
  }
}
