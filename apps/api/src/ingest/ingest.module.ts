import { Module } from '@nestjs/common';
import { AlertIngestController } from './alert-ingest.controller';
import { IngestService } from './ingest.service';

@Module({ controllers: [AlertIngestController], providers: [IngestService] })
export class IngestModule {}
