// The storm replay's data: 10,000 alert lines across 500 hosts in a minute,
// the config it runs with (several people, three policies, IM channels, the
// default tiers and SMS budget), and a local SMTP stand-in that counts email.
//
// The storm is deterministic (seeded), so every run sends the same lines at
// the same offsets. What is in it (see stormAlerts for the exact shapes):
//   - background noise, most of the volume: P3–P5 disk/inode/ntp/cert/log
//     lines on ~300 hosts, each fingerprint repeating with varying numbers;
//   - P2 warnings (cpu load, memory), Open-Falcon lines (a sixth field) and
//     non-ASCII messages;
//   - a P1 incident: http 5xx on 30 app hosts, half of them recovering (OK);
//   - database trouble: P1 replication lag on 10 db hosts, two P0s;
//   - a rack losing power: 40 web hosts send `host is down` (P0) within 2 s,
//     repeated every 5 s, plus their follow-up alerts (http check, nginx,
//     disk check) that host-down inhibition should hold; 20 come back (OK);
//   - a switch unreachable (`ping loss 100%`, a host-down pattern) and its
//     port alerts;
//   - a flapping load-balancer pool (PROBLEM/OK every 6 s).
import { SMTPServer } from 'smtp-server';

/** Deterministic PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w) => String(n).padStart(w, '0');
/** The rack that loses power: web-101..web-140. */
const RACK = new Set(Array.from({ length: 40 }, (_, k) => `web-${101 + k}`));

/** The 500 hosts: [name, ip, group]. */
export function stormHosts() {
  const hosts = [];
  const add = (prefix, n, w, net, group) => {
    for (let i = 1; i <= n; i++) hosts.push({ name: `${prefix}-${pad(i, w)}`, ip: `10.${net}.${i >> 8}.${i & 255}`, group });
  }
  add('web', 200, 3, 1, 'ops');
  add('app', 150, 3, 2, 'ops');
  add('cache', 40, 2, 3, 'ops');
  add('db', 60, 2, 4, 'dba');
  add('lb', 10, 2, 5, 'net');
  add('sw', 40, 2, 9, 'net');
  return hosts;
}

/** The people: phone (Twilio stand-in), email (SMTP stand-in). */
export const STORM_USERS = [
  { id: 'alice', name: 'Alice (ops primary)', phone: '+15005550201', email: 'alice@example.com' },
  { id: 'bob', name: 'Bob (ops, step 2 after 10 min)', phone: '+15005550202', email: 'bob@example.com' },
  { id: 'carol', name: 'Carol (dba)', phone: '+15005550203', email: 'carol@example.com' },
  { id: 'dave', name: 'Dave (network)', phone: '+15005550204', email: 'dave@example.com' },
];

/** IM channels (generic webhook type) → the receiver path; who each one reaches. */
export const STORM_IM = [
  { id: 'ops-im', path: '/im/ops', people: ['alice'] },
  { id: 'dba-im', path: '/im/dba', people: ['carol'] },
];

/**
 * The storm's config. `mode: 'storm'` keeps the default tiers and SMS budget
 * (10 per 10 min): that is the point of the storm phase. `mode: 'scale'` raises
 * the budget and turns the P1/P2 grouping windows off, so every page is its own
 * SMS carrying its alert number, which the duplicate check counts.
 */
export function stormConfigYaml({ token, imBaseUrl, mode = 'storm' }) {
  const users = STORM_USERS.map(
    (u) => `  - id: ${u.id}\n    name: "${u.name}"\n    role: responder\n    phone: "${u.phone}"\n    email: ${u.email}\n    timezone: UTC`,
  ).join('\n');
  const channels = STORM_IM.map((c) => `  - id: ${c.id}\n    type: webhook\n    url: ${imBaseUrl}${c.path}`).join('\n');
  const scale =
    mode === 'scale'
      ? `smsBudget: { max: 1000000, per: 1m }
tiers:
  high: { groupWindow: 0s }
  medium: { groupWindow: 0s }
`
      : '# default tiers and smsBudget (10 per 10 min)\n';
  return `# written by bench/run.mjs (storm replay, ${mode})
${scale}
users:
${users}

channels:
${channels}

escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice, channel:ops-im], next: 10m }
      - { notify: [user:bob] }
  - id: dba
    steps:
      - { notify: [user:carol, channel:dba-im], next: 10m }
      - { notify: [user:alice] }
  - id: net
    steps:
      - { notify: [user:dave] }

routes:
  - match: { host: "db-*" }
    policy: dba
  - match: { host: "lb-*" }
    policy: net
  - match: { host: "sw-*" }
    policy: net
  - policy: ops

integrations:
  - id: bench
    token: ${token}
`;
}

/**
 * The storm: exactly `total` lines, each {t (ms offset), line, priority, status, host, message},
 * sorted by t, over `durationMs`. Incidents first, background noise fills up to `total`.
 */
export function stormAlerts({ total = 10_000, durationMs = 60_000, seed = 0x73746f72 } = {}) {
  const rnd = prng(seed);
  const hosts = stormHosts();
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const scale = durationMs / 60_000; // incident times are written for a minute
  const at = (ms) => Math.min(durationMs - 1, Math.round(ms * scale));
  const out = [];
  const push = (tMs, priority, status, hostName, message, ipOverride) => {
    const h = byName.get(hostName);
    const ip = ipOverride ?? h.ip;
    out.push({ t: at(tMs), priority, status, host: hostName, message, line: `[${priority}][${status}][${hostName}][${ip}][${message}]` });
  };
  const every = (from, to, step, fn) => {
    for (let t = from, k = 0; t < to; t += step, k++) fn(t, k);
  };

  // flapping load-balancer pool: PROBLEM / OK alternating every 6 s
  every(3000, 60_000, 6000, (t, k) => push(t, 'P1', k % 2 === 0 ? 'PROBLEM' : 'OK', 'lb-03', 'backend pool degraded 2/4 up'));

  // P1: http 5xx on app-001..030 from ~5 s, every 2 s; app-001..015 recover at 40 s
  for (let i = 1; i <= 30; i++) {
    const host = `app-${pad(i, 3)}`;
    const until = i <= 15 ? 40_000 : 60_000;
    every(5000 + i * 100, until, 2000, (t) => push(t, 'P1', 'PROBLEM', host, `http 5xx ratio ${10 + Math.floor(rnd() * 20)}% > 5%`));
    if (i <= 15) push(40_000 + i * 20, 'P1', 'OK', host, 'http 5xx ratio 3% > 5%');
  }

  // database: P1 replication lag on db-01..10 from 8 s every 2 s; two P0s
  for (let i = 1; i <= 10; i++) {
    every(8000 + i * 70, 60_000, 2000, (t) => push(t, 'P1', 'PROBLEM', `db-${pad(i, 2)}`, `replication lag ${30 + Math.floor(rnd() * 90)}s > 30s`));
  }
  every(12_000, 60_000, 3000, (t) => push(t, 'P0', 'PROBLEM', 'db-07', 'mysql replication stopped'));
  every(30_000, 60_000, 5000, (t) => push(t, 'P0', 'PROBLEM', 'db-12', 'disk full /var/lib/mysql 100%'));

  // a rack loses power at 25 s: web-101..140 host is down (P0) within 2 s, every 5 s while down;
  // just before, their http checks fail (P1, paged before the host-down arrives); while down,
  // follow-ups that inhibition should hold; web-101..120 come back at 50 s
  for (let i = 101; i <= 140; i++) {
    const host = `web-${pad(i, 3)}`;
    const down = 25_000 + (i - 101) * 50;
    const up = i <= 120 ? 50_000 + (i - 101) * 30 : null;
    const end = up ?? 60_000;
    push(down - 600, 'P1', 'PROBLEM', host, 'http check failed: connection refused');
    every(down, end, 5000, (t) => push(t, 'P0', 'PROBLEM', host, 'host is down'));
    every(down + 1500, end, 2000, (t) => push(t, 'P1', 'PROBLEM', host, 'http check failed: connection refused'));
    every(down + 2500, end, 5000, (t) => push(t, 'P2', 'PROBLEM', host, 'nginx process count 0 < 1'));
    every(down + 3500, end, 10_000, (t) => push(t, 'P3', 'PROBLEM', host, 'disk check timed out after 10s'));
    if (up !== null) {
      push(up, 'P0', 'OK', host, 'host is down');
      push(up + 200, 'P1', 'OK', host, 'http check failed: connection refused');
      push(up + 300, 'P2', 'OK', host, 'nginx process count 1 < 1');
    }
  }

  // a switch goes unreachable at 35 s (a host-down pattern: "ping"), and its port alerts
  every(35_000, 60_000, 2000, (t) => push(t, 'P0', 'PROBLEM', 'sw-07', 'ping loss 100%'));
  every(36_000, 60_000, 3000, (t, k) => push(t, 'P2', 'PROBLEM', 'sw-07', `port Gi0/${1 + (k % 4)} input errors ${500 + Math.floor(rnd() * 2000)}/s`));

  // P2 warnings: cpu load and memory on 150 random ops hosts, repeating
  const opsHosts = hosts.filter((h) => h.group === 'ops' && !RACK.has(h.name));
  for (let k = 0; k < 1500; k++) {
    const h = opsHosts[Math.floor(rnd() * 150)];
    const msg = rnd() < 0.5 ? `cpu load ${(4 + rnd() * 8).toFixed(1)} > 4` : `memory usage ${85 + Math.floor(rnd() * 14)}%`;
    push(rnd() * 60_000, 'P2', 'PROBLEM', h.name, msg);
  }
  // Open-Falcon lines (sixth field, empty ip) and non-ASCII messages
  for (let k = 0; k < 100; k++) {
    const h = hosts[150 + Math.floor(rnd() * 100)];
    const t = rnd() * 60_000;
    const ts = `2026-11-21 16:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}`;
    const d = { t: at(t), priority: 'P2', status: 'PROBLEM', host: h.name, message: ` all(#3) cpu.idle ${(rnd() * 9).toFixed(1)}<10` };
    d.line = `[P2][PROBLEM][${h.name}][][${d.message}][O${1 + (k % 3)} ${ts}]`;
    out.push(d);
  }
  for (let k = 0; k < 100; k++) {
    const name = `cache-${pad(1 + Math.floor(rnd() * 40), 2)}`;
    push(rnd() * 60_000, 'P3', 'PROBLEM', name, `磁盘使用率 ${90 + Math.floor(rnd() * 9)}%`);
  }

  // background noise up to `total`: P3–P5 on ~300 hosts, 1,500 fingerprints, numbers varying
  const checks = [
    ['P3', () => `disk usage /data ${80 + Math.floor(rnd() * 19)}%`],
    ['P3', () => `inode usage /var ${80 + Math.floor(rnd() * 19)}%`],
    ['P4', () => `ntp offset ${100 + Math.floor(rnd() * 900)}ms`],
    ['P4', () => `certificate expires in ${2 + Math.floor(rnd() * 20)} days`],
    ['P5', () => `log errors ${10 + Math.floor(rnd() * 200)}/min in app.log`],
  ];
  const quiet = hosts.filter((h) => !RACK.has(h.name) && h.name !== 'sw-07');
  // every quiet host has at least one fingerprint, so the storm touches all 500 hosts
  const fingerprints = Array.from({ length: 1500 }, (_, k) => ({ host: k < quiet.length ? quiet[k] : quiet[Math.floor(rnd() * quiet.length)], check: checks[k % checks.length] }));
  const incidents = out.length;
  if (incidents > total) throw new Error(`storm: ${incidents} incident lines exceed --storm-alerts ${total}`);
  for (let k = 0; k < total - incidents; k++) {
    const f = k < fingerprints.length ? fingerprints[k] : fingerprints[Math.floor(rnd() * fingerprints.length)];
    push(rnd() * 60_000, f.check[0], 'PROBLEM', f.host.name, f.check[1]());
  }
  // stable order: by time, then generation order
  return out.map((a, i) => ({ ...a, i })).sort((a, b) => a.t - b.t || a.i - b.i);
}

/**
 * The storm's requests: every 100 ms tick, its lines; a P0 line goes alone (so
 * its POST time is its own), the rest in requests of up to `linesPerRequest`.
 */
export function stormRequests(alerts, { tickMs = 100, linesPerRequest = 10 } = {}) {
  const ticks = new Map();
  for (const a of alerts) {
    const k = Math.floor(a.t / tickMs);
    if (!ticks.has(k)) ticks.set(k, []);
    ticks.get(k).push(a);
  }
  const requests = [];
  for (const [k, list] of [...ticks.entries()].sort((x, y) => x[0] - y[0])) {
    const rest = [];
    for (const a of list) (a.priority === 'P0' ? requests.push({ t: k * tickMs, alerts: [a] }) : rest.push(a));
    for (let i = 0; i < rest.length; i += linesPerRequest) requests.push({ t: k * tickMs, alerts: rest.slice(i, i + linesPerRequest) });
  }
  for (const r of requests) r.body = Buffer.from(r.alerts.map((a) => a.line).join('\n'));
  return requests;
}

/** What the storm holds, for the report. */
export function stormMix(alerts) {
  const byPriority = {};
  const byStatus = {};
  for (const a of alerts) {
    byPriority[a.priority] = (byPriority[a.priority] ?? 0) + 1;
    byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  }
  return {
    alerts: alerts.length,
    hosts: new Set(alerts.map((a) => a.host)).size,
    fingerprintsApprox: new Set(alerts.map((a) => `${a.host}|${a.message.replace(/\d+/g, '#')}`)).size,
    byPriority,
    byStatus,
    hostDownLines: alerts.filter((a) => a.message === 'host is down' || a.message.startsWith('ping loss')).length,
  };
}

/**
 * A local SMTP server (smtp-server) that takes every message and counts it per
 * recipient. No TLS, no auth: it is only reachable on 127.0.0.1.
 */
export async function startSmtpStandIn() {
  const byRecipient = new Map();
  let messages = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        messages++;
        for (const r of session.envelope.rcptTo) byRecipient.set(r.address, (byRecipient.get(r.address) ?? 0) + 1);
        callback();
      });
    },
  });
  const port = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.server.address().port));
  });
  server.on('error', () => undefined);
  return {
    url: `smtp://127.0.0.1:${port}`,
    byRecipient,
    get messages() {
      return messages;
    },
    snapshot() {
      return { messages, byRecipient: Object.fromEntries(byRecipient) };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
