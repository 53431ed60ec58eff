/**
 * The one interface every way of reaching a person implements (STYLE:
 * channels). One class per provider; callers ask the ChannelRegistry by kind.
 */

export type ChannelKind = 'sms' | 'voice' | 'email' | 'slack' | 'teams' | 'discord' | 'telegram' | 'dingtalk' | 'feishu' | 'wecom' | 'webhook';

/** What a page or a recovery notice says, before a channel shapes it: the renderers' alert. */
export type { RenderableAlert as AlertMessage } from '@klaxon/alert-format';
import type { RenderableAlert as AlertMessage } from '@klaxon/alert-format';

export type OutboundMessage =
  | { kind: 'sms'; to: string; body: string; idempotencyKey: string; statusCallbackUrl?: string }
  | { kind: 'voice'; to: string; twimlUrl: string; statusCallbackUrl: string; idempotencyKey: string }
  | { kind: 'email'; to: string; subject: string; text: string; html: string; idempotencyKey: string }
  | {
      kind: Exclude<ChannelKind, 'sms' | 'voice' | 'email'>;
      /** the destination's URL (webhook, bot API base) */
      url: string;
      secret?: string;
      options?: Readonly<Record<string, unknown>>;
      /** a person's handle on that IM, to mention them */
      mention?: string;
      alert: AlertMessage;
      idempotencyKey: string;
    };

export interface DeliveryReceipt {
  /** the provider's id for the message (Twilio SID, SMTP message id, …), when it gives one */
  providerId: string | null;
}

/** A message the provider has: its id and text. */
export interface AcceptedMessage {
  providerId: string;
  body: string;
}

/** A provider's refusal, normalised at the edge: retry it, or give up and fall back. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly providerCode: string | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface NotificationChannel<M extends OutboundMessage = OutboundMessage> {
  readonly kind: M['kind'];
  send(message: M): Promise<DeliveryReceipt>;
  /**
   * What the provider accepted for the message's address since `since`, newest first. Asked before a
   * message is tried again: an earlier attempt may have reached the provider with its answer lost (a
   * timeout, a worker that died mid-send), and a retry would send it twice. Only providers that can be
   * asked have it (Twilio's Messages list).
   */
  acceptedSince?(message: M, since: Date): Promise<AcceptedMessage[]>;
}
