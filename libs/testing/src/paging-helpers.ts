import twilio from 'twilio';
import { TestClient } from './http-client';
import type { TwilioStandIn } from './stand-ins/twilio-stand-in';

/** Twilio credentials for test stacks; the stand-in takes any. */
export const TEST_TWILIO = {
  accountSid: `AC${'1'.repeat(32)}`,
  authToken: 'twilio-auth-token-for-tests',
  fromNumber: '+15005550006',
} as const;

/** The environment that points a stack's Twilio SDK at a stand-in. */
export function twilioEnv(standIn: TwilioStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: TEST_TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TEST_TWILIO.authToken,
    TWILIO_FROM_NUMBER: TEST_TWILIO.fromNumber,
    TWILIO_API_BASE_URL: standIn.baseUrl,
    ...extra,
  };
}

/** The SMS the stand-in accepted that are about this host. */
export function smsAbout(standIn: TwilioStandIn, host: string) {
  return standIn.messages.filter((m) => m.body.includes(`[${host}]`));
}

/** The newest alert of a host with its timeline and notifications, or undefined (needs a signed-in client). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
export async function alertDetailOf(client: TestClient, host: string): Promise<any> {
  const list = await client.request('GET', `/api/v1/alerts?status=firing,acknowledged,resolved&q=${encodeURIComponent(host)}`);
  const number = list.body?.items?.[0]?.number;
  return number === undefined ? undefined : (await client.request('GET', `/api/v1/alerts/${number}`)).body;
}

/**
 * POSTs a form to one of Klaxon's Twilio webhooks as Twilio would: signed with
 * `authToken` over the stack's PUBLIC_URL + path, or with the given signature
 * (null: none at all).
 */
export function postTwilioWebhook(
  baseUrl: string,
  path: string,
  form: Record<string, string>,
  options: { authToken: string; signature?: string | null },
): ReturnType<TestClient['request']> {
  const signature = options.signature === undefined ? twilio.getExpectedTwilioSignature(options.authToken, baseUrl + path, form) : options.signature;
  return new TestClient(baseUrl).request('POST', path, {
    body: new URLSearchParams(form).toString(),
    contentType: 'application/x-www-form-urlencoded',
    headers: signature === null ? {} : { 'x-twilio-signature': signature },
  });
}
