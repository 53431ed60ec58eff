/** GET /api/v1/stream (SPEC §10): server-sent events of alerts opened, changed and resolved. */
import { randomBytes } from 'node:crypto';
import {
  TEST_PASSWORD,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  startTwilioStandIn,
  testPasswordHash,
  twilioEnv,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
  type TwilioStandIn,
} from '@klaxon/testing';

jest.setTimeout(120_000);

const TOKEN = 'stream-test-token-0123456789';
let db: TestDatabase;
let stack: KlaxonStack;
let twilio: TwilioStandIn;
let ingest: TestClient;
let ui: TestClient;
const streams: EventStream[] = [];

const tag = () => randomBytes(3).toString('hex');
const post = async (line: string) => expect((await ingest.postLines(line, TOKEN)).status).toBe(202);

interface SseEvent {
  event: string;
  data: { event: string; number: number; status: string; priority: string; host: string; silenced: boolean };
}

/** An open event stream read with fetch, as a browser's EventSource would, frame by frame. */
class EventStream {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | null = null;
  ended = false;
  private buffer = '';

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {}

  static async open(cookie: string | null, bearer?: string): Promise<EventStream> {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (cookie) headers.cookie = cookie;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(`${stack.baseUrl}/api/v1/stream`, { headers, signal: controller.signal });
    const stream = new EventStream(response, controller);
    streams.push(stream);
    if (response.ok) void stream.pump();
    return stream;
  }

  private async pump(): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.buffer += value;
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.frame(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted
    } finally {
      this.ended = true;
    }
  }

  private frame(text: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) });
  }

  next(what: string, match: (e: SseEvent) => boolean): Promise<SseEvent> {
    return waitFor(() => this.events.find(match), { what, timeoutMs: 20_000 });
  }

  close(): void {
    this.controller.abort();
  }
}

/** The open streams the api counts (a gauge on /metrics). */
async function openStreamsOnServer(): Promise<number> {
  const text = (await ingest.request('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('klaxon_stream_clients'));
  return line === undefined ? NaN : Number(line.split(' ').pop());
}

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
smsBudget: { max: 1000, per: 1m } # not what these tests are about (noise-control.e2e-spec.ts is)
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "+15005550301" }
escalationPolicies:
  - { id: ops, steps: [ { notify: [user:alice] } ] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilio),
  });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  for (const s of streams) s.close();
  await stack?.stop();
  await db?.drop();
  await twilio?.close();
});

describe('GET /api/v1/stream', () => {
  it('refuses a request without a session', async () => {
    const stream = await EventStream.open(null);
    expect(stream.response.status).toBe(401);
    await stream.response.text();
    const forged = await EventStream.open('klaxon_session=not-a-real-session');
    expect(forged.response.status).toBe(401);
    await forged.response.text();
  });

  it('streams an alert opened, acknowledged and resolved, live, as server-sent events', async () => {
    const stream = await EventStream.open(ui.sessionCookie);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-cache');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    await waitFor(() => stream.retry === 3000, { what: 'the retry field' });

    const host = `stream-${tag()}`;
    await post(`[P1][PROBLEM][${host}][10.0.0.9][disk full]`);
    const opened = await stream.next('the opened event', (e) => e.event === 'opened' && e.data.host === host);
    expect(opened.data).toMatchObject({ event: 'opened', status: 'firing', priority: 'P1', host, silenced: false });
    const number = opened.data.number;
    expect(Number.isSafeInteger(number)).toBe(true);
    // the number is the one the list shows
    const list = await ui.request('GET', `/api/v1/alerts?q=${host}`);
    expect(list.body.items.map((a: { number: number }) => a.number)).toEqual([number]);

    const ack = await ui.request('POST', `/api/v1/alerts/${number}/ack`);
    expect(ack.status).toBe(200);
    const changed = await stream.next('the acknowledged event', (e) => e.event === 'changed' && e.data.number === number && e.data.status === 'acknowledged');
    expect(changed.data).toMatchObject({ host, priority: 'P1' });

    await post(`[P1][OK][${host}][10.0.0.9][disk full]`);
    const resolved = await stream.next('the resolved event', (e) => e.event === 'resolved' && e.data.number === number);
    expect(resolved.data).toMatchObject({ status: 'resolved', host });

    // an alert opened as a duplicate bumps its count: a change, not a new alert
    const other = `stream-${tag()}`;
    await post(`[P3][PROBLEM][${other}][][queue backlog]`);
    const second = await stream.next('the second alert', (e) => e.event === 'opened' && e.data.host === other);
    await post(`[P3][PROBLEM][${other}][][queue backlog]`);
    await stream.next('the deduplicated change', (e) => e.event === 'changed' && e.data.number === second.data.number);
    expect(stream.events.filter((e) => e.event === 'opened' && e.data.host === other)).toHaveLength(1);
    stream.close();
  });

  it('delivers to every open stream, and forgets a stream once its client hangs up', async () => {
    const before = await openStreamsOnServer();
    const a = await EventStream.open(ui.sessionCookie);
    const b = await EventStream.open(ui.sessionCookie);
    expect([a.response.status, b.response.status]).toEqual([200, 200]);
    await waitFor(async () => (await openStreamsOnServer()) === before + 2, { what: 'two more open streams' });

    const host = `fanout-${tag()}`;
    await post(`[P2][PROBLEM][${host}][][fan out]`);
    await a.next('the event on a', (e) => e.data.host === host);
    await b.next('the event on b', (e) => e.data.host === host);

    a.close();
    b.close();
    await waitFor(async () => (await openStreamsOnServer()) === before, { what: 'the streams to be closed on the server' });
    await waitFor(() => a.ended && b.ended, { what: 'the client side to end' });

    // one LISTEN connection for the api process, however many streams came and went
    const listeners = await queryRows<{ n: string }>(
      db.url,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'klaxon-api-stream' AND datname = current_database()`,
    );
    expect(Number(listeners[0]!.n)).toBe(1);
  });

  it('ends a stream once its session is signed out or its API token revoked (re-checked every 10 s); others keep theirs', async () => {
    const other = new TestClient(stack.baseUrl);
    expect((await other.login('alice', TEST_PASSWORD)).status).toBe(200);
    const cookie = other.sessionCookie;
    const made = await ui.request('POST', '/api/v1/tokens', { body: { name: 'stream script' } });
    expect(made.status).toBe(201);
    const { token, item } = made.body as { token: string; item: { id: string } };
    const leaving = await EventStream.open(cookie);
    const scripted = await EventStream.open(null, token);
    const staying = await EventStream.open(ui.sessionCookie);
    expect([leaving.response.status, scripted.response.status, staying.response.status]).toEqual([200, 200, 200]);

    expect((await other.request('POST', '/api/v1/auth/logout')).status).toBeLessThan(300);
    expect((await ui.request('DELETE', `/api/v1/tokens/${item.id}`)).status).toBe(200);
    await waitFor(() => leaving.ended && scripted.ended, { what: 'the signed-out and the revoked streams to be ended by the server', timeoutMs: 20_000 });
    expect((await EventStream.open(cookie)).response.status).toBe(401);
    expect((await EventStream.open(null, token)).response.status).toBe(401);

    const host = `after-logout-${tag()}`;
    await post(`[P2][PROBLEM][${host}][][still live]`);
    await staying.next('the event on the other session', (e) => e.data.host === host);
    expect(staying.ended).toBe(false);
    staying.close();
  });

  it('keeps streaming after the LISTEN connection drops (reconnects with backoff)', async () => {
    const stream = await EventStream.open(ui.sessionCookie);
    expect(stream.response.status).toBe(200);
    const killed = await queryRows<{ ok: boolean }>(
      db.url,
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'klaxon-api-stream' AND datname = current_database()`,
    );
    expect(killed.map((r) => r.ok)).toEqual([true]);
    await waitFor(async () => stack.logs().includes('alert change listener reconnected'), { what: 'the listener to reconnect' });
    const host = `reconnect-${tag()}`;
    await post(`[P2][PROBLEM][${host}][][after the drop]`);
    await stream.next('an event after the reconnect', (e) => e.event === 'opened' && e.data.host === host);
    expect(stack.logs()).toContain('alert change listener lost its PostgreSQL connection');
    stream.close();
  });
});
