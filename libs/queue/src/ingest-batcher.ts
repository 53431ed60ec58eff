import { randomUUID } from 'node:crypto';
import { JobName, type QueuedAlert, type QueuedRejection, type TriageBatchPayload } from './jobs';
import type { JobProducer } from './job-producer';

export interface BatcherOptions {
  /** most alerts in one triage job; bigger requests are split across jobs */
  maxAlertsPerJob: number;
  /** most flushes (Redis writes) in flight at once */
  maxFlushesInFlight: number;
}

interface OpenBatch {
  payload: TriageBatchPayload;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for ingest: requests that arrive while a write is in flight
 * share the next one, so one Redis round trip makes many requests durable.
 * At idle a request is written on the next turn of the event loop, without
 * waiting for company. A request resolves once every job holding its alerts is
 * in Redis; only then does ingest answer 202.
 */
export class IngestBatcher {
  private pending: OpenBatch[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly producer: JobProducer,
    private readonly options: BatcherOptions = { maxAlertsPerJob: 1000, maxFlushesInFlight: 4 },
  ) {}

  submit(alerts: readonly QueuedAlert[], rejected: readonly QueuedRejection[]): Promise<void> {
    const touched = new Set<Promise<void>>();
    let batch = this.openBatch();
    for (const alert of alerts) {
      if (batch.payload.alerts.length >= this.options.maxAlertsPerJob) batch = this.newBatch();
      batch.payload.alerts.push(alert);
      touched.add(batch.done);
    }
    for (const rejection of rejected) {
      batch.payload.rejected.push(rejection);
      touched.add(batch.done);
    }
    this.schedule();
    return touched.size === 1 ? batch.done : Promise.all(touched).then(() => undefined);
  }

  /** Writes everything pending now; used at shutdown. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0) {
      if (this.pending.length > 0) await this.flush();
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private openBatch(): OpenBatch {
    const last = this.pending[this.pending.length - 1];
    return last && last.payload.alerts.length < this.options.maxAlertsPerJob ? last : this.newBatch();
  }

  private newBatch(): OpenBatch {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers always await `done`; this keeps an unobserved split batch from crashing the process.
    done.catch(() => undefined);
    const batch: OpenBatch = { payload: { batchId: randomUUID(), alerts: [], rejected: [] }, done, resolve, reject };
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
      // The batch id is the job id: BullMQ ignores a second add of the same id.
      await this.producer.enqueueMany(
        JobName.triageBatch,
        batches.map((b) => ({ payload: b.payload, options: { jobId: b.payload.batchId } })),
      );
      for (const b of batches) b.resolve();
    } catch (err) {
      for (const b of batches) b.reject(err);
    } finally {
      this.inFlight--;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
