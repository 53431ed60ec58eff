import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigStore, type AppEnv } from '@klaxon/config';
import { DbModule } from '@klaxon/db';
import { KlaxonMetrics } from '@klaxon/observability';
import { TriageProcessor } from './processors/triage.processor';
import { AlertClassifier } from './triage/alert-classifier';
import { TriageService } from './triage/triage.service';
import { APP_ENV } from '@klaxon/config';
import { LOGGER } from './worker-tokens';

/** The worker: BullMQ processors and the services they call. It serves no API. */
@Module({})
export class WorkerModule {
  static forRoot(deps: { env: AppEnv; config: ConfigStore; logger: Logger; metrics: KlaxonMetrics }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [DbModule.forRoot(deps.env.database.url)],
      providers: [
        { provide: APP_ENV, useValue: deps.env },
        { provide: ConfigStore, useValue: deps.config },
        { provide: LOGGER, useValue: deps.logger },
        { provide: KlaxonMetrics, useValue: deps.metrics },
        AlertClassifier,
        TriageService,
        TriageProcessor,
      ],
    };
  }
}
