import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { IngestLogMover, JobName, JobProducer, TRIAGE_QUEUE_OF_LANE, URGENT_MOVER_OPTIONS, createRedisConnection, startQueueWorker, type IngestLane, type TypedJob } from '@klaxon/queue';
import { fingerprintKeyOf } from '@klaxon/triage';
import { TriageService } from '../triage/triage.service';
import type { WorkerDuties } from '../worker-role';
import { LOGGER, WORKER_DUTIES } from '../worker-tokens';

/**
 * Batches are transactions; a few at once keep PostgreSQL busy without piling
 * up lock waits. The normal lane takes fewer, so a flood leaves room (CPU,
 * event loop, connections) for the urgent lane's P0s in the same process.
 */
const TRIAGE_CONCURRENCY: Record<IngestLane, number> = { urgent: 4, normal: 2 };

/**
 * Thin dispatcher for the triage queues of this worker's lanes (urgent, normal
 * or both: WorkerDuties); the work is in TriageService. It also runs this
 * process's movers of those lanes' ingest logs, which feed the queues.
 */
@Injectable()
export class TriageProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private workers: Worker[] = [];
  private movers: IngestLogMover[] = [];

  constructor(
    private readonly triage: TriageService,
    private readonly producer: JobProducer,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(WORKER_DUTIES) private readonly duties: WorkerDuties,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const lanes = this.duties.triageLanes;
    this.workers = lanes.map((lane) =>
      startQueueWorker({
        queue: TRIAGE_QUEUE_OF_LANE[lane],
        redisUrl: this.env.redis.url,
        prefix: this.env.redis.queuePrefix,
        concurrency: TRIAGE_CONCURRENCY[lane],
        logger: this.logger,
        handles: [JobName.triageBatch],
        process: (job) => this.process(job),
      }),
    );
    // one mover per lane, each with its own connection (its reads block); a job keeps each alert's reports together
    this.movers = lanes.map(
      (lane) =>
        new IngestLogMover(
          createRedisConnection(this.env.redis.url, 'worker', lane === 'urgent' ? 'urgent-ingest-log-mover' : 'ingest-log-mover'),
          this.producer,
          this.env.redis.queuePrefix,
          this.logger,
          lane === 'urgent' ? { ...URGENT_MOVER_OPTIONS, keyOf: fingerprintKeyOf } : { keyOf: fingerprintKeyOf },
        ),
    );
    for (const mover of this.movers) mover.start();
  }

  async process(job: TypedJob): Promise<unknown> {
    switch (job.name) {
      case JobName.triageBatch:
        return this.triage.applyBatch(job.data);
      default:
        throw new Error(`the triage queues do not handle ${job.name}`);
    }
  }

  /** Finishes the jobs that are running, takes no new ones; the database closes after this. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.movers.map((m) => m.stop()));
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
