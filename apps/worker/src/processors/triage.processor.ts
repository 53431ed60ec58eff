import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AppEnv } from '@klaxon/config';
import { JobName, QueueName, cappedExponentialBackoff, createRedisConnection, type JobPayloads } from '@klaxon/queue';
import { TriageService } from '../triage/triage.service';
import { APP_ENV } from '@klaxon/config';
import { LOGGER } from '../worker-tokens';

/** Batches are transactions; a few at once keep PostgreSQL busy without piling up lock waits. */
const TRIAGE_CONCURRENCY = 4;

/** Thin dispatcher for the triage queue; the work is in TriageService. */
@Injectable()
export class TriageProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private worker: Worker | null = null;

  constructor(
    private readonly triage: TriageService,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.worker = new Worker(QueueName.triage, (job) => this.process(job), {
      connection: createRedisConnection(this.env.redis.url, 'worker', 'triage-worker'),
      prefix: this.env.redis.queuePrefix,
      concurrency: TRIAGE_CONCURRENCY,
      settings: { backoffStrategy: cappedExponentialBackoff },
    });
    this.worker.on('failed', (job, err) => {
      const final = job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1);
      this.logger[final ? 'error' : 'warn']({ err, jobId: job?.id, attempt: job?.attemptsMade, final }, 'triage job failed');
    });
    this.worker.on('error', (err) => this.logger.error({ err }, 'triage worker error'));
  }

  async process(job: Job): Promise<unknown> {
    const name = job.name as keyof JobPayloads;
    switch (name) {
      case JobName.triageBatch:
        return (await this.triage.applyBatch(job.data as JobPayloads[typeof name])).outcome;
      default: {
        const unknown: never = name;
        throw new Error(`no handler for job ${String(unknown)} on the triage queue`);
      }
    }
  }

  /** Finishes the jobs that are running, takes no new ones; the database closes after this. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
