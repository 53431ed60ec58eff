import { BadRequestException, Controller, ForbiddenException, Headers, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import twilio from 'twilio';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { DeliveryStatusRecorder } from '@klaxon/db';
import { LOGGER } from '../app-tokens';
import { formParams, signedByTwilio, twilioSid } from './twilio-signature';

export const TWILIO_STATUS_PATH = '/api/v1/twilio/status';

/** Twilio's message status callback (SPEC §7): signed form posts in, an empty TwiML Response out. */
@Controller('api/v1/twilio')
export class TwilioStatusController {
  constructor(
    private readonly statuses: DeliveryStatusRecorder,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('status')
  @HttpCode(200)
  async status(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-twilio-signature') signature: unknown,
  ): Promise<string> {
    if (!this.env.twilio) throw new NotFoundException('Twilio is not configured on this server (TWILIO_* variables are unset)');
    const params = formParams(req.body);
    if (!signedByTwilio(this.env, TWILIO_STATUS_PATH, signature, params ?? {})) {
      this.logger.warn({ messageSid: params?.MessageSid, signed: typeof signature === 'string' }, 'Twilio status callback with a missing or bad X-Twilio-Signature: refused');
      throw new ForbiddenException('missing or invalid X-Twilio-Signature');
    }
    if (!params) throw new BadRequestException('the body must be application/x-www-form-urlencoded');
    const sid = twilioSid('MessageSid', params.MessageSid ?? params.SmsSid);
    const status = params.MessageStatus ?? params.SmsStatus;
    if (status === undefined || status.trim() === '') throw new BadRequestException('MessageStatus is required');
    await this.statuses.record(sid, status, params.ErrorCode);
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return new twilio.twiml.MessagingResponse().toString();
  }
}
