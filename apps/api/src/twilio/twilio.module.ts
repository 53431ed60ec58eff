import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { SilencesModule } from '../silences/silences.module';
import { SmsReplyService } from './sms-reply.service';
import { TwilioSmsController } from './twilio-sms.controller';
import { DeliveryStatusService } from './delivery-status.service';
import { TwilioStatusController } from './twilio-status.controller';
import { TwilioVoiceController } from './twilio-voice.controller';
import { VoiceCallService } from './voice-call.service';

/** Twilio's webhooks: inbound SMS replies (SPEC §9) and message status callbacks (SPEC §7), voice pages' TwiML, key presses and call status. */
@Module({ imports: [AlertsModule, SilencesModule], controllers: [TwilioSmsController, TwilioStatusController, TwilioVoiceController], providers: [SmsReplyService, DeliveryStatusService, VoiceCallService] })
export class TwilioModule {}
