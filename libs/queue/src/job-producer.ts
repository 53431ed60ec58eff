import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { INGEST_LANES, INGEST_LOG_NAMES, appendToIngestLog, ingestLogKey, type IngestLane, type IngestLogBody } from './ingest-log';
import type { JobName, JobPayloads, QueueName } from './jobs';

/** Retries for work that must not be lost: capped exponential backoff for hours. */
export const DURABLE_JOB_OPTIONS: JobsOptions = {
  attempts: 200,
  backoff: { type: 'capped-exponential', delay: 500 },
  // a triage job carries up to 1000 alerts (~0.5 MB): keep only a few done ones for inspection;
  // repeats are refused by the database (triage_batches, notification keys), not by kept jobs
  removeOnComplete: { count: 100, age: 3600 },
  removeOnFail: false,
};

/** A job that failed because it must wait a known time (a claim to go stale, say): retried then, not on the backoff schedule. */
export class RetryAfterError extends Error {
  constructor(
    message: string,
    readonly retryInMs: number,
  ) {
    super(message);
    this.name = 'RetryAfterError';
  }
}

/**
 * Backoff for DURABLE_JOB_OPTIONS: 0.5 s, 1 s, 2 s … capped at 60 s (BullMQ `backoffStrategy`); a
 * RetryAfterError's own wait instead (at most the cap).
 */
export function cappedExponentialBackoff(attemptsMade: number, type?: string, err?: Error): number {
  if (type !== 'capped-exponential') return -1;
  if (err instanceof RetryAfterError) return Math.min(60_000, Math.max(0, err.retryInMs));
  return Math.min(60_000, 500 * 2 ** Math.max(0, attemptsMade - 1));
}

/** Typed producer: `enqueue(queue, name, payload)` only compiles with the payload that job takes. */
export class JobProducer {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<J extends JobName>(queue: QueueName, name: J, payload: JobPayloads[J], options: JobsOptions = {}): Promise<void> {
    await this.queue(queue).add(name, payload, { ...DURABLE_JOB_OPTIONS, ...options });
  }

  /** Numbers the entry's alerts and appends it to the lane's ingest log, in one step (ingest-log.ts). */
  appendToIngestLog(body: IngestLogBody, lane: IngestLane = 'normal'): Promise<string> {
    return appendToIngestLog(this.connection, this.prefix, body, lane);
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, queue] of this.queues) {
      out[name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    }
    // entries not yet moved into triage jobs wait in the ingest logs (queue="ingest-log", "ingest-log-urgent")
    for (const lane of INGEST_LANES) out[INGEST_LOG_NAMES[lane]] = { waiting: await this.connection.xlen(ingestLogKey(this.prefix, lane)) };
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
