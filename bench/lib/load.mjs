// Load generation: autocannon for the ingest phases, a small keep-alive
// sender for the triage phase's fixed set of requests.
import http from 'node:http';
import autocannon from 'autocannon';

export const INGEST_PATH = '/api/v1/alerts';

/** One alert line in the SPEC §2 format. */
export const alertLine = (host, pct = 91, priority = 'P3') => `[${priority}][PROBLEM][${host}][10.0.0.1][disk usage ${pct}%]`;

/** A P0 (critical tier: paged at once by SMS); a new host opens a new alert each time. */
export const p0Line = (host, ip = '10.0.0.1') => `[P0][PROBLEM][${host}][${ip}][host is down]`;

/** `--p0-ip unique`: the n-th P0 gets an address of its own (10.200.x.y), shared with no other alert. */
export const uniqueP0Ip = (n) => `10.200.${(n >> 8) & 255}.${n & 255}`;

/** Deterministic PRNG (mulberry32), so every run sends the same bodies. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Single-alert bodies: one per host. */
export function singleBodies(hostPrefix, hosts) {
  return Array.from({ length: hosts }, (_, i) => Buffer.from(alertLine(`${hostPrefix}${i}`)));
}

/** `count` bodies of `lines` lines, hosts drawn at random (seeded) from `hosts`. */
export function batchBodies(hostPrefix, hosts, lines, count = 64, priority = 'P3') {
  const rnd = prng(0x6b6c6178);
  return Array.from({ length: count }, () =>
    Buffer.from(Array.from({ length: lines }, () => alertLine(`${hostPrefix}${Math.floor(rnd() * hosts)}`, 91, priority)).join('\n')),
  );
}

/** Keeps the first few bodies of each non-202 status, for the report. */
class ResponseSampler {
  constructor(perStatus = 3, okStatus = 202) {
    this.perStatus = perStatus;
    this.okStatus = okStatus;
    this.samples = {};
  }

  record(status, body) {
    if (status === this.okStatus) return;
    const list = (this.samples[status] ??= []);
    if (list.length < this.perStatus) list.push(String(body ?? '').slice(0, 400));
  }
}

/**
 * Runs autocannon against the ingest endpoint for `duration` seconds. Bodies
 * come round-robin from `bodies` through setupRequest, shared by all
 * connections, so consecutive requests carry different hosts.
 * The same generator drives Alertmanager (bench/lib/alertmanager.mjs): `path`,
 * `contentType`, `token: null` (no Authorization header) and `okStatus` (200
 * there; Klaxon answers 202) say where and what.
 */
export async function runAutocannon({
  baseUrl,
  token,
  bodies,
  connections,
  duration,
  linesPerRequest,
  onStart,
  overallRate = 0,
  path = INGEST_PATH,
  contentType = 'text/plain',
  okStatus = 202,
}) {
  let next = 0;
  const sampler = new ResponseSampler(3, okStatus);
  const instance = autocannon({
    url: baseUrl,
    connections,
    duration,
    pipelining: 1,
    timeout: 10,
    ...(overallRate > 0 ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        setupRequest: (req) => {
          req.body = bodies[next++ % bodies.length];
          return req;
        },
        onResponse: (status, body) => sampler.record(status, body),
      },
    ],
  });
  onStart?.(instance);
  const r = await instance;
  const stats = r.statusCodeStats ?? {};
  const accepted = stats[String(okStatus)]?.count ?? 0;
  const completed = r.requests.total;
  return {
    durationS: r.duration,
    connections,
    linesPerRequest,
    requestsCompleted: completed,
    requestsPerSec: round(completed / r.duration, 1),
    requestsPerSecAutocannonMean: r.requests.average,
    // responses with okStatus (the name stays from when only Klaxon's 202 was counted)
    responses202: accepted,
    okStatus,
    alertsAcceptedPerSec: round((accepted * linesPerRequest) / r.duration, 0),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v.count])),
    errors: r.errors,
    timeouts: r.timeouts,
    non202Samples: sampler.samples,
  };
}

/**
 * Sends a fixed list of bodies with `concurrency` requests in flight over
 * keep-alive connections. Reports when the first and last 202 came back.
 */
export async function sendAll({ baseUrl, token, bodies, concurrency, linesPerRequest }) {
  const url = new URL(INGEST_PATH, baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const sampler = new ResponseSampler();
  const statusCodes = {};
  let firstAccepted = null;
  let lastAccepted = null;
  let alertsAccepted = 0;
  let errors = 0;
  let i = 0;
  const startedAt = performance.now();
  const post = (body) =>
    new Promise((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}`, 'content-length': body.length },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const now = performance.now();
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 202) {
              firstAccepted ??= now;
              lastAccepted = now;
              try {
                alertsAccepted += JSON.parse(text).accepted;
              } catch {
                alertsAccepted += linesPerRequest;
              }
            } else sampler.record(res.statusCode, text);
            resolve();
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        errors++;
        sampler.record(`error`, err.message);
        resolve();
      });
      req.end(body);
    });
  const lane = async () => {
    while (i < bodies.length) await post(bodies[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, lane));
  agent.destroy();
  return { startedAt, firstAccepted, lastAccepted, alertsAccepted, statusCodes, errors, non202Samples: sampler.samples };
}

export const round = (x, digits = 0) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** One request at a time with a pause between: latency of an unloaded Klaxon. */
export async function sendSequential({ baseUrl, token, bodies, gapMs, shouldStop = () => false }) {
  const url = new URL(INGEST_PATH, baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sampler = new ResponseSampler();
  const statusCodes = {};
  const latencies = [];
  let errors = 0;
  for (const body of bodies) {
    if (shouldStop()) break;
    const t = performance.now();
    await new Promise((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}`, 'content-length': body.length } },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - t);
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            sampler.record(res.statusCode, Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        errors++;
        sampler.record('error', err.message);
        resolve();
      });
      req.end(body);
    });
    await new Promise((r) => setTimeout(r, gapMs));
  }
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)], 2) : null);
  return {
    requests: latencies.length,
    statusCodes,
    errors,
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: latencies.length ? round(latencies[latencies.length - 1], 2) : null },
    non202Samples: sampler.samples,
  };
}

/** Nearest-rank percentiles of a list of numbers (ms). */
export function summarize(values, digits = 1) {
  const v = [...values].sort((a, b) => a - b);
  const pct = (q) => (v.length ? round(v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))], digits) : null);
  return {
    count: v.length,
    min: v.length ? round(v[0], digits) : null,
    p50: pct(0.5),
    p90: pct(0.9),
    p99: pct(0.99),
    max: v.length ? round(v[v.length - 1], digits) : null,
    mean: v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, digits) : null,
  };
}

/** The wall-clock time in ms, high resolution; comparable across threads and processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * One POST of one body on `agent`. `sentAt` (wallNow) is taken just before the
 * request is made; `respondedAt` when the whole response has arrived.
 */
export function postOnce({ url, agent, token, body, timeoutMs = 10_000 }) {
  return new Promise((resolve) => {
    const sentAt = wallNow();
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}`, 'content-length': body.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ sentAt, respondedAt: wallNow(), status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ sentAt, respondedAt: wallNow(), status: 'error', body: err.message }));
    req.end(body);
  });
}
