import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AlertChangeListener } from './alert-change-listener.service';
import { StreamController } from './stream.controller';

/** The server-sent event stream of alert changes for the web UI. */
@Module({ imports: [AuthModule], controllers: [StreamController], providers: [AlertChangeListener], exports: [AlertChangeListener] })
export class StreamModule {}
