import { waitFor } from '../wait-for';
import { startTwilioStandIn, type TwilioStandIn } from './twilio-stand-in';

const SID = 'AC0123456789abcdef0123456789abcdef';

function post(standIn: TwilioStandIn, path: string, form: Record<string, string>, user = SID, password = 'token', signal?: AbortSignal) {
  return fetch(`${standIn.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
    ...(signal ? { signal } : {}),
  });
}

describe('Twilio stand-in', () => {
  let standIn: TwilioStandIn;
  const messagesPath = `/2010-04-01/Accounts/${SID}/Messages.json`;

  beforeAll(async () => {
    standIn = await startTwilioStandIn();
  });
  afterAll(() => standIn.close());

  it('listens on a port of its own on 127.0.0.1', () => {
    expect(standIn.baseUrl).toBe(`http://127.0.0.1:${standIn.port}`);
    expect(standIn.port).toBeGreaterThan(0);
  });

  it('answers a message like Twilio and records it', async () => {
    const res = await post(standIn, messagesPath, { To: '+15005550001', From: '+15005550006', Body: 'hi', StatusCallback: 'https://x/cb' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ account_sid: SID, status: 'queued', to: '+15005550001', from: '+15005550006', body: 'hi', direction: 'outbound-api' });
    expect(body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const [message] = await standIn.waitForMessages(1);
    expect(message).toMatchObject({ sid: body.sid, accountSid: SID, authUser: SID, statusCallback: 'https://x/cb' });
  });

  it('answers a call like Twilio and records To, From, Url and StatusCallback', async () => {
    const res = await post(standIn, `/2010-04-01/Accounts/${SID}/Calls.json`, {
      To: '+15005550001',
      From: '+15005550006',
      Url: 'https://x/twiml',
      StatusCallback: 'https://x/voice-status',
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ account_sid: SID, status: 'queued', to: '+15005550001', from: '+15005550006', direction: 'outbound-api' });
    expect(body.sid).toMatch(/^CA[0-9a-f]{32}$/);
    const [call] = await standIn.waitForCalls(1);
    expect(call).toMatchObject({ sid: body.sid, to: '+15005550001', from: '+15005550006', url: 'https://x/twiml', twiml: null, statusCallback: 'https://x/voice-status' });
    expect((await post(standIn, `/2010-04-01/Accounts/${SID}/Calls.json`, { To: '+1', From: '+2' })).status).toBe(400);
  });

  it('refuses basic auth whose user is not the account SID (401, 20003)', async () => {
    const res = await post(standIn, messagesPath, { To: '+1', From: '+2', Body: 'x' }, 'ACother');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 20003, status: 401 });
  });

  it('answers 404 (20404) for a path it does not know', async () => {
    const res = await post(standIn, `/2010-04-01/Accounts/${SID}/Faxes.json`, {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 20404 });
  });

  it('fails the next n requests on request, then recovers', async () => {
    standIn.failNext(2, 503);
    const before = standIn.messages.length;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(standIn, messagesPath, { To: '+1', From: '+2', Body: 'x' })).status);
    expect(statuses).toEqual([503, 503, 201]);
    expect(standIn.messages.length).toBe(before + 1);
  });

  it('holds the next replies: a client that gives up gets nothing and is marked abandoned, one that waits is answered', async () => {
    standIn.holdNext(1, 5000);
    standIn.holdNext(1, 150, { status: 503, body: 'late' });
    const before = { messages: standIn.messages.length, requests: standIn.requests.length };
    const gaveUp = await post(standIn, messagesPath, { To: '+1', From: '+2', Body: 'x' }, SID, 'token', AbortSignal.timeout(200)).catch((err: Error) => err.name);
    expect(gaveUp).toBe('TimeoutError');
    const abandoned = standIn.requests[before.requests]!;
    await waitFor(() => abandoned.abandonedAt !== null, { timeoutMs: 2000, what: 'the abandoned request to be noticed' });
    expect(abandoned.abandonedAt! - abandoned.receivedAt).toBeGreaterThanOrEqual(150);
    expect(abandoned.abandonedAt! - abandoned.receivedAt).toBeLessThan(4000);
    const waited = await post(standIn, messagesPath, { To: '+1', From: '+2', Body: 'x' });
    expect([waited.status, await waited.text()]).toEqual([503, 'late']);
    expect((await post(standIn, messagesPath, { To: '+1', From: '+2', Body: 'x' })).status).toBe(201);
    expect(standIn.messages.length).toBe(before.messages + 1);
    expect(standIn.requests.slice(before.requests).map((r) => r.abandonedAt === null)).toEqual([false, true, true]);
  });

  it('accepts, then holds the reply: the message counts as sent though the client gave up before its SID came', async () => {
    standIn.acceptThenHoldNext(1, 5000);
    const before = standIn.messages.length;
    const gaveUp = await post(standIn, messagesPath, { To: '+15005550077', From: '+2', Body: 'held' }, SID, 'token', AbortSignal.timeout(200)).catch((err: Error) => err.name);
    expect(gaveUp).toBe('TimeoutError');
    expect(standIn.messages.slice(before).map((m) => [m.to, m.body])).toEqual([['+15005550077', 'held']]);
    await waitFor(() => standIn.requests.at(-1)!.abandonedAt !== null, { timeoutMs: 2000, what: 'the abandoned request to be noticed' });
  });

  it('lists accepted messages like Twilio: newest first, filtered by To and From, in pages of PageSize; failures are for sends only', async () => {
    const to = '+15005550088';
    for (const body of ['first', 'second', 'third']) expect((await post(standIn, messagesPath, { To: to, From: '+2', Body: body })).status).toBe(201);
    expect((await post(standIn, messagesPath, { To: to, From: '+3', Body: 'other sender' })).status).toBe(201);
    standIn.failNext(1, 500);
    const list = (query: string, user = SID) =>
      fetch(`${standIn.baseUrl}${messagesPath}?${query}`, { headers: { authorization: `Basic ${Buffer.from(`${user}:token`).toString('base64')}` } });
    const res = await list(new URLSearchParams({ To: to, From: '+2', PageSize: '2' }).toString());
    expect(res.status).toBe(200);
    const page = (await res.json()) as { messages: { body: string; sid: string; date_created: string }[]; next_page_uri: string | null };
    expect(page.messages.map((m) => m.body)).toEqual(['third', 'second']);
    expect(page.messages[0]!.sid).toBe(standIn.messages.find((m) => m.body === 'third')!.sid);
    expect(page.messages[0]!.date_created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    const next = (await (await list(new URL(String(page.next_page_uri), 'http://x').search.slice(1))).json()) as typeof page;
    expect(next.messages.map((m) => m.body)).toEqual(['first']);
    expect(next.next_page_uri).toBeNull();
    expect((await list(`To=${encodeURIComponent(to)}`, 'ACsomeoneelse')).status).toBe(401);
    // the failure queued above is still there for the next send
    expect((await post(standIn, messagesPath, { To: to, From: '+2', Body: 'x' })).status).toBe(500);
  });

  it('says what it waited for when messages do not come', async () => {
    await expect(standIn.waitForMessages(99, 100)).rejects.toThrow(/99 Twilio message\(s\)/);
  });
});
