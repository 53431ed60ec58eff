import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOB_QUEUE, type JobName, type JobPayloads, type QueueName } from './jobs';

/** Retries for work that must not be lost: capped exponential backoff for hours. */
export const DURABLE_JOB_OPTIONS: JobsOptions = {
  attempts: 200,
  backoff: { type: 'capped-exponential', delay: 500 },
  removeOnComplete: { count: 1000 },
  removeOnFail: false,
};

/** Backoff for DURABLE_JOB_OPTIONS: 0.5 s, 1 s, 2 s … capped at 60 s (BullMQ `backoffStrategy`). */
export function cappedExponentialBackoff(attemptsMade: number, type?: string): number {
  if (type !== 'capped-exponential') return -1;
  return Math.min(60_000, 500 * 2 ** Math.max(0, attemptsMade - 1));
}

/** Typed producer: `enqueue(name, payload)` only compiles with the payload that job takes. */
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

  async enqueue<J extends JobName>(name: J, payload: JobPayloads[J], options: JobsOptions = {}): Promise<void> {
    await this.queue(JOB_QUEUE[name]).add(name, payload, { ...DURABLE_JOB_OPTIONS, ...options });
  }

  async enqueueMany<J extends JobName>(name: J, items: { payload: JobPayloads[J]; options?: JobsOptions }[]): Promise<void> {
    if (items.length === 0) return;
    await this.queue(JOB_QUEUE[name]).addBulk(
      items.map((item) => ({ name, data: item.payload, opts: { ...DURABLE_JOB_OPTIONS, ...item.options } })),
    );
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, queue] of this.queues) {
      out[name] = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
