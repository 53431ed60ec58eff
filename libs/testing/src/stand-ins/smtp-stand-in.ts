/**
 * A local SMTP server (smtp-server, no TLS, auth optional) that parses what it receives with
 * mailparser's simpleParser and keeps it, for tests that point SMTP_URL at it.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from '../wait-for';
import { preciseNow } from './http-stand-in';

export interface ReceivedMail {
  /** the From header's address */
  from: string;
  /** the To header's addresses */
  to: string[];
  /** SMTP envelope: MAIL FROM and RCPT TO */
  envelope: { from: string; to: string[] };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** lower-case header names → raw (unfolded) values; a repeated header keeps its last value */
  headers: Record<string, string>;
  raw: string;
  receivedAt: number;
}

export interface SmtpStandIn {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** refuse the next n messages at the end of DATA with this SMTP reply (default 451, transient) */
  failNext(n: number, responseCode?: number, message?: string): void;
  waitForMails(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpStandIn(): Promise<SmtpStandIn> {
  const mails: ReceivedMail[] = [];
  const failures: { responseCode: number; message: string }[] = [];

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    // a pooled client that was not closed must not hold a test for the default 30 s
    closeTimeout: 200,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const failure = failures.shift();
        if (failure) {
          callback(Object.assign(new Error(failure.message), { responseCode: failure.responseCode }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const headers: Record<string, string> = {};
            for (const { key, line } of parsed.headerLines) {
              headers[key.toLowerCase()] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            }
            const envelopeFrom = session.envelope.mailFrom;
            mails.push({
              from: addresses(parsed.from)[0] ?? '',
              to: addresses(parsed.to),
              envelope: { from: envelopeFrom ? envelopeFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html || '',
              messageId: parsed.messageId ?? '',
              headers,
              raw: raw.toString('utf8'),
              receivedAt: preciseNow(),
            });
            callback();
          })
          .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    failNext(n, responseCode = 451, message = 'Requested action aborted: try again later') {
      for (let i = 0; i < n; i++) failures.push({ responseCode, message });
    },
    waitForMails(n, timeoutMs = 5000) {
      return waitFor(() => mails.length >= n && mails.slice(0, n), { timeoutMs, what: `${n} mail(s), have ${mails.length}` });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  return (Array.isArray(field) ? field : [field]).flatMap((o) => o.value.map((a) => a.address ?? '')).filter(Boolean);
}
