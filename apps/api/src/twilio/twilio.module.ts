import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AlertRepository, DeliveryStatusRecorder, NotificationRepository } from '@klaxon/db';
import { JobProducer } from '@klaxon/queue';
import { LOGGER } from '../app-tokens';
import { AlertsModule } from '../alerts/alerts.module';
import { SilencesModule } from '../silences/silences.module';
import { SmsReplyService } from './sms-reply.service';
import { TwilioSmsController } from './twilio-sms.controller';
import { TwilioStatusController } from './twilio-status.controller';
import { TwilioVoiceController } from './twilio-voice.controller';
import { VoiceCallService } from './voice-call.service';

/** Twilio's webhooks: inbound SMS replies (SPEC §9) and message status callbacks (SPEC §7), voice pages' TwiML, key presses and call status. */
@Module({ imports: [AlertsModule, SilencesModule], controllers: [TwilioSmsController, TwilioStatusController, TwilioVoiceController], providers: [
    SmsReplyService,
    VoiceCallService,
    {
      provide: DeliveryStatusRecorder,
      useFactory: (notifications: NotificationRepository, alerts: AlertRepository, producer: JobProducer, logger: Logger) =>
        new DeliveryStatusRecorder(notifications, alerts, producer, logger),
      inject: [NotificationRepository, AlertRepository, JobProducer, LOGGER],
    },
  ],
 })
export class TwilioModule {}
