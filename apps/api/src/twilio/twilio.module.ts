import { Module } from '@nestjs/common';

/** Twilio's webhooks: inbound SMS replies and delivery status callbacks. */
@Module({})
export class TwilioModule {}
