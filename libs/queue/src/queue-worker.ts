import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { cappedExponentialBackoff } from './job-producer';
import type { JobName, JobPayloads, QueueName } from './jobs';
import { createRedisConnection } from './redis-connection';

/** How long a running job's lock lasts without renewal, and how often workers look for jobs whose lock ran out. */
const STALLED_LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;

/** A job as a handler sees it: its name narrows its payload. */
export type TypedJob = { [J in JobName]: { name: J; data: JobPayloads[J]; id: string | undefined; attemptsMade: number } }[JobName];

/**
 * One BullMQ worker on its own Redis connection. Handlers throw to retry (the
 * job's backoff applies) and never swallow errors; a job name the queue does
 * not handle fails for good instead of retrying forever.
 */
export function startQueueWorker(options: {
  queue: QueueName;
  redisUrl: string;
  prefix: string;
  concurrency: number;
  logger: Logger;
  handles: readonly JobName[];
  process: (job: TypedJob) => Promise<unknown>;
}): Worker {
  const worker = new Worker(
    options.queue,
    async (job: Job) => {
      if (!options.handles.includes(job.name as JobName)) {
        throw new UnrecoverableError(`queue ${options.queue} has no handler for job ${job.name}`);
      }
      return options.process(job as unknown as TypedJob);
    },
    {
      connection: createRedisConnection(options.redisUrl, 'worker', `${options.queue}-worker`),
      prefix: options.prefix,
      concurrency: options.concurrency,
      // handlers are idempotent: a job whose worker died mid-run is simply run again, however often
      maxStalledCount: 100,
      // ...and soon: with BullMQ's defaults (a 30 s lock, a check every 30 s) a P0 in the hands of a worker
      // that died waited 30–60 s for another worker to take it over; now 10–15 s. The lock is renewed every 5 s.
      lockDuration: STALLED_LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      settings: { backoffStrategy: cappedExponentialBackoff },
    },
  );
  worker.on('failed', (job, err) => {
    const final = job !== undefined && (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1));
    options.logger[final ? 'error' : 'warn']({ err, queue: options.queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, final }, 'job failed');
  });
  worker.on('error', (err) => options.logger.error({ err, queue: options.queue }, 'queue worker error'));
  return worker;
}
