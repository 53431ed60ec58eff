// The `am` phase: Prometheus Alertmanager on the same machine, driven by the
// same load generator (autocannon through load.mjs runAutocannon) with the same
// alerts as Klaxon's `single` and `batch` phases, and its alert → webhook
// latency at idle, measured like the p0 phase (one at a time, to a receiver in
// its own thread).
import http from 'node:http';
import { AM_PATH, amAlert, amBatchBodies, amSingleBodies, ensureAlertmanager, startAlertmanager } from './alertmanager.mjs';
import { cpuSince, cpuSnapshot } from './cpu.mjs';
import { prng, round, runAutocannon, summarize, wallNow } from './load.mjs';
import { startReceiver } from './receiver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One POST of an Alertmanager body; `sentAt` taken just before the request is made. */
function postAm({ url, agent, body, timeoutMs = 10_000 }) {
  return new Promise((resolve) => {
    const sentAt = wallNow();
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ sentAt, respondedAt: wallNow(), status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ sentAt, respondedAt: wallNow(), status: 'error', body: err.message }));
    req.end(body);
  });
}

/**
 * Runs Alertmanager's ingest (single, batch) and webhook-latency measurements.
 * Returns { phases: {'am-single', 'am-batch', 'am-latency'}, info } or { skipped }.
 * `track(handle)` registers what must be stopped if the bench is interrupted.
 */
export async function runAlertmanagerPhases({ opts, log, remaining, isAborted, setCurrentLoad, track }) {
  const problem = ensureAlertmanager(log);
  if (problem) return { skipped: problem };
  if (remaining() < 2 * opts.duration + 15) return { skipped: 'not enough time left under --max-time' };
  const receiver = await startReceiver();
  track(receiver);
  let am;
  try {
    am = await startAlertmanager({ webhookUrl: `${receiver.baseUrl}/am`, log });
    track(am);
    const phases = {};
    const ingest = async (key, title, bodies, lines, duration) => {
      log(`${title}: ${opts.connections} connections for ${duration} s …`);
      const cpu0 = cpuSnapshot([am]);
      const r = await runAutocannon({
        baseUrl: am.baseUrl,
        token: null,
        bodies,
        connections: opts.connections,
        duration,
        linesPerRequest: lines,
        path: AM_PATH,
        contentType: 'application/json',
        okStatus: 200,
        onStart: setCurrentLoad,
      });
      setCurrentLoad(null);
      const cpu = cpuSince(cpu0, cpuSnapshot([am]));
      log(`${title}: ${r.requestsPerSec} req/s, ${r.alertsAcceptedPerSec} alerts/s accepted (200), p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}`);
      return { ...r, cpuCores: cpu };
    };
    if (opts.warmup > 0) await ingest('am-warmup', 'alertmanager warm-up (not reported)', amSingleBodies('warm-', opts.hosts), 1, opts.warmup);
    if (!isAborted()) phases['am-single'] = await ingest('am-single', 'alertmanager, 1 alert/request', amSingleBodies('host-', opts.hosts), 1, opts.duration);
    if (!isAborted() && remaining() > opts.duration + 10) {
      phases['am-batch'] = await ingest(
        'am-batch',
        `alertmanager, ${opts.batchLines} alerts/request`,
        amBatchBodies(prng, 'bhost-', opts.hosts, opts.batchLines),
        opts.batchLines,
        opts.duration,
      );
    }
    if (!isAborted() && opts.amLatencyRequests > 0 && remaining() > (opts.amLatencyRequests * (opts.p0GapMs + 10)) / 1000 + 5) {
      phases['am-latency'] = await webhookLatency({ opts, log, am, receiver, isAborted });
    }
    return { phases, info: { version: am.version, problems: am.lines.slice(0, 10) } };
  } finally {
    await am?.stop();
    await receiver.close();
  }
}

/**
 * A new alert (new host, so a new group) one at a time; each waits for its webhook at the receiver, then
 * --p0-gap ms. The alert is the p0 phase's P0, `[P0][PROBLEM][host-N][10.0.0.1][host is down]`, in
 * Alertmanager's shape.
 */
async function webhookLatency({ opts, log, am, receiver, isAborted }) {
  const n = opts.amLatencyRequests;
  log(`alertmanager webhook latency: ${n} new alerts one at a time, each waiting for its webhook, then ${opts.p0GapMs} ms …`);
  const arrived = new Map();
  const waiting = new Map();
  let unmatched = 0;
  let duplicates = 0;
  const off = receiver.onRequest((m) => {
    let hosts = [];
    try {
      hosts = JSON.parse(m.body).alerts.map((a) => a.labels.host);
    } catch {
      unmatched++;
      return;
    }
    for (const h of hosts) {
      if (arrived.has(h)) {
        duplicates++;
        continue;
      }
      arrived.set(h, m.at);
      waiting.get(h)?.(m.at);
    }
  });
  const wait = (host, ms) =>
    arrived.has(host)
      ? Promise.resolve(arrived.get(host))
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            waiting.delete(host);
            resolve(null);
          }, ms);
          waiting.set(host, (at) => {
            clearTimeout(timer);
            waiting.delete(host);
            resolve(at);
          });
        });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(AM_PATH, am.baseUrl);
  const cpu0 = cpuSnapshot([am]);
  const samples = [];
  for (let i = 0; i < n && !isAborted(); i++) {
    const host = `amlat-${i}`;
    const r = await postAm({ url, agent, body: Buffer.from(JSON.stringify([amAlert(host, 'host is down', 'P0')])) });
    const at = r.status === 200 ? await wait(host, 10_000) : null;
    samples.push({ host, status: r.status, httpMs: r.respondedAt - r.sentAt, webhookMs: at === null ? null : at - r.sentAt });
    if (at === null) {
      log(`alertmanager webhook latency: no webhook for ${host} (status ${r.status} ${r.body.slice(0, 200)}); stopping`);
      break;
    }
    await sleep(opts.p0GapMs);
  }
  off();
  agent.destroy();
  const ok = samples.filter((s) => s.webhookMs !== null);
  const phase = {
    alertsSent: samples.length,
    webhooks: ok.length,
    postToWebhookMs: summarize(ok.map((s) => s.webhookMs)),
    postTo200Ms: summarize(samples.filter((s) => s.status === 200).map((s) => s.httpMs)),
    firstMs: samples[0]?.webhookMs === undefined || samples[0].webhookMs === null ? null : round(samples[0].webhookMs, 1),
    gapMs: opts.p0GapMs,
    receiver: { unmatched, duplicates },
    cpuCores: cpuSince(cpu0, cpuSnapshot([am])),
  };
  const l = phase.postToWebhookMs;
  log(`alertmanager webhook latency: ${ok.length}/${samples.length}; POST→webhook p50 ${l.p50} ms, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}`);
  return phase;
}
