/**
 * Voice calls through Twilio's Calls API with the official SDK (SPEC §7). Twilio fetches the TwiML
 * (the alert read aloud, with a key press to act) from `twimlUrl` when the call is answered, and posts
 * the call's final status to `statusCallbackUrl`; the receipt carries the call SID (`CA…`).
 */
import twilio from 'twilio';
import type { DeliveryReceipt, NotificationChannel, OutboundMessage } from '../notification-channel';
import { TwilioBaseUrlRequestClient } from './twilio-base-url.request-client';
import { twilioDeliveryError } from './twilio-delivery-error';
import type { TwilioSmsChannelOptions } from './twilio-sms.channel';

export type VoiceMessage = Extract<OutboundMessage, { kind: 'voice' }>;

/** Same settings as SMS: account, token, the E.164 number calls come from, base URL, timeout. */
export type TwilioVoiceChannelOptions = TwilioSmsChannelOptions;

export class TwilioVoiceChannel implements NotificationChannel<VoiceMessage> {
  readonly kind = 'voice' as const;
  private readonly httpClient: TwilioBaseUrlRequestClient;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioVoiceChannelOptions) {
    this.httpClient = new TwilioBaseUrlRequestClient({ apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs });
    this.client = twilio(options.accountSid, options.authToken, { httpClient: this.httpClient });
    void this.client.calls;
  }

  async send(message: VoiceMessage): Promise<DeliveryReceipt> {
    try {
      const call = await this.client.calls.create({
        to: message.to,
        from: this.options.fromNumber,
        url: message.twimlUrl,
        method: 'POST',
        statusCallback: message.statusCallbackUrl,
        statusCallbackEvent: ['completed'],
        statusCallbackMethod: 'POST',
      });
      return { providerId: call.sid };
    } catch (err) {
      throw twilioDeliveryError(err, 'call');
    }
  }

  async close(): Promise<void> {
    this.httpClient.destroy();
  }
}
