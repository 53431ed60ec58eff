import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { SilencesModule } from '../silences/silences.module';
import { SmsReplyService } from './sms-reply.service';
import { TwilioSmsController } from './twilio-sms.controller';

/** Twilio's webhooks: inbound SMS replies (SPEC §9). */
@Module({ imports: [AlertsModule, SilencesModule], controllers: [TwilioSmsController], providers: [SmsReplyService] })
export class TwilioModule {}
