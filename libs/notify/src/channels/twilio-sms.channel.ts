/**
 * SMS through Twilio's Messages API with the official SDK (SPEC §7). Delivery status arrives later
 * through the status callback; the receipt carries the message SID (`SM…`) to match it.
 */
import twilio from 'twilio';
import type { DeliveryReceipt, NotificationChannel, OutboundMessage } from '../notification-channel';
import { TwilioBaseUrlRequestClient } from './twilio-base-url.request-client';
import { twilioDeliveryError } from './twilio-delivery-error';

export type SmsMessage = Extract<OutboundMessage, { kind: 'sms' }>;

export interface TwilioSmsChannelOptions {
  accountSid: string;
  authToken: string;
  /** E.164 sender number (TWILIO_FROM_NUMBER) */
  fromNumber: string;
  /** TWILIO_API_BASE_URL: Twilio's paths under another base URL (a stand-in or an egress proxy) */
  apiBaseUrl?: string;
  /** per request; default 10 s */
  timeoutMs?: number;
}

export class TwilioSmsChannel implements NotificationChannel<SmsMessage> {
  readonly kind = 'sms' as const;
  private readonly httpClient: TwilioBaseUrlRequestClient;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioSmsChannelOptions) {
    this.httpClient = new TwilioBaseUrlRequestClient({ apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs });
    this.client = twilio(options.accountSid, options.authToken, { httpClient: this.httpClient });
    // The SDK loads its API modules on first use; load them now rather than on the first P0.
    void this.client.messages;
  }

  async send(message: SmsMessage): Promise<DeliveryReceipt> {
    try {
      const sent = await this.client.messages.create({
        to: message.to,
        from: this.options.fromNumber,
        body: message.body,
        ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl } : {}),
      });
      return { providerId: sent.sid };
    } catch (err) {
      throw twilioDeliveryError(err, 'SMS');
    }
  }

  /** Closes the keep-alive sockets. */
  async close(): Promise<void> {
    this.httpClient.destroy();
  }
}
