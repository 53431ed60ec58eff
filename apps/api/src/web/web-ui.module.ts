import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../app-tokens';
import { findWebDist, registerWebUi } from './web-ui';

/** Serves the built on-call UI (apps/web/dist) at `/` from the api process. */
@Module({})
export class WebUiModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const dist = findWebDist();
    const outcome = await registerWebUi(fastify, dist);
    if (outcome === 'not-built') this.logger.warn('web UI not built (apps/web/dist is missing): serving the API only');
    else this.logger.info({ dir: dist }, 'serving the web UI');
  }
}
