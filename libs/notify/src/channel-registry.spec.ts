import { startWebhookStandIn } from '../../testing/src/stand-ins/webhook-stand-in';
import { ChannelRegistry, createChannelRegistry } from './channel-registry';
import { ChannelNotConfiguredError } from './channels/channel-not-configured.error';
import { SlackChannel } from './channels/slack.channel';
import { SmtpEmailChannel } from './channels/smtp-email.channel';
import { TwilioSmsChannel } from './channels/twilio-sms.channel';
import { WebhookChannel } from './channels/webhook.channel';
import { DeliveryError, type AlertMessage } from './notification-channel';

const IM_KINDS = ['dingtalk', 'discord', 'feishu', 'slack', 'teams', 'telegram', 'webhook', 'wecom'];
const TWILIO = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'token', fromNumber: '+15005550006', apiBaseUrl: 'http://127.0.0.1:9' };
const SMTP = { url: 'smtp://127.0.0.1:2525', from: 'Klaxon <klaxon@example.com>' };

const alert: AlertMessage = {
  status: 'PROBLEM',
  number: 1,
  priority: 'P1',
  host: 'web-01',
  ip: '',
  message: 'load high',
  count: 1,
  firstSeenAt: new Date('2026-03-01T00:00:00Z'),
};

describe('createChannelRegistry', () => {
  it('registers only the IM channels and the webhook without Twilio or SMTP settings', async () => {
    const registry = createChannelRegistry({ twilio: undefined, smtp: undefined });
    try {
      expect(registry.kinds().sort()).toEqual(IM_KINDS);
      expect(registry.has('sms')).toBe(false);
      expect(registry.has('email')).toBe(false);
      expect(registry.get('slack')).toBeInstanceOf(SlackChannel);
      expect(registry.get('webhook')).toBeInstanceOf(WebhookChannel);
    } finally {
      await registry.close();
    }
  });

  it('registers SMS with Twilio settings and email with SMTP settings', async () => {
    const registry = createChannelRegistry({ twilio: TWILIO, smtp: SMTP });
    try {
      expect(registry.kinds().sort()).toEqual([...IM_KINDS, 'email', 'sms', 'voice'].sort());
      expect(registry.get('sms')).toBeInstanceOf(TwilioSmsChannel);
      expect(registry.get('email')).toBeInstanceOf(SmtpEmailChannel);
      expect(registry.get('sms').kind).toBe('sms');
    } finally {
      await registry.close();
    }
  });

  it('names what is missing when asked for a kind nobody configured, as a DeliveryError that is not retried', () => {
    const registry = createChannelRegistry();
    const attempt = () => registry.get('sms');
    expect(attempt).toThrow(ChannelNotConfiguredError);
    expect(attempt).toThrow('no sms channel is configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER)');
    expect(() => registry.get('email')).toThrow('no email channel is configured (set SMTP_URL and EMAIL_FROM)');
    try {
      registry.get('voice');
    } catch (err) {
      expect(err).toBeInstanceOf(DeliveryError);
      expect(err).toMatchObject({ retryable: false, providerCode: 'channel_not_configured' });
    }
    expect.assertions(5);
  });
});

describe('ChannelRegistry', () => {
  it('refuses a second channel of the same kind', () => {
    const registry = new ChannelRegistry([new SlackChannel()]);
    expect(() => registry.register(new SlackChannel())).toThrow('a slack channel is already registered');
  });

  it('sends a message through the channel of its kind', async () => {
    const standIn = await startWebhookStandIn();
    const registry = createChannelRegistry();
    try {
      await registry.send({ kind: 'webhook', url: standIn.url('/generic'), alert, idempotencyKey: 'n-1' });
      await registry.send({ kind: 'slack', url: standIn.url('/slack'), alert, idempotencyKey: 'n-2' });
      const requests = await standIn.waitForRequests(2);
      expect(requests.map((r) => r.path)).toEqual(['/generic', '/slack']);
      expect(requests[0]!.json).toMatchObject({ version: 1, idempotencyKey: 'n-1' });
      expect(requests[1]!.json).toHaveProperty('blocks');
    } finally {
      await registry.close();
      await standIn.close();
    }
  });
});
