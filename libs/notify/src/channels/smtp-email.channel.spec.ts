import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../../testing/src/free-port';
import { startSmtpStandIn, type SmtpStandIn } from '../../../testing/src/stand-ins/smtp-stand-in';
import { notificationMessageId, SmtpEmailChannel, smtpTransportOptions, type EmailMessage } from './smtp-email.channel';
import { deliveryErrorOf } from './channel-spec-helpers';

const FROM = 'Klaxon <klaxon@example.com>';

function anEmail(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    kind: 'email',
    to: 'alice@example.com',
    subject: '[P0][PROBLEM][web-01] host is down #4711',
    text: '[P0][PROBLEM][web-01][10.0.0.1][host is down]\nOpen: https://klaxon.example.com/alerts/4711',
    html: '<p><b>[P0][PROBLEM]</b> web-01 (10.0.0.1): host is down</p>',
    idempotencyKey: 'notification:42:attempt-independent',
    ...overrides,
  };
}

describe('SmtpEmailChannel against the SMTP stand-in', () => {
  let standIn: SmtpStandIn;
  let channel: SmtpEmailChannel;

  beforeAll(async () => {
    standIn = await startSmtpStandIn();
    channel = new SmtpEmailChannel({ url: standIn.url, from: FROM });
  });

  afterAll(async () => {
    await channel.close();
    await standIn.close();
  });

  it('sends subject, text and html from EMAIL_FROM, with a Message-ID derived from the idempotency key', async () => {
    const receipt = await channel.send(anEmail());
    const [mail] = await standIn.waitForMails(1);

    expect(mail).toMatchObject({
      from: 'klaxon@example.com',
      to: ['alice@example.com'],
      envelope: { from: 'klaxon@example.com', to: ['alice@example.com'] },
      subject: '[P0][PROBLEM][web-01] host is down #4711',
      html: '<p><b>[P0][PROBLEM]</b> web-01 (10.0.0.1): host is down</p>',
    });
    expect(mail!.text.trim()).toBe('[P0][PROBLEM][web-01][10.0.0.1][host is down]\nOpen: https://klaxon.example.com/alerts/4711');
    const expectedId = notificationMessageId('notification:42:attempt-independent', 'example.com');
    expect(expectedId).toMatch(/^<[0-9a-f]{32}\.klaxon@example\.com>$/);
    expect(mail!.messageId).toBe(expectedId);
    expect(receipt).toEqual({ providerId: expectedId });
    expect(mail!.headers['x-klaxon-notification']).toBe('notification:42:attempt-independent');
  });

  it('gives a retry of the same notification the same Message-ID, and another notification a different one', async () => {
    const before = standIn.mails.length;
    const first = await channel.send(anEmail({ idempotencyKey: 'n-7' }));
    const retry = await channel.send(anEmail({ idempotencyKey: 'n-7' }));
    const other = await channel.send(anEmail({ idempotencyKey: 'n-8' }));
    const mails = (await standIn.waitForMails(before + 3)).slice(before);
    expect(retry.providerId).toBe(first.providerId);
    expect(other.providerId).not.toBe(first.providerId);
    expect(mails.map((m) => m.messageId)).toEqual([first.providerId, first.providerId, other.providerId]);
  });

  it('keeps non-ASCII subjects and bodies intact', async () => {
    const before = standIn.mails.length;
    await channel.send(anEmail({ subject: '[P1][PROBLEM][db-01] 磁盘已满 ⚠', text: '磁盘已满 ×3' }));
    const mail = (await standIn.waitForMails(before + 1)).at(-1)!;
    expect(mail.subject).toBe('[P1][PROBLEM][db-01] 磁盘已满 ⚠');
    expect(mail.text.trim()).toBe('磁盘已满 ×3');
  });

  it('maps a transient refusal (451) to retryable', async () => {
    standIn.failNext(1, 451, 'Requested action aborted: local error');
    const err = await deliveryErrorOf(channel.send(anEmail()));
    expect(err).toMatchObject({ retryable: true, providerCode: '451' });
  });

  it('maps a permanent refusal (550) to not retryable', async () => {
    standIn.failNext(1, 550, 'Mailbox unavailable');
    const err = await deliveryErrorOf(channel.send(anEmail()));
    expect(err).toMatchObject({ retryable: false, providerCode: '550' });
    expect(err.message).toContain('Mailbox unavailable');
  });
});

describe('SmtpEmailChannel without a working server', () => {
  it('turns connection refused into a retryable error', async () => {
    const port = await freePort();
    const channel = new SmtpEmailChannel({ url: `smtp://127.0.0.1:${port}`, from: FROM });
    try {
      const err = await deliveryErrorOf(channel.send(anEmail()));
      expect(err).toMatchObject({ retryable: true, providerCode: 'ECONNREFUSED' });
    } finally {
      await channel.close();
    }
  });

  it('turns a server that never greets into a retryable timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const channel = new SmtpEmailChannel({ url: `smtp://127.0.0.1:${port}`, from: FROM, timeoutMs: 200 });
    try {
      const err = await deliveryErrorOf(channel.send(anEmail()));
      expect(err).toMatchObject({ retryable: true, providerCode: 'ETIMEDOUT' });
    } finally {
      await channel.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('smtpTransportOptions', () => {
  it.each([
    ['plain smtp on 127.0.0.1', 'smtp://127.0.0.1:2525', true],
    ['plain smtp on localhost', 'smtp://localhost:2525', true],
    ['plain smtp on ::1', 'smtp://[::1]:2525', true],
    ['plain smtp on a remote host', 'smtp://mail.example.com:587', false],
    ['smtps on loopback', 'smtps://127.0.0.1:465', false],
    ['loopback that asks for TLS', 'smtp://127.0.0.1:2525?requireTLS=true', false],
    ['loopback that says ignoreTLS=false', 'smtp://127.0.0.1:2525?ignoreTLS=false', false],
  ])('%s (%s) → ignoreTLS: %s', (_name, url, ignoreTLS) => {
    const options = smtpTransportOptions(url, 10_000, 5);
    expect(options).toMatchObject({ url, pool: true, connectionTimeout: 10_000, greetingTimeout: 10_000 });
    expect(options.ignoreTLS === true).toBe(ignoreTLS);
  });

  it.each(['http://mail.example.com', 'not a url'])('refuses %s', (url) => {
    expect(() => smtpTransportOptions(url, 10_000, 5)).toThrow(/SMTP_URL/);
  });
});
