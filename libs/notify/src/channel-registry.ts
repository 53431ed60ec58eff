/**
 * The one list of channels (STYLE: channels): callers ask for a kind, never for a class.
 * createChannelRegistry builds it from the environment: SMS and voice only with Twilio settings, email only
 * with SMTP settings; the IM channels and the generic webhook always (their URL comes with each message).
 */
import type { AcceptedMessage, ChannelKind, DeliveryReceipt, NotificationChannel, OutboundMessage } from './notification-channel';
import { ChannelNotConfiguredError } from './channels/channel-not-configured.error';
import { DingTalkChannel } from './channels/dingtalk.channel';
import { DiscordChannel } from './channels/discord.channel';
import { FeishuChannel } from './channels/feishu.channel';
import { SlackChannel } from './channels/slack.channel';
import { TeamsChannel } from './channels/teams.channel';
import { TelegramChannel } from './channels/telegram.channel';
import { WeComChannel } from './channels/wecom.channel';
import { SmtpEmailChannel } from './channels/smtp-email.channel';
import { TwilioSmsChannel } from './channels/twilio-sms.channel';
import { TwilioVoiceChannel } from './channels/twilio-voice.channel';
import { WebhookChannel } from './channels/webhook.channel';

type Narrow<M, K> = M extends { kind: infer MK } ? (K extends MK ? M & { kind: K } : never) : never;
/** The message a channel of kind K sends. */
export type MessageFor<K extends ChannelKind> = Narrow<OutboundMessage, K>;

/** A channel that holds connections (pooled SMTP, keep-alive sockets) and can let them go. */
interface Closable {
  close(): Promise<void>;
}

export class ChannelRegistry {
  private readonly channels = new Map<ChannelKind, NotificationChannel>();

  constructor(channels: readonly NotificationChannel[] = []) {
    for (const channel of channels) this.register(channel);
  }

  /** Adds a channel; one per kind. */
  register<M extends OutboundMessage>(channel: NotificationChannel<M>): this {
    if (this.channels.has(channel.kind)) throw new Error(`a ${channel.kind} channel is already registered`);
    this.channels.set(channel.kind, channel as NotificationChannel);
    return this;
  }

  has(kind: ChannelKind): boolean {
    return this.channels.has(kind);
  }

  /** @throws ChannelNotConfiguredError (a DeliveryError, not retryable) when no channel of that kind is configured */
  get<K extends ChannelKind>(kind: K): NotificationChannel<MessageFor<K>> {
    const channel = this.channels.get(kind);
    if (!channel) throw new ChannelNotConfiguredError(kind);
    return channel as NotificationChannel<MessageFor<K>>;
  }

  /** Sends through the channel of the message's kind. */
  send(message: OutboundMessage): Promise<DeliveryReceipt> {
    return this.get(message.kind).send(message);
  }

  /** What the provider accepted for the message's address since `since` (newest first); [] when it cannot be asked. */
  async acceptedSince(message: OutboundMessage, since: Date): Promise<AcceptedMessage[]> {
    const channel = this.get(message.kind);
    return channel.acceptedSince ? channel.acceptedSince(message, since) : [];
  }

  kinds(): ChannelKind[] {
    return [...this.channels.keys()];
  }

  /** Lets go of pooled connections (for shutdown hooks and tests). */
  async close(): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => (isClosable(c) ? c.close() : undefined)));
  }
}

export interface ChannelRegistrySettings {
  /** TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, TWILIO_API_BASE_URL */
  twilio?: { accountSid: string; authToken: string; fromNumber: string; apiBaseUrl?: string | undefined } | undefined;
  /** SMTP_URL, EMAIL_FROM */
  smtp?: { url: string; from: string } | undefined;
  /** per request, every channel; default 10 s */
  timeoutMs?: number | undefined;
}

export function createChannelRegistry(settings: ChannelRegistrySettings = {}): ChannelRegistry {
  const timeout = settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {};
  const registry = new ChannelRegistry();
  if (settings.twilio) {
    const { accountSid, authToken, fromNumber, apiBaseUrl } = settings.twilio;
    registry.register(new TwilioSmsChannel({ accountSid, authToken, fromNumber, ...(apiBaseUrl ? { apiBaseUrl } : {}), ...timeout }));
    registry.register(new TwilioVoiceChannel({ accountSid, authToken, fromNumber, ...(apiBaseUrl ? { apiBaseUrl } : {}), ...timeout }));
  }
  if (settings.smtp) registry.register(new SmtpEmailChannel({ url: settings.smtp.url, from: settings.smtp.from, ...timeout }));
  // IM channels take their URL (and secret) from each message: always available
  registry.register(new SlackChannel(timeout));
  registry.register(new TeamsChannel(timeout));
  registry.register(new DiscordChannel(timeout));
  registry.register(new TelegramChannel(timeout));
  registry.register(new DingTalkChannel(timeout));
  registry.register(new FeishuChannel(timeout));
  registry.register(new WeComChannel(timeout));
  registry.register(new WebhookChannel(timeout));
  return registry;
}

function isClosable(channel: object): channel is Closable {
  return typeof (channel as Partial<Closable>).close === 'function';
}
