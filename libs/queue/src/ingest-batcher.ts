import type { QueuedAlert, QueuedRejection } from './jobs';
import type { JobProducer } from './job-producer';
import { INGEST_LANES, type IngestLane, type IngestLogBody } from './ingest-log';

export interface BatcherOptions {
  /** most alerts a pending batch collects before another is opened (one flush appends them all; maxPendingBatches of them bound ingest's memory) */
  maxAlertsPerBatch: number;
  /** most flushes (ingest-log appends) in flight at once; fewer make bigger groups, which cost Redis and the api less per alert */
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
  lane: IngestLane;
  /** what the flush appends for this batch (its lane's log entry or entries) */
  payload: IngestLogBody;
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
 * Each lane is appended to its ingest log (one entry per group and lane,
 * numbered and appended in one step; ingest-log.ts), which the workers' movers
 * turn into triage jobs: the urgent lane's at once, into jobs as big as what
 * waited, the normal lane's gathered. Rejections go with the normal lane. An
 * alert is numbered after its request arrived and before it is answered, from
 * one counter for both lanes, so a report that arrives after another was
 * answered, at any api process, is numbered after it.
 */
export class IngestBatcher {
  private pending: OpenBatch[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly producer: JobProducer,
    private readonly options: BatcherOptions = { maxAlertsPerBatch: 250, maxFlushesInFlight: 4, maxPendingBatches: 800, maxAlertsPerEntry: 1000 },
  ) {}

  submit(
    alerts: readonly QueuedAlert[],
    rejected: readonly QueuedRejection[],
    laneOf: (alert: QueuedAlert) => IngestLane = () => 'normal',
  ): Promise<void> {
    if (this.pending.length >= this.options.maxPendingBatches) return Promise.reject(new IngestBackedUpError());
    const touched = new Set<Promise<void>>();
    const open = new Map<IngestLane, OpenBatch>();
    const batchFor = (lane: IngestLane) => {
      let batch = open.get(lane) ?? this.openBatch(lane);
      if (batch.payload.alerts.length >= this.options.maxAlertsPerBatch) batch = this.newBatch(lane);
      open.set(lane, batch);
      touched.add(batch.done);
      return batch;
    };
    for (const alert of alerts) batchFor(laneOf(alert)).payload.alerts.push(alert);
    for (const rejection of rejected) batchFor('normal').payload.rejected.push(rejection);
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

  /** The newest pending batch of that lane with room left, or a new one. */
  private openBatch(lane: IngestLane): OpenBatch {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const batch = this.pending[i]!;
      if (batch.lane === lane) return batch.payload.alerts.length < this.options.maxAlertsPerBatch ? batch : this.newBatch(lane);
    }
    return this.newBatch(lane);
  }

  private newBatch(lane: IngestLane): OpenBatch {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers always await `done`; this keeps an unobserved split batch from crashing the process.
    done.catch(() => undefined);
    const batch: OpenBatch = { lane, payload: { alerts: [], rejected: [] }, done, resolve, reject };
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
      await Promise.all(INGEST_LANES.map((lane) => this.appendToLog(batches.filter((b) => b.lane === lane), lane)));
      for (const b of batches) b.resolve();
    } catch (err) {
      for (const b of batches) b.reject(err);
    } finally {
      this.inFlight--;
      if (this.pending.length > 0) this.schedule();
    }
  }

  /** One lane's batches (the normal lane's with rejections): ingest-log entries of up to maxAlertsPerEntry alerts, appended in order. */
  private appendToLog(batches: readonly OpenBatch[], lane: IngestLane): Promise<unknown> {
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
    return Promise.all(entries.map((e) => this.producer.appendToIngestLog(e, lane)));
  }
}
