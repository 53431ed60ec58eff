/**
 * Bad input (issue 7): thousands of malformed requests at every public endpoint of the real api.
 * Never a 5xx, never a hang, never a crash; every rejection names the problem; and nothing accepted
 * in between is lost. The cases come from a seeded PRNG: a failure prints its seed, and
 * `KLAXON_FUZZ_SEED=<seed> TZ=UTC npx jest test/fuzz.e2e-spec.ts` replays the same requests.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import twilio from 'twilio';
import {
  TEST_PASSWORD,
  TEST_TWILIO,
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

jest.setTimeout(180_000);

// The seed is the one knob of this file, so it is read here rather than through libs/testing.
const SEED = Number(process.env.KLAXON_FUZZ_SEED ?? randomInt(2 ** 31));
const RANDOM_CASES = 2400;
const CONCURRENCY = 20;
const REQUEST_TIMEOUT_MS = 10_000;
const TOKEN = 'fuzz-ingest-token-0123456789';
const ALICE = '+15005550401';
const BOB = '+15005550402';
const MARKER_TAG = `fz${randomBytes(3).toString('hex')}`;

let db: TestDatabase;
let stack: KlaxonStack;
let twilioStandIn: TwilioStandIn;
let ui: TestClient;

beforeAll(async () => {
  // eslint-disable-next-line no-console -- the seed is what makes a failure reproducible
  console.log(`fuzz seed ${SEED} (replay: KLAXON_FUZZ_SEED=${SEED} TZ=UTC npx jest test/fuzz.e2e-spec.ts)`);
  twilioStandIn = await startTwilioStandIn();
  db = await createTestDatabase();
  const hash = await testPasswordHash();
  stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
smsBudget: { max: 1000, per: 1m }
users:
  - { id: alice, name: Alice, role: admin, passwordHash: "${hash}", phone: "${ALICE}", email: alice@example.com }
  - { id: bob, name: Bob, phone: "${BOB}" }
schedules:
  - id: ops-primary
    timezone: UTC
    rotation: { members: [alice, bob], shift: 1d, start: "2026-01-05T09:00:00" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 10m }
      - { notify: [user:bob] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${TOKEN} }
`,
    env: twilioEnv(twilioStandIn),
  });
  ui = new TestClient(stack.baseUrl);
  expect((await ui.login('alice', TEST_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  await twilioStandIn?.close();
});

/** mulberry32: small, fast and the same on every machine for one seed. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** a size that is usually small and now and then large */
  size(max: number): number {
    return this.chance(0.8) ? this.int(64) : this.int(max);
  }
}

interface FuzzCase {
  kind: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Outcome {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

const INJECTED_HEADER = 'x-klaxon-injected';
const CRLF_INJECTION = `a\r\n${INJECTED_HEADER}: 1\r\n\r\n<html>`;

/** Strings that have broken parsers somewhere before. */
function nastyString(r: Rng): string {
  switch (r.int(18)) {
    case 0:
      return '';
    case 1:
      return ' \t ';
    case 2:
      return 'x'.repeat(r.pick([300, 1025, 4097, 70_000, 300_000]));
    case 3:
      return CRLF_INJECTION;
    case 4:
      return `nul\u0000byte`;
    case 5:
      return '\ud800 lone surrogate \udfff';
    case 6:
      return '💥'.repeat(r.pick([10, 1500, 5000]));
    case 7:
      return '__proto__';
    case 8:
      return '</Message><Redirect>http://evil.example</Redirect><Message>';
    case 9:
      return "'; DROP TABLE alerts; --";
    case 10:
      return '${jndi:ldap://evil.example/a}{{7*7}}%s%n';
    case 11:
      return '\u001b[31mred\u001b[0m\u0007\u0008';
    case 12:
      return '[P0][PROBLEM][h][][m]\n[P1]';
    case 13:
      return '\u202eevil\u200b\ufeff';
    case 14:
      return String(r.int(1e9));
    case 15:
      return '../'.repeat(r.int(20)) + 'etc/passwd';
    case 16:
      return Array.from({ length: r.int(40) }, () => String.fromCharCode(r.int(0x3000))).join('');
    default:
      return 'P' + r.int(100);
  }
}

/** A JSON value of the wrong kind, or deeply nested. */
function nastyValue(r: Rng, depth = 0): unknown {
  switch (r.int(12)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.5]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return depth > 2 ? 'deep' : [nastyValue(r, depth + 1), nastyValue(r, depth + 1)];
    case 6:
      return depth > 2 ? 'deep' : { a: nastyValue(r, depth + 1), __proto__: nastyValue(r, depth + 1), constructor: 'x' };
    case 7:
      return JSON.parse(deepJsonText(r.pick([50, 2000]), r.chance(0.5)));
    default:
      return nastyString(r);
  }
}

function deepJsonText(depth: number, arrays: boolean): string {
  return arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Invalid UTF-8: overlong forms, lone continuation bytes, truncated sequences, surrogates encoded. */
function invalidUtf8(r: Rng, around: string): Buffer {
  const bad = r.pick([[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00]]);
  const text = Buffer.from(around);
  const at = r.int(text.length + 1);
  return Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]);
}

/** An alert line, broken in one of many ways (some of them still valid). */
function mutatedLine(r: Rng): string {
  const fields = [r.pick(['P0', 'p3', 'P9', 'PX', 'P10', '', ' P1 ']), r.pick(['PROBLEM', 'ok', 'BROKEN', '']), `fz-${r.int(1e6)}`, r.pick(['', '10.0.0.1', '::1', '999.1.1.1', 'not-an-ip']), r.pick(['disk full', 'a [nested] message', '磁盘满了', ''])];
  if (r.chance(0.5)) fields[r.int(fields.length)] = nastyString(r);
  if (r.chance(0.2)) fields.push(r.pick(['O3 2024-05-01 10:00:00', 'O3 garbage', '']));
  if (r.chance(0.2)) fields.splice(r.int(fields.length), 1);
  let line = fields.map((f) => `[${f}]`).join('');
  if (r.chance(0.2)) line = line.slice(0, r.int(line.length));
  if (r.chance(0.1)) line = line.replace(/\]/g, '');
  if (r.chance(0.1)) line += '\r';
  return line;
}

function alertObject(r: Rng): Record<string, unknown> {
  const item: Record<string, unknown> = { priority: 'P3', status: 'PROBLEM', host: `fz-${r.int(1e6)}`, ip: '10.0.0.9', message: 'fuzzed', labels: { team: 'ops' } };
  const keys = ['priority', 'status', 'host', 'ip', 'message', 'dedupKey', 'labels', 'source'];
  for (let n = r.int(3) + 1; n > 0; n--) {
    const key = r.pick(keys);
    if (r.chance(0.15)) delete item[key];
    else item[key] = key === 'labels' && r.chance(0.5) ? { [nastyString(r)]: nastyValue(r) } : nastyValue(r);
  }
  return item;
}

function alertmanagerPayload(r: Rng): unknown {
  const alerts = Array.from({ length: r.int(4) }, () => {
    const alert: Record<string, unknown> = {
      status: r.pick(['firing', 'resolved', 'FIRING', 'pending']),
      labels: { alertname: 'Fuzz', instance: `fz-${r.int(1e6)}:9100`, severity: r.pick(['critical', 'info', 'bogus']) },
      annotations: { summary: 'fuzzed' },
      startsAt: '2026-11-21T10:00:00Z',
      fingerprint: r.int(1e9).toString(16),
    };
    if (r.chance(0.3)) (alert.labels as Record<string, unknown>)[r.pick(['instance', 'host', 'priority', 'alertname'])] = nastyValue(r);
    if (r.chance(0.7)) alert[r.pick(['status', 'labels', 'annotations', 'fingerprint', 'startsAt'])] = nastyValue(r);
    return alert;
  });
  const payload: Record<string, unknown> = { version: '4', status: 'firing', receiver: 'klaxon', groupLabels: {}, commonLabels: {}, alerts };
  if (r.chance(0.3)) payload[r.pick(['alerts', 'version', 'status', 'groupLabels'])] = nastyValue(r);
  return r.chance(0.1) ? nastyValue(r) : payload;
}

function falconParams(r: Rng): Record<string, string> {
  const params: Record<string, string> = { endpoint: `fz-${r.int(1e6)}`, metric: 'cpu.idle', status: 'PROBLEM', priority: '1', step: '1', time: '2026-11-21 10:00:00', tags: 'a:b,c=d', leftValue: '3', operator: '<', rightValue: '10' };
  for (let n = r.int(3) + 1; n > 0; n--) {
    const key = r.chance(0.8) ? r.pick(Object.keys(params)) : nastyString(r).slice(0, 50);
    params[key] = nastyString(r).slice(0, r.chance(0.9) ? 200 : 200_000);
  }
  return params;
}

const form = (params: Record<string, string>) => Buffer.from(new URLSearchParams(params).toString());

/** What the api parses a form body to (body-parsers.ts): a repeated key keeps its last value. */
function parsedForm(body: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value;
  return params;
}

const CONTENT_TYPES = [
  'application/json',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'text/plain; charset=bogus-charset',
  'text/plain; charset=utf-16le',
  'application/json; charset=latin1',
  'application/vnd.klaxon+json',
  'text/plain;;;',
  'a/b/c',
  '/',
  'application/octet-stream',
  'TEXT/PLAIN',
  'text/plain; charset="',
  'image/png',
] as const;

/** A body for an endpoint, mostly of the kind it expects and often not. */
function body(r: Rng, expected: () => { contentType: string; body: Buffer }): { contentType: string | null; body: Buffer } {
  const base = expected();
  switch (r.int(12)) {
    case 0:
      return { contentType: r.pick(CONTENT_TYPES), body: r.bytes(r.size(20_000)) };
    case 1:
      return { contentType: base.contentType, body: invalidUtf8(r, base.body.toString('utf8')) };
    case 2:
      return { contentType: r.pick(CONTENT_TYPES), body: base.body };
    case 3:
      return { contentType: null, body: base.body };
    case 4:
      return { contentType: 'application/json', body: Buffer.from(r.chance(0.5) ? deepJsonText(r.pick([1000, 100_000]), r.chance(0.5)) : JSON.stringify(nastyValue(r))) };
    case 5:
      return { contentType: 'application/json', body: Buffer.from(r.pick(['', ' ', '{', '{"a":', '[1,', 'nul', '"\\ud800"', '{"a":1}{"b":2}', '\ufeff{}', '1e99999', '{"__proto__":{"polluted":1}}'])) };
    case 6:
      return { contentType: base.contentType, body: Buffer.alloc(0) };
    default:
      return base;
  }
}

const sessionHeaders = (r: Rng): Record<string, string> => {
  const headers: Record<string, string> = { cookie: ui.sessionCookie!, origin: stack.origin };
  if (r.chance(0.05)) headers.origin = r.pick(['null', 'https://evil.example', `${stack.origin}.evil.example`, '']);
  if (r.chance(0.05)) headers.cookie = r.pick(['klaxon_session=%ff%fe', 'klaxon_session=', 'klaxon_session="', `klaxon_session=${'a'.repeat(5000)}`]);
  if (r.chance(0.05)) headers.authorization = r.pick(['Bearer ', 'Bearer x', `Bearer ${'k'.repeat(3000)}`, 'Basic Og==', 'Bearer klx_%%%']);
  return headers;
};

const weirdSegment = (r: Rng): string =>
  r.pick(['0', '-1', '1.5', '99999999999999999999', '%231', '%00', '%ff', '%E2%82', 'NaN', '1e3', pathSegment(nastyString(r).slice(0, 300)), '..%2f..%2f', String(r.int(50) + 1)]);

/** encodeURIComponent, which throws on a lone surrogate: those become U+FFFD first, as a browser would send them. */
const pathSegment = (s: string): string => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

const withBody = (method: FuzzCase['method'], kind: string, path: string, headers: Record<string, string>, b: { contentType: string | null; body: Buffer }): FuzzCase => ({
  kind,
  method,
  path,
  headers: b.contentType === null ? headers : { ...headers, 'content-type': b.contentType },
  body: b.body,
});

type Target = (r: Rng) => FuzzCase;

/** Any text as a header value the way a raw client sends it: its UTF-8 bytes, without control characters but tab (fetch refuses those). */
const headerValue = (text: string): string => Buffer.from(text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''), 'utf8').toString('latin1');

const ingestAuth = (r: Rng): { headers: Record<string, string>; query: string } => {
  if (r.chance(0.85)) return { headers: { authorization: `Bearer ${TOKEN}` }, query: '' };
  return r.pick<{ headers: Record<string, string>; query: string }>([
    { headers: {}, query: `?token=${TOKEN}&token=${TOKEN}` },
    { headers: {}, query: '?token=' },
    { headers: { authorization: 'Bearer' }, query: '' },
    { headers: { authorization: `Bearer ${TOKEN}x` }, query: '' },
    { headers: {}, query: `?token[]=${TOKEN}` },
    { headers: {}, query: '' },
  ]);
};

const TARGETS: Array<[weight: number, target: Target]> = [
  [
    14,
    (r) => {
      const auth = ingestAuth(r);
      const lines = () => ({ contentType: 'text/plain; charset=utf-8', body: Buffer.from(Array.from({ length: r.int(6) + 1 }, () => mutatedLine(r)).join(r.pick(['\n', '\r\n', '\r', '\n\n'])) + (r.chance(0.05) ? `\n${'[P1][PROBLEM][h][][' + 'y'.repeat(r.pick([5000, 200_000])) + ']'}` : '')) });
      const json = () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.5) ? alertObject(r) : Array.from({ length: r.int(5) }, () => alertObject(r)))) });
      return withBody('POST', 'ingest lines', `/api/v1/alerts${auth.query}`, auth.headers, body(r, r.chance(0.5) ? lines : json));
    },
  ],
  [
    5,
    (r) => {
      const auth = ingestAuth(r);
      return withBody('POST', 'ingest alertmanager', `/api/v1/alerts/alertmanager${auth.query}`, auth.headers, body(r, () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(alertmanagerPayload(r))) })));
    },
  ],
  [
    5,
    (r) => {
      const auth = ingestAuth(r);
      const expected = r.chance(0.6) ? () => ({ contentType: 'application/x-www-form-urlencoded', body: form(falconParams(r)) }) : () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.8) ? falconParams(r) : nastyValue(r))) });
      return withBody('POST', 'ingest open-falcon', `/api/v1/alerts/open-falcon${auth.query}`, auth.headers, body(r, expected));
    },
  ],
  [
    4,
    (r) => {
      const auth = ingestAuth(r);
      const params = new URLSearchParams(falconParams(r)).toString().slice(0, r.chance(0.9) ? 4000 : 60_000);
      const raw = r.chance(0.2) ? `&${r.pick(['%zz', '%', 'a=%ff%fe', 'endpoint=x&endpoint=y', 'status[]=OK', '=&&=', 'priority=%00'])}` : '';
      const query = auth.query === '' ? `?${params}${raw}` : `${auth.query}&${params}${raw}`;
      return { kind: 'ingest open-falcon GET', method: 'GET', path: `/api/v1/alerts/open-falcon${query}`, headers: auth.headers };
    },
  ],
  [
    4,
    (r) => {
      const credentials = () => {
        const value: Record<string, unknown> = { username: r.pick(['alice', 'nobody', 'bob']), password: `wrong-${r.int(1e6)}` };
        value[r.pick(['username', 'password'])] = nastyValue(r);
        return { contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.1) ? nastyValue(r) : value)) };
      };
      const headers: Record<string, string> = r.chance(0.8) ? { origin: stack.origin } : {};
      return withBody('POST', 'login', '/api/v1/auth/login', headers, body(r, credentials));
    },
  ],
  [
    1,
    (r) => withBody('POST', 'logout', '/api/v1/auth/logout', { cookie: r.pick(['klaxon_session=%ff', 'klaxon_session=forged', '']), origin: stack.origin }, body(r, () => ({ contentType: 'application/json', body: Buffer.from('{}') }))),
  ],
  ...(['sms', 'status', 'voice-status', 'voice', 'keys'] as const).map((hook): [number, Target] => [
    hook === 'sms' ? 6 : 3,
    (r) => {
      const id = r.chance(0.5) ? '00000000-0000-4000-8000-000000000000' : r.pick(['x', '1', '00000000-0000-4000-8000-00000000000g', nastyString(r).slice(0, 100)]);
      const path = hook === 'voice' ? `/api/v1/twilio/voice/${pathSegment(id)}` : hook === 'keys' ? `/api/v1/twilio/voice/${pathSegment(id)}/keys` : `/api/v1/twilio/${hook}`;
      const fields: Record<string, string> =
        hook === 'sms'
          ? { MessageSid: `SM${r.int(1e9)}`, From: r.pick([ALICE, BOB, '+15005550499', '']), To: TEST_TWILIO.fromNumber, Body: r.pick(['1a', 'list', 'aa', '1s 30m', '9e', 'stop', 'start', '确认 1', 'help']) }
          : hook === 'status'
            ? { MessageSid: `SM${r.int(1e9)}`, MessageStatus: r.pick(['delivered', 'failed', 'undelivered', 'sent']), ErrorCode: '30003' }
            : hook === 'voice-status'
              ? { CallSid: `CA${r.int(1e9)}`, CallStatus: r.pick(['completed', 'busy', 'no-answer', 'ringing']) }
              : { CallSid: `CA${r.int(1e9)}`, Digits: r.pick(['4', '5', '6', '*', '#', '']) };
      for (let n = r.int(3); n > 0; n--) fields[r.chance(0.8) ? r.pick(Object.keys(fields)) : nastyString(r).slice(0, 40)] = nastyString(r).slice(0, r.chance(0.9) ? 500 : 100_000);
      const b = body(r, () => ({ contentType: 'application/x-www-form-urlencoded', body: form(fields) }));
      const isForm = b.contentType !== null && b.contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
      // Signed as Twilio would sign what the api parses, so most bodies get past the signature to the handler.
      const signed = isForm ? parsedForm(b.body) : {};
      const headers: Record<string, string> = {};
      if (r.chance(0.9)) headers['x-twilio-signature'] = r.chance(0.9) ? twilio.getExpectedTwilioSignature(TEST_TWILIO.authToken, stack.baseUrl + path, signed) : r.pick(['', 'x', '=', 'a'.repeat(10_000)]);
      return withBody('POST', `twilio ${hook}`, path, headers, b);
    },
  ]),
  [
    8,
    (r) => {
      const action = r.pick(['ack', 'resolve', 'escalate', 'silence']);
      const json = () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.7) ? { duration: r.chance(0.5) ? r.pick(['30m', '0s', '31d', 'until-ok', '-1h', '1y', '9999999999d']) : nastyValue(r) } : nastyValue(r))) });
      return withBody('POST', `alert ${action}`, `/api/v1/alerts/${weirdSegment(r)}/${action}`, sessionHeaders(r), body(r, json));
    },
  ],
  [
    3,
    (r) => {
      const json = () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.7) ? { numbers: r.chance(0.5) ? Array.from({ length: r.pick([1, 3, 501]) }, () => r.pick([r.int(60), -1, '#2', 'x', null, [], 1.5, 1e300])) : nastyValue(r) } : nastyValue(r))) });
      return withBody('POST', 'alerts ack many', '/api/v1/alerts/ack', sessionHeaders(r), body(r, json));
    },
  ],
  [
    5,
    (r) => {
      const matchers: Record<string, unknown> = { host: r.pick(['fz-*', '*', '[', '**/**', 'a{b']), message: r.pick(['(a+)+$', 'disk', '[', '(?<x>)']), priority: r.pick([['P1'], 'P1', ['PX'], []]) };
      if (r.chance(0.5)) matchers[r.pick(['host', 'ip', 'message', 'priority', 'regex', 'fingerprint'])] = nastyValue(r);
      const silence: Record<string, unknown> = { matchers, duration: r.pick(['1h', '0s', '-1h', 'x', 3600]), comment: 'fuzz' };
      if (r.chance(0.3)) silence[r.pick(['startsAt', 'endsAt', 'comment', 'matchers', 'duration'])] = r.chance(0.5) ? r.pick(['2026-13-45T99:99:99Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday']) : nastyValue(r);
      return withBody('POST', 'silence create', '/api/v1/silences', sessionHeaders(r), body(r, () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.9) ? silence : nastyValue(r))) })));
    },
  ],
  [
    2,
    (r) => ({ kind: 'silence expire', method: 'DELETE', path: `/api/v1/silences/${r.chance(0.3) ? '00000000-0000-4000-8000-00000000000' + r.int(10) : weirdSegment(r)}`, headers: sessionHeaders(r) }),
  ],
  [
    4,
    (r) => {
      const override: Record<string, unknown> = { user: r.pick(['alice', 'bob', 'mallory']), from: '2026-12-01T18:00', to: '2026-12-02T08:00:00Z' };
      override[r.pick(['user', 'from', 'to'])] = r.chance(0.5) ? r.pick(['2026-02-30T10:00', '2026-12-01T25:00', '+275760-09-13T00:00:00Z', '2026-12-01T18:00+99:99', '']) : nastyValue(r);
      const schedule = r.chance(0.8) ? 'ops-primary' : weirdSegment(r);
      return withBody('POST', 'override', `/api/v1/schedules/${schedule}/overrides`, sessionHeaders(r), body(r, () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.9) ? override : nastyValue(r))) })));
    },
  ],
  [
    4,
    (r) => {
      const params = ['status', 'priority', 'q', 'silenced', 'limit', 'cursor'].filter(() => r.chance(0.4));
      const value = () => r.pick(['firing,acknowledged', 'open', 'P0,PX', 'true', 'maybe', '-1', '1e309', '0x10', '%ff', '%00', pathSegment(nastyString(r).slice(0, 2000))]);
      const query = params.map((p) => `${p}=${value()}`).join('&') + (r.chance(0.1) ? '&status=firing&status=resolved' : '');
      const path = r.pick([`/api/v1/alerts?${query}`, `/api/v1/alerts/${weirdSegment(r)}`, `/api/v1/rejected?limit=${value()}&cursor=${value()}`, `/api/v1/silences?ended=${value()}`, '/api/v1/oncall']);
      return { kind: 'rest GET', method: 'GET', path, headers: sessionHeaders(r) };
    },
  ],
  [
    2,
    (r) => {
      const name = () => r.pick(['', 'ci', nastyString(r).slice(0, r.pick([1, 100, 101, 5000]))]);
      const json = () => ({ contentType: 'application/json', body: Buffer.from(JSON.stringify(r.chance(0.8) ? { name: r.chance(0.8) ? name() : nastyValue(r) } : nastyValue(r))) });
      return withBody('POST', 'token create', '/api/v1/tokens', sessionHeaders(r), body(r, json));
    },
  ],
  [1, (r) => ({ kind: 'token revoke', method: 'DELETE', path: `/api/v1/tokens/${weirdSegment(r)}`, headers: sessionHeaders(r) })],
  [1, (r) => ({ kind: 'config reload', method: 'POST', path: '/api/v1/config/reload', headers: sessionHeaders(r) })],
  [
    1,
    (r) => {
      const path = r.pick(['/healthz', '/readyz', '/metrics']);
      const query = r.chance(0.5) ? `?${pathSegment(nastyString(r).slice(0, 500))}=${pathSegment(nastyString(r).slice(0, 500))}` : '';
      const headers: Record<string, string> = r.chance(0.5) ? { accept: headerValue(nastyString(r).slice(0, 200)) } : {};
      return { kind: 'ops GET', method: 'GET', path: path + query, headers };
    },
  ],
  [
    1,
    (r) => {
      // never with a valid session: a signed-in stream stays open, and this test reads whole answers
      const headers: Record<string, string> = { cookie: r.pick(['klaxon_session=forged', 'klaxon_session=%ff', `klaxon_session=${'s'.repeat(4000)}`, '']), origin: stack.origin };
      if (r.chance(0.5)) headers['last-event-id'] = headerValue(nastyString(r).slice(0, 300));
      return { kind: 'stream GET', method: 'GET', path: `/api/v1/stream${r.chance(0.3) ? `?since=${pathSegment(nastyString(r).slice(0, 100))}` : ''}`, headers };
    },
  ],
];

function randomCase(r: Rng): FuzzCase {
  const total = TARGETS.reduce((sum, [w]) => sum + w, 0);
  let roll = r.int(total);
  for (const [weight, target] of TARGETS) {
    if (roll < weight) return target(r);
    roll -= weight;
  }
  throw new Error('unreachable');
}

/** Paths out of the web UI's build folder, and what would show that one got out. */
const STATIC_ESCAPES = [
  '/..%2f..%2f..%2f..%2fetc%2fpasswd',
  '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/assets/..%2f..%2f..%2f..%2fpackage.json',
  '/..%5c..%5c..%5cpackage.json',
  '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f.env.example',
  '/%00../../package.json',
  '/assets/..%252f..%252fpackage.json',
  '//etc/passwd',
];
const ESCAPED = /root:x:0:0|"devDependencies"|SESSION_SECRET=/;

/** Cases every run has, whatever the seed: the limits themselves. */
function fixedCases(): FuzzCase[] {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const text = (b: string | Buffer) => ({ ...auth, 'content-type': 'text/plain; charset=utf-8', body: Buffer.isBuffer(b) ? b : Buffer.from(b) });
  const cases: FuzzCase[] = [];
  const post = (kind: string, path: string, headers: Record<string, string>, b?: Buffer) => cases.push({ kind, method: 'POST', path, headers, ...(b === undefined ? {} : { body: b }) });
  const { body: over, ...overHeaders } = text(Buffer.alloc(1024 * 1024 + 10, 'x'));
  post('body over 1 MiB', '/api/v1/alerts', overHeaders, over);
  const { body: many, ...manyHeaders } = text(Array.from({ length: 10_001 }, (_, i) => `[P5][PROBLEM][h${i}][][m]`).join('\n'));
  post('10,001 lines', '/api/v1/alerts', manyHeaders, many);
  post('one 1 MiB line', '/api/v1/alerts', manyHeaders, Buffer.from(`[P1][PROBLEM][h][][${'z'.repeat(1024 * 1024 - 30)}]`));
  post('10,001 JSON items', '/api/v1/alerts', { ...auth, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(Array.from({ length: 10_001 }, () => ({})))));
  post('10,001 Alertmanager alerts', '/api/v1/alerts/alertmanager', { ...auth, 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ version: '4', alerts: Array.from({ length: 10_001 }, () => ({})) })));
  post('JSON nested 200,000 deep', '/api/v1/alerts', { ...auth, 'content-type': 'application/json' }, Buffer.from(deepJsonText(200_000, true)));
  post('labels nested 100,000 deep', '/api/v1/alerts', { ...auth, 'content-type': 'application/json' }, Buffer.from(`{"priority":"P1","status":"PROBLEM","host":"h","message":"m","labels":${deepJsonText(100_000, false)}}`));
  post('login nested 100,000 deep', '/api/v1/auth/login', { origin: stack.origin, 'content-type': 'application/json' }, Buffer.from(`{"username":${deepJsonText(100_000, true)},"password":"x"}`));
  post('silence nested 100,000 deep', '/api/v1/silences', { cookie: ui.sessionCookie!, origin: stack.origin, 'content-type': 'application/json' }, Buffer.from(`{"matchers":${deepJsonText(100_000, false)},"duration":"1h","comment":"x"}`));
  post('no body, no content type', '/api/v1/alerts', auth);
  // paths that try to leave the web UI's build: each gets the UI's index page or a 404, never the file
  for (const path of STATIC_ESCAPES) cases.push({ kind: 'static path', method: 'GET', path, headers: {} });
  post('only NUL bytes', '/api/v1/alerts', manyHeaders, Buffer.alloc(4096));
  post('a UTF-16 body declared UTF-8', '/api/v1/alerts', manyHeaders, Buffer.from('[P1][PROBLEM][h][][m]', 'utf16le'));
  post('a UTF-16 body declared UTF-16', '/api/v1/alerts', { ...auth, 'content-type': 'text/plain; charset=utf-16le' }, Buffer.from('[P1][PROBLEM][h][][m]', 'utf16le'));
  post('form to the lines endpoint', '/api/v1/alerts', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('a=b'));
  post('the Twilio SMS webhook, 1 MiB of form', '/api/v1/twilio/sms', { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }, Buffer.from(`Body=${'a'.repeat(1024 * 1024)}`));
  post('an unknown API path', '/api/v1/nope', { 'content-type': 'application/json' }, Buffer.from('{}'));
  return cases;
}

/** A valid alert of each ingest kind; every one of them must be triaged however much garbage came with it. */
function markerCase(i: number): FuzzCase & { host: string } {
  const host = `${MARKER_TAG}-${i}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  switch (i % 5) {
    case 0:
      return { host, kind: 'marker lines', method: 'POST', path: '/api/v1/alerts', headers: { ...auth, 'content-type': 'text/plain' }, body: Buffer.from(`[P3][PROBLEM][${host}][10.0.0.1][marker ${i}]`) };
    case 1:
      return { host, kind: 'marker JSON', method: 'POST', path: '/api/v1/alerts', headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ priority: 'P2', status: 'PROBLEM', host, message: `marker ${i}` })) };
    case 2:
      return {
        host,
        kind: 'marker Alertmanager',
        method: 'POST',
        path: '/api/v1/alerts/alertmanager',
        headers: { ...auth, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'Marker', host, severity: 'info' }, annotations: { summary: `marker ${i}` }, fingerprint: `fp-${host}` }] })),
      };
    case 3:
      return { host, kind: 'marker Open-Falcon', method: 'POST', path: '/api/v1/alerts/open-falcon', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ endpoint: host, metric: 'marker', status: 'PROBLEM', priority: '3' }) };
    default:
      return { host, kind: 'marker Open-Falcon GET', method: 'GET', path: `/api/v1/alerts/open-falcon?token=${TOKEN}&endpoint=${host}&metric=marker&status=PROBLEM&priority=4`, headers: {} };
  }
}

/**
 * Requests that each carry, next to a valid alert, one that PostgreSQL could refuse (a NUL, a lone
 * surrogate): whether refused or accepted, it must not take the valid alert of its request, or of the
 * triage batch it shares, down with it.
 */
function poisonCases(): Array<FuzzCase & { hosts: string[] }> {
  const json = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  // as they appear in JSON text: escapes, so the body itself is valid JSON
  const escaped = ['nul\\u0000byte', 'lone \\ud800 surrogate', 'lone \\udc00', '\\ud83d'];
  const cases: Array<FuzzCase & { hosts: string[] }> = [];
  escaped.forEach((text, i) => {
    const host = `${MARKER_TAG}-poison-${i}`;
    const fields = [`"labels":{"k${text}":"v${text}"}`, `"dedupKey":"${text}"`, `"source":"${text}"`, `"message":"m ${text}"`, `"host":"${host}-h${text}"`];
    fields.forEach((field, n) => {
      const marker = `${host}-${n}`;
      const body = `[{"priority":"P3","status":"PROBLEM","host":"${host}-${n}-x","message":"m",${field}},{"priority":"P3","status":"PROBLEM","host":"${marker}","message":"marker"}]`;
      cases.push({ hosts: [marker], kind: 'poison JSON', method: 'POST', path: '/api/v1/alerts', headers: json, body: Buffer.from(body) });
    });
    const am = `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"P","host":"${host}-am-x","severity":"info","team":"${text}"},"annotations":{"summary":"s ${text}"},"fingerprint":"fp${text}"},{"status":"firing","labels":{"alertname":"P","host":"${host}-am","severity":"info"},"annotations":{"summary":"marker"},"fingerprint":"fp-${host}-am"}]}`;
    cases.push({ hosts: [`${host}-am`], kind: 'poison Alertmanager', method: 'POST', path: '/api/v1/alerts/alertmanager', headers: json, body: Buffer.from(am) });
    const raw = JSON.parse(`"${text}"`) as string;
    const falcon = { endpoint: `${host}-of-x`, metric: 'cpu', status: 'PROBLEM', stra_id: raw, exp_id: raw, tags: `k:${raw}` };
    cases.push({ hosts: [], kind: 'poison Open-Falcon', method: 'POST', path: '/api/v1/alerts/open-falcon', headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' }, body: form(falcon) });
    const marker = markerCase(100 + i);
    cases.push({ ...marker, hosts: [marker.host] });
  });
  return cases;
}

async function send(c: FuzzCase): Promise<Outcome | string> {
  const started = Date.now();
  try {
    const res = await fetch(stack.baseUrl + c.path, {
      method: c.method,
      headers: c.headers,
      ...(c.body === undefined ? {} : { body: c.body }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: Date.now() - started };
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return (err as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : `no answer: ${(err as Error).message}${cause ? ` (${cause})` : ''}`;
  }
}

/** Words that say what kind of error it was without saying what was wrong. */
const GENERIC = new Set(
  [
    '', 'bad request', 'client error', 'error', 'internal server error', 'internal error', 'unsupported media type', 'payload too large', 'request body is too large', 'not found',
    'forbidden', 'unauthorized', 'invalid', 'invalid input', 'unknown error', 'too many requests', 'unprocessable entity', 'conflict',
    // Nest's and Fastify's defaults, which name no problem either
    'forbidden resource', 'bad request exception', 'http exception', 'not acceptable', 'method not allowed', 'validation failed', 'invalid value', 'service unavailable',
  ].map((s) => s.toLowerCase()),
);

/** Why an answer breaks the rules, or null: a short class (to group failures by) and the detail. */
function problemWith(outcome: Outcome): { what: string; detail: string } | null {
  const detail = `${outcome.status} ${outcome.text.slice(0, 300)}`;
  if (outcome.status >= 500) return { what: `answered ${outcome.status}`, detail };
  if (outcome.headers.has(INJECTED_HEADER)) return { what: 'a CR/LF in a field became a response header', detail };
  if (outcome.status < 400) {
    // TwiML answers quote what came in (an SMS body, an alert's message) as text, never as markup
    const twiml = /xml/.test(outcome.headers.get('content-type') ?? '');
    if (twiml && outcome.text.includes('<Redirect>')) return { what: 'a field became TwiML', detail };
    // what ingest accepted only in part: each line or item it refused says why
    const rejected = /json/.test(outcome.headers.get('content-type') ?? '') ? (JSON.parse(outcome.text) as { rejected?: unknown }).rejected : undefined;
    if (Array.isArray(rejected)) {
      const vague = rejected.find((x: { error?: unknown }) => typeof x?.error !== 'string' || isGeneric(x.error));
      if (vague !== undefined) return { what: `accepted with a rejection that names no problem: ${JSON.stringify(vague).slice(0, 120)}`, detail };
    }
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.text);
  } catch {
    return { what: `answered ${outcome.status} with a body that is not JSON`, detail };
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return { what: `answered ${outcome.status} without a message`, detail };
  if (isGeneric(message)) return { what: `answered ${outcome.status} with the generic message "${message}"`, detail };
  return null;
}

/** A message that says what kind of error it was without saying what was wrong. */
const isGeneric = (message: string) => GENERIC.has(message.trim().toLowerCase().replace(/[.!]$/, ''));

function describeCase(c: FuzzCase): string {
  const bodyText = c.body === undefined ? '' : ` body(${c.body.length} B)=${JSON.stringify(c.body.subarray(0, 160).toString('latin1'))}`;
  return `${c.kind}: ${c.method} ${c.path.slice(0, 160)} ${JSON.stringify({ ...c.headers, cookie: c.headers.cookie ? '…' : undefined })}${bodyText}`;
}

/** Runs the cases `concurrency` at a time, in order of the list. */
async function runAll<T, R>(items: T[], concurrency: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await run(items[index]!, index);
      }
    }),
  );
  return results;
}

/**
 * Sends raw bytes on a fresh connection: what came back before the server answered in full or closed the
 * connection, and whether it did neither within 5 s (hung).
 */
function rawExchange(request: string): Promise<{ answer: string; hung: boolean }> {
  const url = new URL(stack.baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let hung = false;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), hung });
    };
    const timer = setTimeout(() => {
      hung = true;
      done();
    }, 5_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // one complete answer is enough: the status line, headers and a body as long as Content-Length says
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length)) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request, 'latin1');
  });
}

describe(`fuzzing every public endpoint (seed ${SEED})`, () => {
  const markers: Array<{ host: string; kind: string }> = [];
  /** how many alerts the poison requests had accepted (ingest's own count) */
  let poisonAccepted = 0;
  /** failures grouped by endpoint and kind of problem: how many, and the first case that showed it */
  const failures = new Map<string, { count: number; example: string }>();
  const fail = (c: FuzzCase, what: string, detail: string) => {
    const key = `${c.kind}: ${what}`;
    const seen = failures.get(key);
    if (seen) seen.count++;
    else failures.set(key, { count: 1, example: `${describeCase(c)}\n    → ${detail}` });
  };
  const statuses = new Map<string, Map<number, number>>();

  it('never answers 5xx, never hangs, and every 4xx names the problem', async () => {
    const r = new Rng(SEED);
    const cases: FuzzCase[] = [...fixedCases()];
    for (let i = 0; i < RANDOM_CASES; i++) cases.push(randomCase(r));
    // valid alerts interleaved with the garbage, so they share its group commits and triage batches
    for (let i = 0; i < 40; i++) {
      const marker = markerCase(i);
      markers.push(marker);
      cases.splice(Math.floor(((i + 1) * cases.length) / 41), 0, marker);
    }
    const poison = poisonCases();
    for (const c of poison) markers.push(...c.hosts.map((host) => ({ host, kind: c.kind })));
    cases.splice(Math.floor(cases.length / 3), 0, ...poison);
    const started = Date.now();
    await runAll(cases, CONCURRENCY, async (c) => {
      const outcome = await send(c);
      if (typeof outcome === 'string') {
        fail(c, outcome.startsWith('no answer within') ? 'hung' : 'no answer', outcome);
        return;
      }
      const byKind = statuses.get(c.kind) ?? new Map<number, number>();
      byKind.set(outcome.status, (byKind.get(outcome.status) ?? 0) + 1);
      statuses.set(c.kind, byKind);
      const problem = problemWith(outcome);
      if (problem !== null) fail(c, problem.what, problem.detail);
      if (c.kind === 'static path' && ESCAPED.test(outcome.text)) fail(c, 'served a file from outside the web UI', `${outcome.status} ${outcome.text.slice(0, 200)}`);
      if (c.kind.startsWith('poison') && outcome.status === 202) poisonAccepted += (JSON.parse(outcome.text) as { accepted: number }).accepted;
      if ((c.kind.startsWith('marker') || c.kind === 'poison JSON' || c.kind === 'poison Alertmanager') && outcome.status !== 202) fail(c, 'a valid alert was refused', `${outcome.status} ${outcome.text.slice(0, 200)}`);
    });
    const elapsed = Date.now() - started;
    const report = [...failures].map(([key, { count, example }]) => `${key} (×${count}), e.g. ${example}`);
    expect({ seed: SEED, failures: report }).toEqual({ seed: SEED, failures: [] });
    // bounded: a few thousand requests well inside the budget of a shared 2-core machine
    expect(elapsed).toBeLessThan(60_000);
    // the run reached past authentication and parsing, not only the doors
    const reached = (kind: string, status: number) => statuses.get(kind)?.get(status) ?? 0;
    expect(reached('ingest lines', 202)).toBeGreaterThan(0);
    expect(reached('ingest lines', 400)).toBeGreaterThan(0);
    expect(reached('twilio sms', 200)).toBeGreaterThan(0);
    expect(reached('login', 400)).toBeGreaterThan(0);
    expect(reached('silence create', 400)).toBeGreaterThan(0);
    expect(reached('override', 400)).toBeGreaterThan(0);
    expect(reached('token create', 201)).toBeGreaterThan(0);
    expect(reached('token create', 400)).toBeGreaterThan(0);
    expect(reached('stream GET', 401)).toBeGreaterThan(0);
    expect(reached('static path', 200) + reached('static path', 404)).toBe(STATIC_ESCAPES.length);
  });

  it('refuses malformed HTTP itself with a 4xx, and keeps serving', async () => {
    const host = new URL(stack.baseUrl).host;
    const requests = [
      `POST /api/v1/alerts HTTP/1.1\r\nHost: ${host}\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n`,
      `POST /api/v1/alerts HTTP/1.1\r\nHost: ${host}\r\nBad Header: x\r\n\r\n`,
      `POST /api/v1/alerts HTTP/1.1\r\nHost: ${host}\r\nContent-Length: abc\r\n\r\n`,
      `POST /api/v1/alerts HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST /api/v1/alerts HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
      `GET /healthz HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
      '\u0000\u0001\u0002\u00ff\r\n\r\n',
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      `GET /api/v1/alerts/\u00ff HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    ];
    const answers: Array<{ request: string; answer: string; hung: boolean }> = [];
    for (const request of requests) {
      const { answer, hung } = await rawExchange(request);
      answers.push({ request: JSON.stringify(request.slice(0, 90)), answer: answer.slice(0, 400), hung });
    }
    // the server answers or closes the connection: it never leaves one hanging
    expect(answers.filter((a) => a.hung)).toEqual([]);
    // an answer, when there is one, is a 4xx refusal; closing the connection without one is also fine
    const bad = answers.filter(({ answer }) => answer !== '' && !/^HTTP\/1\.[01] 4\d\d /.test(answer));
    expect(bad).toEqual([]);
    // and a refusal says what was wrong, in the API's error shape
    const vague = answers.filter(({ answer }) => answer !== '' && (!/"message":"[^"]{12,}"/.test(answer) || /"message":"(Client Error|Bad Request)"/.test(answer)));
    expect(vague).toEqual([]);
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).toBe(200);
  });

  it('is still up afterwards, and the api never exited', async () => {
    expect(stack.api.child.exitCode).toBeNull();
    expect(stack.api.child.signalCode).toBeNull();
    for (const worker of stack.workers) expect(worker.child.exitCode).toBeNull();
    const health = await fetch(`${stack.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/readyz`)).status).toBe(200);
    // and it still does its job
    const ingest = new TestClient(stack.baseUrl);
    expect((await ingest.postLines(`[P3][PROBLEM][${MARKER_TAG}-after][][after the fuzz]`, TOKEN)).status).toBe(202);
  });

  it('loses nothing it accepted: every valid alert sent among the garbage is triaged', async () => {
    expect(markers.length).toBeGreaterThan(40);
    const hosts = [...markers.map((m) => m.host), `${MARKER_TAG}-after`];
    const stored = await waitFor(
      async () => {
        const rows = await queryRows<{ host: string }>(db.url, 'SELECT host FROM alerts WHERE host = ANY($1::text[])', [hosts]);
        return rows.length >= hosts.length ? rows : undefined;
      },
      { what: 'every marker alert in PostgreSQL', timeoutMs: 60_000 },
    );
    expect(stored.map((row) => row.host).sort()).toEqual([...hosts].sort());
    // and the odd alerts that came with the poison, when accepted, are all there too
    expect(poisonAccepted).toBeGreaterThan(markers.filter((m) => m.kind.startsWith('poison')).length);
    const poisonRows = await waitFor(
      async () => {
        const rows = await queryRows(db.url, 'SELECT host FROM alerts WHERE host LIKE $1', [`${MARKER_TAG}-poison-%`]);
        return rows.length >= poisonAccepted ? rows : undefined;
      },
      { what: 'every accepted alert of the poison requests', timeoutMs: 30_000 },
    );
    expect(poisonRows).toHaveLength(poisonAccepted);
  });

  it('logged no unhandled error in the api or the worker', () => {
    const errors = stack.logs().split('\n').filter((line) => /"level":(50|60)/.test(line) || /unhandled|uncaught/i.test(line));
    expect(errors.slice(0, 10)).toEqual([]);
  });
});
