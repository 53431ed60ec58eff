import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore, type AppEnv } from '@klaxon/config';
import { AlertRepository, DbModule, DeliveryStatusRecorder, NotificationRepository } from '@klaxon/db';
import { KlaxonMetrics } from '@klaxon/observability';
import { ChannelRegistry, createChannelRegistry } from '@klaxon/notify';
import { JobProducer, QueueModule } from '@klaxon/queue';
import { DeliveryService } from './notify/delivery.service';
import { DigestService } from './notify/digest.service';
import { HostDownInhibition } from './notify/host-down-inhibition.service';
import { PagingService } from './notify/paging.service';
import { SilenceEndService } from './notify/silence-end.service';
import { HousekeepingService } from './maintenance/housekeeping.service';
import { NotifyProcessor } from './processors/notify.processor';
import { TriageProcessor } from './processors/triage.processor';
import { AlertClassifier } from './triage/alert-classifier';
import { TriageService } from './triage/triage.service';
import { APP_ENV } from '@klaxon/config';
import type { WorkerDuties } from './worker-role';
import { LOGGER, WORKER_DUTIES } from './worker-tokens';

/** The worker: BullMQ processors and the services they call. It serves no API. */
@Module({})
export class WorkerModule {
  static forRoot(deps: { env: AppEnv; config: ConfigStore; logger: Logger; metrics: KlaxonMetrics; duties: WorkerDuties }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        DbModule.forRoot(deps.env.database.url),
        QueueModule.forRoot({ redisUrl: deps.env.redis.url, prefix: deps.env.redis.queuePrefix, name: 'worker' }),
      ],
      providers: [
        { provide: APP_ENV, useValue: deps.env },
        { provide: ConfigStore, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: WORKER_DUTIES, useValue: deps.duties },
        { provide: KlaxonMetrics, useValue: deps.metrics },
        AlertClassifier,
        TriageService,
        TriageProcessor,
        { provide: ChannelRegistry, useFactory: () => createChannelRegistry({ twilio: deps.env.twilio, smtp: deps.env.smtp }) },
        HostDownInhibition,
        DeliveryService,
        PagingService,
        DigestService,
        SilenceEndService,
        HousekeepingService,
        {
          provide: DeliveryStatusRecorder,
          useFactory: (notifications: NotificationRepository, alerts: AlertRepository, producer: JobProducer) =>
            new DeliveryStatusRecorder(notifications, alerts, producer, deps.logger),
          inject: [NotificationRepository, AlertRepository, JobProducer],
        },
        NotifyProcessor,
      ],
    };
  }
}
