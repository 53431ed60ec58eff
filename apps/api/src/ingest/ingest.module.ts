import { Module } from '@nestjs/common';
import { AlertIngestHandlers } from './alert-ingest.handlers';
import { IngestService } from './ingest.service';

/** Ingest's services; its routes are registered on Fastify directly (ingest.routes.ts). */
@Module({ providers: [IngestService, AlertIngestHandlers] })
export class IngestModule {}
