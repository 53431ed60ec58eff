import { BadRequestException, Controller, ForbiddenException, Headers, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import twilio from 'twilio';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { maskPhone } from '@klaxon/observability';
import { LOGGER } from '../app-tokens';
import { SmsReplyService } from './sms-reply.service';
import { formParams, signedByTwilio } from './twilio-signature';

export const TWILIO_SMS_PATH = '/api/v1/twilio/sms';

/** Twilio's inbound message webhook (SPEC §9): signed form posts in, TwiML out. */
@Controller('api/v1/twilio')
export class TwilioSmsController {
  constructor(
    private readonly replies: SmsReplyService,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('sms')
  @HttpCode(200)
  async inboundSms(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-twilio-signature') signature: unknown,
  ): Promise<string> {
    const twilioEnv = this.env.twilio;
    if (!twilioEnv) throw new NotFoundException('Twilio is not configured on this server (TWILIO_* variables are unset)');
    const params = formParams(req.body);
    const from = typeof params?.From === 'string' ? params.From : undefined;
    if (!signedByTwilio(this.env, TWILIO_SMS_PATH, signature, params ?? {})) {
      this.logger.warn({ from: from === undefined ? undefined : maskPhone(from), signed: typeof signature === 'string' }, 'inbound SMS with a missing or bad X-Twilio-Signature: refused');
      throw new ForbiddenException('missing or invalid X-Twilio-Signature');
    }
    if (!params) throw new BadRequestException('the body must be application/x-www-form-urlencoded');
    if (from === undefined || from.trim() === '') throw new BadRequestException('From is required');
    if (typeof params.Body !== 'string') throw new BadRequestException('Body is required');
    const answer = await this.replies.handle(from.trim(), params.Body);
    const response = new twilio.twiml.MessagingResponse();
    if (answer !== null) response.message(answer);
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return response.toString();
  }
}
