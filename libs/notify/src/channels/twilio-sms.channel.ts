/**
 * SMS through Twilio's Messages API with the official SDK (SPEC §7). Delivery status arrives later
 * through the status callback; the receipt carries the message SID (`SM…`) to match it.
 */
import twilio from 'twilio';
import type { AcceptedMessage, DeliveryReceipt, NotificationChannel, OutboundMessage } from '../notification-channel';
import { TwilioBaseUrlRequestClient } from './twilio-base-url.request-client';
import { twilioDeliveryError } from './twilio-delivery-error';

export type SmsMessage = Extract<OutboundMessage, { kind: 'sms' }>;

/** a page of Twilio's Messages list, as much of it as acceptedSince reads */
interface MessagesPage {
  instances: { sid: string; body: string; dateCreated: Date }[];
  nextPage(): Promise<MessagesPage> | undefined;
}

/** acceptedSince reads a number's messages in pages of this many, at most MAX_LOOKUP_PAGES of them */
const LOOKUP_PAGE_SIZE = 100;
const MAX_LOOKUP_PAGES = 10;
/** how far Twilio's clock may be behind ours */
const CLOCK_SKEW_MS = 5_000;

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

  /**
   * The messages from our number to `message.to` created since `since`, newest first (Twilio's dates are to the
   * second; a few seconds of clock skew allowed). Twilio has no idempotency key for messages: this is how
   * a retry after a lost answer learns that the first try went out.
   */
  async acceptedSince(message: SmsMessage, since: Date): Promise<AcceptedMessage[]> {
    const from = Math.floor(since.getTime() / 1000) * 1000 - CLOCK_SKEW_MS;
    const accepted: AcceptedMessage[] = [];
    try {
      let page: MessagesPage = await this.client.messages.page({ to: message.to, from: this.options.fromNumber, pageSize: LOOKUP_PAGE_SIZE });
      // newest first: page on until a page reaches back before `since` (a person paged through a storm has many)
      for (let pages = 1; ; pages++) {
        let reachedBack = false;
        for (const m of page.instances) {
          if (m.dateCreated instanceof Date && m.dateCreated.getTime() >= from) accepted.push({ providerId: m.sid, body: m.body });
          else reachedBack = true;
        }
        const next = reachedBack || pages >= MAX_LOOKUP_PAGES ? undefined : page.nextPage();
        if (!next) return accepted;
        page = await next;
      }
    } catch (err) {
      throw twilioDeliveryError(err, 'message lookup');
    }
  }

  /** Closes the keep-alive sockets. */
  async close(): Promise<void> {
    this.httpClient.destroy();
  }
}
