import { Module } from '@nestjs/common';

/** The server-sent event stream of alert changes for the web UI. */
@Module({})
export class StreamModule {}
