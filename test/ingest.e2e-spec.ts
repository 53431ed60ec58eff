import { randomBytes } from 'node:crypto';
import {
  TEST_FALCON_TOKEN,
  TEST_INGEST_TOKEN,
  TEST_PASSWORD,
  TestClient,
  createTestDatabase,
  queryRows,
  startKlaxon,
  testConfigYaml,
  waitFor,
  type KlaxonStack,
  type TestDatabase,
} from '@klaxon/testing';

jest.setTimeout(60_000);

let db: TestDatabase;
let stack: KlaxonStack;
let ingest: TestClient;
let ui: TestClient;

/** A host name no other test uses, so tests sharing one stack stay apart. */
const uniqueHost = (base = 'web') => `${base}-${randomBytes(3).toString('hex')}`;

async function alertsOf(host: string, status = 'firing,acknowledged,resolved') {
  const res = await ui.request('GET', `/api/v1/alerts?status=${status}&q=${encodeURIComponent(host)}`);
  expect(res.status).toBe(200);
  return res.body.items as Array<Record<string, any>>;
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startKlaxon({ databaseUrl: db.url, configYaml: await testConfigYaml('flapping: { enabled: false } # the plain lifecycle here; flap detection is noise-control.e2e-spec.ts') });
  ingest = new TestClient(stack.baseUrl);
  ui = new TestClient(stack.baseUrl);
  const login = await ui.login('alice', TEST_PASSWORD);
  expect(login.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('POST /api/v1/alerts (lines)', () => {
  it('answers 202 with one id per alert, and the alert appears in GET /api/v1/alerts', async () => {
    const host = uniqueHost();
    const res = await ingest.postLines(`[P0][PROBLEM][${host}][10.0.0.1][host is down]`, TEST_INGEST_TOKEN);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, rejected: [], ids: [expect.any(String)] });

    const [alert] = await waitFor(async () => ((await alertsOf(host)).length === 1 ? alertsOf(host) : undefined), { what: 'the alert' });
    expect(alert).toMatchObject({
      priority: 'P0',
      status: 'firing',
      host,
      ip: '10.0.0.1',
      message: 'host is down',
      count: 1,
      silenced: false,
      tier: 'critical',
      policy: 'ops',
      acknowledgedBy: null,
      resolvedBy: null,
    });
    expect(alert!.number).toEqual(expect.any(Number));
  });

  it('makes 200 copies one alert with count 200, across many requests', async () => {
    const host = uniqueHost();
    const line = (n: number) => `[P2][PROBLEM][${host}][10.0.0.2][disk usage ${80 + (n % 15)}%]`;
    // 100 in one body, 100 in separate concurrent requests
    const batch = await ingest.postLines(Array.from({ length: 100 }, (_, i) => line(i)), TEST_INGEST_TOKEN);
    expect(batch.status).toBe(202);
    expect(batch.body.accepted).toBe(100);
    const singles = await Promise.all(Array.from({ length: 100 }, (_, i) => ingest.postLines(line(i), TEST_INGEST_TOKEN)));
    expect(singles.every((r) => r.status === 202)).toBe(true);

    const alerts = await waitFor(
      async () => {
        const items = await alertsOf(host);
        return items.length === 1 && items[0]!.count === 200 ? items : undefined;
      },
      { what: 'one alert with count 200' },
    );
    expect(alerts[0]).toMatchObject({ host, count: 200, status: 'firing' });
    const ids = new Set([...batch.body.ids, ...singles.flatMap((r) => r.body.ids)]);
    expect(ids.size).toBe(200);
  });

  it('resolves the open alert on OK, and a new PROBLEM opens a new alert', async () => {
    const host = uniqueHost();
    await ingest.postLines(`[P1][PROBLEM][${host}][10.0.0.3][cpu load 12.5]`, TEST_INGEST_TOKEN);
    await waitFor(async () => (await alertsOf(host)).length === 1, { what: 'the alert to open' });
    const ok = await ingest.postLines(`[P1][OK][${host}][10.0.0.3][cpu load 0.3]`, TEST_INGEST_TOKEN);
    expect(ok.status).toBe(202);
    const [resolved] = await waitFor(async () => {
      const items = await alertsOf(host);
      return items[0]?.status === 'resolved' ? items : undefined;
    });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'monitoring', resolvedVia: 'source' });
    expect(await alertsOf(host, 'firing,acknowledged')).toEqual([]);

    await ingest.postLines(`[P1][PROBLEM][${host}][10.0.0.3][cpu load 15]`, TEST_INGEST_TOKEN);
    const both = await waitFor(async () => {
      const items = await alertsOf(host);
      return items.length === 2 ? items : undefined;
    });
    expect(both.map((a) => a.status).sort()).toEqual(['firing', 'resolved']);
  });

  it('keeps PROBLEM then OK in one body in order', async () => {
    const host = uniqueHost();
    const res = await ingest.postLines([`[P3][PROBLEM][${host}][][queue backlog 500]`, `[P3][OK][${host}][][queue backlog 3]`], TEST_INGEST_TOKEN);
    expect(res.body.accepted).toBe(2);
    const [alert] = await waitFor(async () => {
      const items = await alertsOf(host);
      return items[0]?.status === 'resolved' ? items : undefined;
    });
    expect(alert).toMatchObject({ count: 1, status: 'resolved' });
  });

  it('accepts the good lines of a mixed body and names the bad ones by line number', async () => {
    const host = uniqueHost();
    const body = [
      `[P1][PROBLEM][${host}][10.0.0.4][nginx 502 rate 12%]`,
      `[PX][PROBLEM][${host}][10.0.0.4][bad priority]`,
      '',
      `[P1][PROBLEM][${host}]`,
      `[p2][problem][${host}][10.0.0.4][磁盘使用率 91% [/data]]\r`,
    ].join('\n');
    const res = await ingest.postLines(body, TEST_INGEST_TOKEN);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(2);
    expect(res.body.ids).toHaveLength(2);
    expect(res.body.rejected).toEqual([
      { line: 2, input: `[PX][PROBLEM][${host}][10.0.0.4][bad priority]`, error: expect.stringContaining('line 2: priority "PX"') },
      { line: 4, input: `[P1][PROBLEM][${host}]`, error: expect.stringContaining('line 4: expected 5 bracketed fields, found 3') },
    ]);
    const items = await waitFor(async () => {
      const list = await alertsOf(host);
      return list.length === 2 ? list : undefined;
    });
    expect(items.map((a) => a.message).sort()).toEqual(['nginx 502 rate 12%', '磁盘使用率 91% [/data]']);

    // the rejected lines are kept in the rejected-input log
    const logged = await waitFor(async () => {
      const res = await ui.request('GET', '/api/v1/rejected?limit=500');
      const mine = (res.body.items as Array<{ input: string }>).filter((r) => r.input.includes(host));
      return mine.length === 2 ? mine : undefined;
    });
    expect([...logged].sort((a: any, b: any) => a.line - b.line)).toEqual([
      expect.objectContaining({ line: 2, integration: 'monitoring', endpoint: 'lines', error: expect.stringContaining('priority "PX"') }),
      expect.objectContaining({ line: 4, integration: 'monitoring', endpoint: 'lines', error: expect.stringContaining('expected 5 bracketed fields') }),
    ]);
  });

  it('answers 400 with the reasons when nothing is acceptable', async () => {
    const res = await ingest.postLines('not an alert\n[P1][BROKEN][h][][m]', TEST_INGEST_TOKEN);
    expect(res.status).toBe(400);
    expect(res.body.accepted).toBe(0);
    expect(res.body.ids).toEqual([]);
    expect(res.body.rejected.map((r: { line: number }) => r.line)).toEqual([1, 2]);
    expect(res.body.rejected[1].error).toContain('status "BROKEN"');
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-a-known-token-at-all' }],
    ['a malformed header', { authorization: 'Basic YWxpY2U6eA==' }],
  ])('answers 401 to %s and enqueues nothing', async (_case, headers) => {
    const host = uniqueHost('denied');
    const res = await ingest.request('POST', '/api/v1/alerts', { body: `[P0][PROBLEM][${host}][][x]`, headers });
    expect(res.status).toBe(401);
    expect(res.body.message).toEqual(expect.any(String));
    // A later good request is processed; the refused one never is.
    const barrier = uniqueHost('barrier');
    await ingest.postLines(`[P5][PROBLEM][${barrier}][][barrier]`, TEST_INGEST_TOKEN);
    await waitFor(async () => (await alertsOf(barrier)).length === 1, { what: 'the barrier alert' });
    expect(await alertsOf(host)).toEqual([]);
    const rejected = await queryRows(db.url, 'SELECT 1 FROM rejected_inputs WHERE input LIKE $1', [`%${host}%`]);
    expect(rejected).toEqual([]);
  });

  it('takes the token from ?token= too', async () => {
    const host = uniqueHost();
    const res = await ingest.request('POST', `/api/v1/alerts?token=${TEST_INGEST_TOKEN}`, { body: `[P4][PROBLEM][${host}][][x]` });
    expect(res.status).toBe(202);
  });

  it('answers 413 to a body over 1 MiB and to more than 10,000 lines', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const tooBig = await ingest.postLines(big, TEST_INGEST_TOKEN);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.message).toBe('body is larger than 1 MiB');

    const many = Array.from({ length: 10_001 }, (_, i) => `[P5][PROBLEM][h${i}][][m]`).join('\n');
    expect(Buffer.byteLength(many)).toBeLessThan(1024 * 1024);
    const tooMany = await ingest.postLines(many, TEST_INGEST_TOKEN);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toContain('10001 alerts');
    expect(tooMany.body.accepted).toBe(0);
  });

  it('rejects a line over 4 KiB as a rejected line, not the body', async () => {
    const host = uniqueHost();
    const long = `[P3][PROBLEM][${host}][][${'y'.repeat(4200)}]`;
    const res = await ingest.postLines([long, `[P3][PROBLEM][${host}][][short]`], TEST_INGEST_TOKEN);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([expect.objectContaining({ line: 1, error: expect.stringContaining('4096') })]);
  });

  it.each([
    ['application/xml', '<alert/>'],
    ['application/x-www-form-urlencoded', 'a=b'],
  ])('answers 415 to %s', async (contentType, body) => {
    const res = await ingest.request('POST', '/api/v1/alerts', { body, contentType, headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}` } });
    expect(res.status).toBe(415);
    expect(res.body.message ?? res.body.error).toEqual(expect.stringContaining(contentType));
  });

  it('accepts JSON bodies and reports bad items by position', async () => {
    const host = uniqueHost();
    const res = await ingest.request('POST', '/api/v1/alerts', {
      body: [
        { priority: 'P1', status: 'PROBLEM', host, ip: '10.0.0.9', message: 'replication lag 30s', labels: { team: 'dba' } },
        { priority: 'P10', status: 'PROBLEM', host, message: 'x' },
      ],
      headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}` },
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected).toEqual([expect.objectContaining({ line: 2, error: expect.stringContaining('P10') })]);
    await waitFor(async () => (await alertsOf(host)).length === 1);
  });

  it('answers 400 naming the problem for broken JSON', async () => {
    const res = await ingest.request('POST', '/api/v1/alerts', {
      body: '{"priority": "P1",',
      contentType: 'application/json',
      headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^body is not valid JSON/);
  });
});

describe('other ingest formats', () => {
  it('opens and resolves alerts from an Alertmanager webhook', async () => {
    const host = uniqueHost('node');
    const payload = (status: 'firing' | 'resolved') => ({
      version: '4',
      groupKey: '{}:{alertname="NodeDown"}',
      status,
      receiver: 'klaxon',
      groupLabels: { alertname: 'NodeDown' },
      commonLabels: { alertname: 'NodeDown', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status,
          labels: { alertname: 'NodeDown', severity: 'critical', instance: `${host}:9100` },
          annotations: { summary: `${host} is down` },
          startsAt: '2026-11-21T10:00:00Z',
          endsAt: status === 'resolved' ? '2026-11-21T10:05:00Z' : '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus/graph',
          fingerprint: `fp${host}`,
        },
      ],
    });
    const res = await ingest.request('POST', '/api/v1/alerts/alertmanager', { body: payload('firing'), headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}` } });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    const [alert] = await waitFor(async () => {
      const items = await alertsOf(host);
      return items.length === 1 ? items : undefined;
    });
    expect(alert).toMatchObject({ priority: 'P0', host, message: `${host} is down`, status: 'firing', source: 'alertmanager' });

    await ingest.request('POST', '/api/v1/alerts/alertmanager', { body: payload('resolved'), headers: { authorization: `Bearer ${TEST_INGEST_TOKEN}` } });
    await waitFor(async () => (await alertsOf(host))[0]?.status === 'resolved', { what: 'the Alertmanager alert to resolve' });
  });

  it('opens an alert from an Open-Falcon callback (form)', async () => {
    const host = uniqueHost('falcon');
    const form = new URLSearchParams({
      endpoint: host,
      metric: 'cpu.idle',
      tags: '',
      func: 'all(#3)',
      leftValue: '3.2',
      operator: '<',
      rightValue: '10',
      note: 'cpu idle low',
      max: '3',
      step: '1',
      priority: '1',
      status: 'PROBLEM',
      time: '2026-11-21 10:00:00',
      tpl_id: '3',
      exp_id: '0',
      stra_id: '12',
    });
    const res = await ingest.request('POST', `/api/v1/alerts/open-falcon?token=${TEST_FALCON_TOKEN}`, {
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1);
    const [alert] = await waitFor(async () => {
      const items = await alertsOf(host);
      return items.length === 1 ? items : undefined;
    });
    expect(alert).toMatchObject({ priority: 'P1', host, status: 'firing' });
    expect(alert!.message).toContain('cpu.idle');
  });
});

describe('GET /api/v1/alerts/:number', () => {
  it('returns the alert with its timeline', async () => {
    const host = uniqueHost();
    await ingest.postLines([`[P1][PROBLEM][${host}][10.0.0.7][mysql down]`, `[P1][PROBLEM][${host}][10.0.0.7][mysql down]`], TEST_INGEST_TOKEN);
    await waitFor(async () => (await alertsOf(host))[0]?.count === 2, { what: 'the alert to open' });
    await ingest.postLines(`[P1][OK][${host}][10.0.0.7][mysql down]`, TEST_INGEST_TOKEN);
    const [summary] = await waitFor(async () => {
      const items = await alertsOf(host);
      return items[0]?.status === 'resolved' ? items : undefined;
    });
    const res = await ui.request('GET', `/api/v1/alerts/${summary!.number}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number: summary!.number, count: 2, status: 'resolved', notifications: [] });
    expect(res.body.events.map((e: { type: string }) => e.type)).toEqual(['received', 'routed', 'deduplicated', 'resolved']);
    expect(res.body.events[0]).toMatchObject({ type: 'received', actor: 'monitoring', via: 'source' });
    expect(res.body.events[3]).toMatchObject({ type: 'resolved', actor: 'monitoring', via: 'source' });
    expect(new Date(res.body.events[0].at).getTime()).toBeGreaterThan(0);
  });

  it.each([
    ['999999999', 404],
    ['abc', 400],
  ])('answers %s with %d', async (number, status) => {
    const res = await ui.request('GET', `/api/v1/alerts/${number}`);
    expect(res.status).toBe(status);
  });
});

describe('listing', () => {
  it('sorts most urgent first and pages with a cursor', async () => {
    const tag = uniqueHost('sort');
    await ingest.postLines(['P3', 'P0', 'P2', 'P1'].map((p, i) => `[${p}][PROBLEM][${tag}-${i}][][sorting]`), TEST_INGEST_TOKEN);
    const all = await waitFor(async () => {
      const items = await alertsOf(tag);
      return items.length === 4 ? items : undefined;
    });
    expect(all.map((a) => a.priority)).toEqual(['P0', 'P1', 'P2', 'P3']);
    const first = await ui.request('GET', `/api/v1/alerts?q=${tag}&limit=3`);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await ui.request('GET', `/api/v1/alerts?q=${tag}&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((a: { priority: string }) => a.priority)).toEqual(['P3']);
    expect(second.body.nextCursor).toBeNull();
    const p0 = await ui.request('GET', `/api/v1/alerts?q=${tag}&priority=P0,P1`);
    expect(p0.body.items.map((a: { priority: string }) => a.priority)).toEqual(['P0', 'P1']);
  });

  it('answers 400 naming a bad filter', async () => {
    const res = await ui.request('GET', '/api/v1/alerts?status=open');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('status "open"');
  });

  it('needs a session', async () => {
    const anonymous = new TestClient(stack.baseUrl);
    expect((await anonymous.request('GET', '/api/v1/alerts')).status).toBe(401);
    expect((await anonymous.request('GET', '/api/v1/alerts/1')).status).toBe(401);
  });
});
