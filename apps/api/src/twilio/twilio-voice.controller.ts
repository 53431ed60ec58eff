import { BadRequestException, Controller, ForbiddenException, Headers, HttpCode, Inject, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { DeliveryStatusRecorder } from '@klaxon/db';
import { LOGGER } from '../app-tokens';
import { formParams, signedByTwilio, twilioSid } from './twilio-signature';
import { TWILIO_VOICE_PATH, VoiceCallService } from './voice-call.service';

export const TWILIO_VOICE_STATUS_PATH = '/api/v1/twilio/voice-status';

/**
 * Twilio's voice webhooks (SPEC §7, §9): the TwiML a voice page reads when answered, its key presses,
 * and the call status callback. Signed form posts in, TwiML out.
 */
@Controller('api/v1/twilio')
export class TwilioVoiceController {
  constructor(
    private readonly voice: VoiceCallService,
    private readonly statuses: DeliveryStatusRecorder,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('voice/:notificationId')
  @HttpCode(200)
  async answer(
    @Param('notificationId') notificationId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-twilio-signature') signature: unknown,
  ): Promise<string> {
    this.verify(`${TWILIO_VOICE_PATH}/${encodeURIComponent(notificationId)}`, req, signature);
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return this.voice.answer(notificationId, this.env.http.publicUrl);
  }

  @Post('voice/:notificationId/keys')
  @HttpCode(200)
  async keys(
    @Param('notificationId') notificationId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('x-twilio-signature') signature: unknown,
  ): Promise<string> {
    const params = this.verify(`${TWILIO_VOICE_PATH}/${encodeURIComponent(notificationId)}/keys`, req, signature);
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return this.voice.keys(notificationId, params.Digits, this.env.http.publicUrl);
  }

  /** completed → delivered; no-answer and busy → undelivered; failed → failed (the last two fall back, in the worker). */
  @Post('voice-status')
  @HttpCode(200)
  async status(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Headers('x-twilio-signature') signature: unknown): Promise<string> {
    const params = this.verify(TWILIO_VOICE_STATUS_PATH, req, signature);
    const sid = twilioSid('CallSid', params.CallSid);
    const status = params.CallStatus?.trim().toLowerCase();
    if (!status) throw new BadRequestException('CallStatus is required');
    const mapped = CALL_STATUS.get(status);
    if (mapped) await this.statuses.record(sid, mapped, params.ErrorCode ?? (mapped === 'delivered' ? undefined : status));
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return '<?xml version="1.0" encoding="UTF-8"?><Response/>';
  }

  private verify(path: string, req: FastifyRequest, signature: unknown): Record<string, string> {
    if (!this.env.twilio) throw new NotFoundException('Twilio is not configured on this server (TWILIO_* variables are unset)');
    const params = formParams(req.body);
    if (!signedByTwilio(this.env, path, signature, params ?? {})) {
      this.logger.warn({ path, callSid: params?.CallSid, signed: typeof signature === 'string' }, 'Twilio voice webhook with a missing or bad X-Twilio-Signature: refused');
      throw new ForbiddenException('missing or invalid X-Twilio-Signature');
    }
    if (!params) throw new BadRequestException('the body must be application/x-www-form-urlencoded');
    return params;
  }
}

/** A Map, not an object: a CallStatus like `__proto__` or `constructor` must find nothing. */
const CALL_STATUS: ReadonlyMap<string, 'delivered' | 'undelivered' | 'failed'> = new Map([
  ['completed', 'delivered'],
  ['no-answer', 'undelivered'],
  ['busy', 'undelivered'],
  ['failed', 'failed'],
  ['canceled', 'undelivered'],
]);
