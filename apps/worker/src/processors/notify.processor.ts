import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { DeliveryStatusRecorder } from '@klaxon/db';
import { JobName, NOTIFY_QUEUE, QueueName, startQueueWorker, type DeliveryStatusPayload, type TypedJob } from '@klaxon/queue';
import { DeliveryService } from '../notify/delivery.service';
import { DigestService } from '../notify/digest.service';
import { PagingService } from '../notify/paging.service';
import { SilenceEndService } from '../notify/silence-end.service';
import type { WorkerDuties } from '../worker-role';
import { LOGGER, WORKER_DUTIES } from '../worker-tokens';

const HANDLES = [
  JobName.pageAlert,
  JobName.sendRecovery,
  JobName.retryNotification,
  JobName.escalateAlert,
  JobName.deliveryFailed,
  JobName.deliveryStatus,
  JobName.voiceCall,
  JobName.smsAfter,
  JobName.flushHeld,
  JobName.sendDigest,
  JobName.checkStable,
  JobName.flapNotice,
] as const;

/** One worker per tier queue: each tier's pages are processed apart, so a flood of low ones never delays a P0. */
@Injectable()
export class NotifyProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private workers: Worker[] = [];

  constructor(
    private readonly paging: PagingService,
    private readonly delivery: DeliveryService,
    private readonly silenceEnd: SilenceEndService,
    private readonly digests: DigestService,
    private readonly statuses: DeliveryStatusRecorder,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(WORKER_DUTIES) private readonly duties: WorkerDuties,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    if (!this.duties.notifications) return;
    const start = (queue: QueueName, handles: readonly JobName[], concurrency: number) =>
      startQueueWorker({
        queue,
        redisUrl: this.env.redis.url,
        prefix: this.env.redis.queuePrefix,
        concurrency,
        logger: this.logger,
        handles,
        process: (job) => this.process(job),
      });
    this.workers = [
      ...Object.values(NOTIFY_QUEUE).map((queue) => start(queue, HANDLES, this.env.worker.concurrency)),
      start(QueueName.silences, [JobName.silenceEnded], 2),
    ];
  }

  async process(job: TypedJob): Promise<void> {
    switch (job.name) {
      case JobName.pageAlert:
        return this.paging.page(job.data);
      case JobName.sendRecovery:
        return this.paging.recover(job.data.alertId);
      case JobName.retryNotification:
        return this.delivery.attempt(job.data.notificationId);
      case JobName.escalateAlert:
        return this.paging.escalate(job.data);
      case JobName.deliveryFailed:
        return this.delivery.fallBackAfterDeliveryFailure(job.data.notificationId);
      case JobName.deliveryStatus:
        return this.recordParkedStatus(job.data);
      case JobName.voiceCall:
        return this.paging.late('voice', job.data);
      case JobName.smsAfter:
        return this.paging.late('sms', job.data);
      case JobName.flushHeld:
        return this.delivery.flush(job.data.channel, job.data.address);
      case JobName.sendDigest:
        return this.digests.send(job.data.tier);
      case JobName.checkStable:
        return this.paging.checkStable(job.data.alertId);
      case JobName.flapNotice:
        return this.paging.notifyFlapping(job.data.alertId, job.data.noticeId);
      case JobName.silenceEnded:
        return this.silenceEnd.ended(job.data.silenceId);
      case JobName.triageBatch:
        throw new Error('notification queues do not triage');
      default: {
        const unknown: never = job;
        throw new Error(`no handler for ${(unknown as TypedJob).name}`);
      }
    }
  }

  /** A delivery report that came before its sid was stored: thrown back (BullMQ retries with backoff) until the sid is there or the report is too old. */
  private async recordParkedStatus(payload: DeliveryStatusPayload): Promise<void> {
    if ((await this.statuses.recordParked(payload)) !== 'unknown') return;
    if (Date.now() < payload.until) throw new Error(`no notification has provider id ${payload.providerId} yet; looking again`);
    this.logger.info({ providerId: payload.providerId, status: payload.status }, 'delivery report for a provider id Klaxon never stored: dropped');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
