import { DeliveryError, type ChannelKind } from '../notification-channel';

const HINTS: Partial<Record<ChannelKind, string>> = {
  sms: 'set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER',
  voice: 'set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER',
  email: 'set SMTP_URL and EMAIL_FROM',
};

/**
 * Asking the registry for a kind nobody configured. A DeliveryError that is not retryable, so a
 * notification for it fails at once and falls back instead of being retried.
 */
export class ChannelNotConfiguredError extends DeliveryError {
  readonly code = 'channel_not_configured';

  constructor(readonly kind: ChannelKind) {
    const hint = HINTS[kind];
    super(`no ${kind} channel is configured${hint ? ` (${hint})` : ''}`, false, 'channel_not_configured');
    this.name = 'ChannelNotConfiguredError';
  }
}
