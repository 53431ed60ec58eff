import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore, type AppEnv } from '@klaxon/config';
import { DbModule } from '@klaxon/db';
import { KlaxonMetrics } from '@klaxon/observability';
import { ClusterBroadcast, QueueModule, REDIS } from '@klaxon/queue';
import type { Redis } from 'ioredis';
import { AdminModule } from './admin/admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { APP_ENV } from '@klaxon/config';
import { LOGGER } from './app-tokens';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { RejectedModule } from './rejected/rejected.module';
import { OncallModule } from './oncall/oncall.module';
import { TwilioModule } from './twilio/twilio.module';
import { SilencesModule } from './silences/silences.module';
import { StreamModule } from './stream/stream.module';
import { WebUiModule } from './web/web-ui.module';

/** The api: ingest, the REST API, sign-in and probes. It only produces jobs. */
@Module({})
export class ApiModule {
  static forRoot(deps: { env: AppEnv; config: ConfigStore; logger: Logger; metrics: KlaxonMetrics }): DynamicModule {
    return {
      module: ApiModule,
      global: true,
      imports: [
        DbModule.forRoot(deps.env.database.url),
        QueueModule.forRoot({ redisUrl: deps.env.redis.url, prefix: deps.env.redis.queuePrefix, name: 'api' }),
        IngestModule,
        AuthModule,
        AlertsModule,
        RejectedModule,
        OncallModule,
        TwilioModule,
        SilencesModule,
        StreamModule,
        AdminModule,
        HealthModule,
        WebUiModule,
      ],
      providers: [
        { provide: APP_ENV, useValue: deps.env },
        { provide: ConfigStore, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: KlaxonMetrics, useValue: deps.metrics },
        { provide: ClusterBroadcast, useFactory: (redis: Redis) => new ClusterBroadcast(redis, deps.env.redis.queuePrefix), inject: [REDIS] },
      ],
      exports: [APP_ENV, ConfigStore, LOGGER, KlaxonMetrics, ClusterBroadcast],
    };
  }
}
