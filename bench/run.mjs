#!/usr/bin/env node
// Klaxon benchmark: `npm run bench -- [--duration 10] [--connections 50] [--only ingest]`.
// Starts its own api + worker on 127.0.0.1 against a fresh database and a
// private Redis prefix, measures ingest and triage, prints tables, writes
// bench/results/<timestamp>.json, and removes everything it made.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runAlertmanagerPhases } from './lib/am-phases.mjs';
import { MAIN_STACK_PHASES, USAGE, parseOptions } from './lib/args.mjs';
import { cpuSince, cpuSnapshot } from './lib/cpu.mjs';
import { INGEST_PATH, alertLine, batchBodies, p0Line, uniqueP0Ip, postOnce, round, runAutocannon, sendAll, sendSequential, singleBodies, summarize, wallNow } from './lib/load.mjs';
import { diffBuckets, histogramBuckets, latencySummary, scrape, sumOf } from './lib/metrics.mjs';
import { fmt, table } from './lib/report.mjs';
import { describeWorkers, distBuilt, ingestLogKeys, loggedEntries, startStack } from './lib/stack.mjs';
import { runScalePhase, runStormPhase } from './lib/storm-phases.mjs';
import { startTwilioStandIn } from './lib/twilio-standin.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Triage queues (libs/queue/src/jobs.ts): P3 alerts go to `triage`; `triage-urgent` (P0/P1) is watched too
// so the drain is right whatever the bench sends. A queue that does not exist counts as empty.
const TRIAGE_QUEUES = ['triage', 'triage-urgent'];
const CLEANUP_RESERVE_S = 12;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const t0 = Date.now();
const log = (m) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}`);

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

let deadline = t0 + opts.maxTime * 1000;
/** seconds left for measuring, keeping a reserve for cleanup */
const remaining = () => (deadline - Date.now()) / 1000 - CLEANUP_RESERVE_S;

let stack = null;
let db = null;
let queues = [];
let queueRedis = null;
let currentLoad = null;
/** the Twilio stand-in, when the p0, storm or scale phase runs */
let twilio = null;
/** what the am, storm and scale phases started (Alertmanager, receivers, their own Klaxons): stopped by finish() if a phase is interrupted */
const tracked = [];
const track = (x) => tracked.push(x);
let aborted = null;
const results = {
  tool: 'klaxon bench (bench/run.mjs)',
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  startedAt: new Date(t0).toISOString(),
  finishedAt: null,
  machine: null,
  options: opts,
  stack: null,
  phases: {},
  skipped: [],
  notes: [],
  processProblems: {},
  cleanup: null,
  error: null,
};

function onSignal(signal) {
  if (aborted) {
    // second signal: give up waiting, but still try to clean up
    log(`${signal} again: cleaning up now`);
    finish(130);
    return;
  }
  aborted = signal;
  log(`${signal}: stopping the load and cleaning up (send it again to hurry)`);
  currentLoad?.stop?.();
}
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

// Last line of defence: whatever hangs, the run ends and cleans up.
const watchdog = setTimeout(() => {
  log(`watchdog: --max-time ${opts.maxTime}s exceeded by 30 s; cleaning up and exiting`);
  results.error = 'watchdog: run exceeded --max-time';
  finish(1);
}, (opts.maxTime + opts.waitQuiet + 30) * 1000);
watchdog.unref();

/** Which code was measured: the commit, whether apps/libs differ from it, and when dist was built. */
function codeInfo() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'apps', 'libs', 'prisma');
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedChangesInAppsLibs: dirty === null ? null : dirty.split('\n').filter(Boolean).length,
    // replaced by the build the processes actually loaded once they start (see startStack)
    distBuilt: distBuilt(ROOT),
  };
}

function machineInfo() {
  const cpus = os.cpus();
  let nproc = null;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    nproc = os.availableParallelism?.() ?? cpus.length;
  }
  return {
    nproc,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
  };
}

// ---------------------------------------------------------------- observers

async function appliedSum(hostPattern = null) {
  const { rows } = hostPattern
    ? await db.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM alerts WHERE host LIKE $1', [hostPattern])
    : await db.query('SELECT coalesce(sum(count), 0)::bigint AS n FROM alerts');
  return Number(rows[0].n);
}

/** Keys under the bench's own prefix and the memory Redis reports for them (MEMORY USAGE). */
async function prefixMemory() {
  const pattern = `${stack.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await queueRedis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    keys += batch.length;
    const pipe = queueRedis.pipeline();
    for (const k of batch) pipe.memory('USAGE', k);
    for (const [err, n] of await pipe.exec()) if (!err && n) bytes += Number(n);
  } while (cursor !== '0');
  return { keys, mb: round(bytes / 2 ** 20, 1) };
}

/** Job counts summed over the triage queues. */
async function queueCounts() {
  const all = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed')));
  const sum = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
  sum.logged = await loggedEntries(queueRedis, stack.prefix);
  return sum;
}
const pauseTriage = () => Promise.all(queues.map((q) => q.pause()));
const resumeTriage = () => Promise.all(queues.map((q) => q.resume()));
const pendingJobs = (c) => c.waiting + c.active + c.delayed + c.prioritized + c.paused + c.logged;
/** alerts accepted by the api whose triage jobs discardBacklog() removed: drainQueue() no longer waits for them */
let discardedAlerts = 0;

/**
 * An ingest phase can leave more behind than --drain-timeout gives triage
 * (100-line requests are accepted ~10× faster than one worker triages them).
 * The phases that time triage or paging must start from an empty queue, so the
 * rest of that backlog (bench load whose drain rate is already reported) is
 * removed: the ingest log is emptied, triage is paused, the running jobs finish,
 * the queues are emptied.
 */
async function discardBacklog(phase) {
  if (queues.length === 0 || pendingJobs(await queueCounts()) === 0) return;
  // entries still in the ingest logs go first; a move under way ends within the pause below
  for (const key of ingestLogKeys(stack.prefix)) await queueRedis.xtrim(key, 'MAXLEN', 0);
  await pauseTriage();
  await sleep(200);
  while ((await queueCounts()).active > 0) await sleep(100);
  await Promise.all(queues.map((q) => q.obliterate({ force: true })));
  await resumeTriage();
  const [accepted, applied] = await Promise.all([scrape(`${stack.baseUrl}/metrics`).then((m) => sumOf(m, 'klaxon_alerts_accepted_total')), appliedSum()]);
  const discarded = accepted - applied - discardedAlerts;
  discardedAlerts += discarded;
  log(`${phase}: removed ${discarded.toLocaleString('en-US')} alerts still waiting for triage from earlier phases, so that it starts from an empty queue`);
  results.notes.push(`${phase}: ${discarded} alerts of earlier phases' backlog (not drained within --drain-timeout) were removed from the triage queues before it`);
}

async function snapshot() {
  const [apiM, workerM, applied, batches, memInfo] = await Promise.all([
    scrape(`${stack.baseUrl}/metrics`),
    Promise.all(stack.workers.map((w) => scrape(w.metricsUrl))).then((all) => all.flat()),
    appliedSum(),
    db.query('SELECT count(*)::int AS jobs, coalesce(sum(alerts), 0)::bigint AS alerts FROM triage_batches').then((r) => r.rows[0]),
    queueRedis.info('memory'),
  ]);
  // prom-client's event-loop delay gauges cover the time since the previous scrape (each scrape resets them);
  // the values include its 10 ms sampling interval
  const loopLag = (m) =>
    Object.fromEntries(['p50', 'p99', 'max'].map((q) => [q, round(Math.max(...m.filter((x) => x.name === `nodejs_eventloop_lag_${q}_seconds`).map((x) => x.value), 0) * 1000, 1)]));
  return {
    at: performance.now(),
    loopLagMs: { api: loopLag(apiM), worker: loopLag(workerM) },
    gcSeconds: { api: gcByKind(apiM), worker: gcByKind(workerM) },
    accepted: sumOf(apiM, 'klaxon_alerts_accepted_total'),
    rejected: sumOf(apiM, 'klaxon_alerts_rejected_total'),
    refused: sumOf(apiM, 'klaxon_ingest_requests_refused_total'),
    triagedMetric: sumOf(workerM, 'klaxon_alerts_triaged_total'),
    e2e: histogramBuckets(workerM, 'klaxon_end_to_end_latency_seconds', { stage: 'triaged' }),
    paged: histogramBuckets(workerM, 'klaxon_end_to_end_latency_seconds', { stage: 'paged' }),
    applied,
    redisUsedMB: round(Number(/used_memory:(\d+)/.exec(memInfo)?.[1] ?? NaN) / 2 ** 20, 1),
    triageJobs: batches.jobs,
    triageJobAlerts: Number(batches.alerts),
    problems: Object.fromEntries(stack.processes.map((p) => [p.name, p.problems])),
  };
}

/** Time spent in garbage collection so far, by kind (prom-client's nodejs_gc_duration_seconds). */
function gcByKind(samples) {
  const out = {};
  for (const x of samples) if (x.name === 'nodejs_gc_duration_seconds_sum') out[x.labels.kind] = (out[x.labels.kind] ?? 0) + x.value;
  return out;
}

/** GC ms per process and kind between two snapshots. */
function gcBetween(before, after) {
  const out = {};
  for (const [proc, kinds] of Object.entries(after.gcSeconds)) {
    out[proc] = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, round((v - (before.gcSeconds[proc]?.[k] ?? 0)) * 1000, 1)]));
  }
  return out;
}

/** Triage jobs (batches) applied between two snapshots and their mean size in alerts. */
function jobsBetween(before, after) {
  const jobs = after.triageJobs - before.triageJobs;
  return { jobs, meanAlertsPerJob: jobs > 0 ? round((after.triageJobAlerts - before.triageJobAlerts) / jobs, 1) : null };
}

function problemsBetween(before) {
  const out = {};
  for (const p of stack.processes) {
    const n = p.problems - (before.problems[p.name] ?? 0);
    if (n > 0) out[p.name] = { lines: n, first: p.problemLines.slice(before.problems[p.name] ?? 0, (before.problems[p.name] ?? 0) + 3) };
  }
  return out;
}

/**
 * Waits until the triage queue holds no pending job and PostgreSQL holds every
 * alert the api accepted (sum of `count`; the bench sends PROBLEM lines only).
 */
async function drainQueue(label) {
  const started = performance.now();
  const timeoutS = Math.max(1, Math.min(opts.drainTimeout, remaining()));
  let counts = null;
  let accepted = 0;
  let applied = 0;
  while (!aborted) {
    [counts, accepted, applied] = await Promise.all([
      queueCounts(),
      scrape(`${stack.baseUrl}/metrics`).then((m) => sumOf(m, 'klaxon_alerts_accepted_total')),
      appliedSum(),
    ]);
    if (pendingJobs(counts) === 0 && applied + discardedAlerts >= accepted) break;
    if ((performance.now() - started) / 1000 > timeoutS) {
      log(`${label}: queue not drained after ${timeoutS.toFixed(0)} s (${accepted - applied - discardedAlerts} alerts still to triage, jobs ${JSON.stringify(counts)})`);
      return { drained: false, seconds: round((performance.now() - started) / 1000, 2), accepted, applied, jobs: counts };
    }
    await sleep(200);
  }
  const seconds = round((performance.now() - started) / 1000, 2);
  return { drained: !aborted, seconds, accepted, applied, failedJobs: counts?.failed ?? null };
}

// ---------------------------------------------------------------- phases

async function ingestPhase(key, title, bodies, linesPerRequest, duration) {
  if (remaining() < duration + 5) {
    results.skipped.push(`${key}: not enough time left under --max-time`);
    log(`skip ${title}: not enough time left`);
    return null;
  }
  log(`${title}: ${opts.connections} connections for ${duration} s …`);
  if (opts.pauseWorker) await pauseTriage();
  const before = await snapshot();
  const cpu0 = cpuSnapshot(stack.processes);
  const r = await runAutocannon({
    baseUrl: stack.baseUrl,
    token: stack.token,
    bodies,
    connections: opts.connections,
    duration,
    linesPerRequest,
    onStart: (instance) => (currentLoad = instance),
  });
  currentLoad = null;
  const cpu1 = cpuSnapshot(stack.processes);
  const atEnd = await snapshot();
  if (opts.pauseWorker) await resumeTriage();
  log(
    `${title}: ${fmt(r.requestsPerSec)} req/s, ${fmt(r.alertsAcceptedPerSec)} alerts/s accepted, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}; draining …`,
  );
  const drain = await drainQueue(title);
  const after = await snapshot();
  const loadS = (atEnd.at - before.at) / 1000;
  const phase = {
    ...r,
    acceptedByApiMetric: atEnd.accepted - before.accepted,
    rejectedByApiMetric: atEnd.rejected - before.rejected,
    refusedByApiMetric: atEnd.refused - before.refused,
    triagedDuringLoad: atEnd.applied - before.applied,
    triagedPerSecDuringLoad: round((atEnd.applied - before.applied) / loadS, 0),
    backlogAlertsAtEnd: atEnd.accepted - atEnd.applied - discardedAlerts,
    triagePausedDuringLoad: opts.pauseWorker,
    drain,
    // only meaningful for a real backlog: the drain is polled every 200 ms
    drainAlertsPerSec: drain.drained && drain.seconds >= 1 ? round((after.applied - atEnd.applied) / drain.seconds, 0) : null,
    redisUsedMB: { before: before.redisUsedMB, endOfLoad: atEnd.redisUsedMB, afterDrain: after.redisUsedMB },
    benchPrefixAfterDrain: await prefixMemory(),
    triageJobs: jobsBetween(before, after),
    ingestToTriaged: latencySummary(diffBuckets(after.e2e, before.e2e)),
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  log(`${title}: ${drain.drained ? 'drained' : 'NOT drained, gave up'} after ${drain.seconds} s (${phase.backlogAlertsAtEnd} alerts were waiting at the end of the load)`);
  return phase;
}

/** Unloaded latency: one single-alert request at a time, 20 ms apart, queue empty before. */
async function idlePhase() {
  const gapMs = 20;
  const bodies = singleBodies('idle-', 50);
  const list = Array.from({ length: opts.idleRequests }, (_, i) => bodies[i % bodies.length]);
  if (remaining() < (opts.idleRequests * (gapMs + 5)) / 1000 + 5) {
    results.skipped.push('idle: not enough time left under --max-time');
    return null;
  }
  log(`idle latency: ${opts.idleRequests} single-alert requests one at a time, ${gapMs} ms apart …`);
  const before = await snapshot();
  const cpu0 = cpuSnapshot(stack.processes);
  const r = await sendSequential({ baseUrl: stack.baseUrl, token: stack.token, bodies: list, gapMs, shouldStop: () => !!aborted });
  const cpu1 = cpuSnapshot(stack.processes);
  const drain = await drainQueue('idle latency');
  const after = await snapshot();
  const phase = {
    ...r,
    gapMs,
    drain,
    triageJobs: jobsBetween(before, after),
    ingestToTriaged: latencySummary(diffBuckets(after.e2e, before.e2e)),
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  log(
    `idle latency: HTTP p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms; ingest→triaged p50 ${round(phase.ingestToTriaged.p50Ms, 1)} ms, p99 ${round(phase.ingestToTriaged.p99Ms, 1)} ms`,
  );
  return phase;
}

/** Bodies for the triage phase: every fingerprint once per copy, `lines` fingerprints per request. */
function triageBodies(hostPrefix) {
  const { triageFingerprints: F, triageCopies: C, triageLinesPerRequest: L } = opts;
  const bodies = [];
  for (let c = 0; c < C; c++) {
    for (let start = 0; start < F; start += L) {
      const lines = [];
      // the number varies per copy; fingerprints mask numbers, so copies still deduplicate
      for (let f = start; f < Math.min(F, start + L); f++) lines.push(alertLine(`${hostPrefix}${f}`, 90 + (c % 10)));
      bodies.push(Buffer.from(lines.join('\n')));
    }
  }
  return bodies;
}

async function pollApplied(hostPattern, expected, timeoutS) {
  const started = performance.now();
  let n = 0;
  while (!aborted) {
    n = await appliedSum(hostPattern);
    if (n >= expected) return { done: performance.now(), applied: n };
    if ((performance.now() - started) / 1000 > timeoutS) return { done: null, applied: n };
    await sleep(20);
  }
  return { done: null, applied: n };
}

async function verifyTriage(hostPattern) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS alerts, count(DISTINCT fingerprint)::int AS fingerprints,
            min(count)::int AS min_count, max(count)::int AS max_count,
            count(*) FILTER (WHERE status <> 'firing')::int AS not_firing
     FROM alerts WHERE host LIKE $1`,
    [hostPattern],
  );
  const r = rows[0];
  const ok =
    r.alerts === opts.triageFingerprints &&
    r.fingerprints === opts.triageFingerprints &&
    r.min_count === opts.triageCopies &&
    r.max_count === opts.triageCopies &&
    r.not_firing === 0;
  return { ok, ...r };
}

/**
 * live: the worker runs while the alerts arrive; measured from the first 202
 * until PostgreSQL holds them all.
 * backlog: the queue is paused while they are enqueued, then resumed; measured
 * from the resume: the worker's rate on a standing backlog, without ingest competing.
 */
async function triagePhase(kind) {
  const hostPrefix = kind === 'live' ? 'tri-' : 'trb-';
  const hostPattern = `${hostPrefix}%`;
  const expected = opts.triageFingerprints * opts.triageCopies;
  const bodies = triageBodies(hostPrefix);
  const title = `triage ${kind}`;
  if (remaining() < 15) {
    results.skipped.push(`triage-${kind}: not enough time left under --max-time`);
    log(`skip ${title}: not enough time left`);
    return null;
  }
  log(
    `${title}: ${fmt(expected)} alerts (${fmt(opts.triageFingerprints)} fingerprints × ${opts.triageCopies}) in ${bodies.length} requests, ${opts.triageConcurrency} in flight …`,
  );
  const before = await snapshot();
  const cpu0 = cpuSnapshot(stack.processes);
  const timeoutS = Math.max(5, Math.min(opts.drainTimeout + 30, remaining()));
  let poll = null;
  if (kind === 'live') poll = pollApplied(hostPattern, expected, timeoutS);
  else await pauseTriage();
  const sent = await sendAll({
    baseUrl: stack.baseUrl,
    token: stack.token,
    bodies,
    concurrency: opts.triageConcurrency,
    linesPerRequest: opts.triageLinesPerRequest,
  });
  let from = sent.firstAccepted;
  let jobsAtResume = null;
  if (kind === 'backlog') {
    jobsAtResume = await queueCounts();
    from = performance.now();
    await resumeTriage();
    poll = pollApplied(hostPattern, expected, timeoutS);
  }
  const { done, applied } = await poll;
  const cpu1 = cpuSnapshot(stack.processes);
  const after = await snapshot();
  const phase = {
    alertsSent: expected,
    requests: bodies.length,
    linesPerRequest: opts.triageLinesPerRequest,
    concurrency: opts.triageConcurrency,
    alertsAccepted: sent.alertsAccepted,
    statusCodes: sent.statusCodes,
    requestErrors: sent.errors,
    non202Samples: sent.non202Samples,
    ingestSeconds: sent.lastAccepted && round((sent.lastAccepted - sent.startedAt) / 1000, 3),
    ingestAlertsPerSec: sent.lastAccepted && round(sent.alertsAccepted / ((sent.lastAccepted - sent.startedAt) / 1000), 0),
    measuredFrom: kind === 'live' ? 'first 202' : 'queue resume (all jobs already in Redis)',
    jobsAtResume,
    completed: done !== null,
    appliedAtEnd: applied,
    triageSeconds: done && round((done - from) / 1000, 3),
    triagedAlertsPerSec: done && round(expected / ((done - from) / 1000), 0),
    drainAfterLast202Seconds: kind === 'live' && done && sent.lastAccepted ? round((done - sent.lastAccepted) / 1000, 3) : null,
    triageJobs: jobsBetween(before, after),
    redisUsedMB: { before: before.redisUsedMB, after: after.redisUsedMB },
    ingestToTriaged: kind === 'live' ? latencySummary(diffBuckets(after.e2e, before.e2e)) : null,
    check: await verifyTriage(hostPattern),
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  if (!phase.completed) {
    log(`${title}: only ${applied} of ${expected} alerts applied within ${timeoutS.toFixed(0)} s`);
  } else {
    log(
      `${title}: ${fmt(expected)} alerts triaged in ${phase.triageSeconds} s = ${fmt(phase.triagedAlertsPerSec)} alerts/s` +
        (kind === 'live' ? ` (ingest took ${phase.ingestSeconds} s; drain after the last 202 ${phase.drainAfterLast202Seconds} s)` : '') +
        `; check ${phase.check.ok ? 'ok' : `FAILED ${JSON.stringify(phase.check)}`}`,
    );
  }
  const drain = await drainQueue(title);
  phase.drain = drain;
  phase.benchPrefixAfterDrain = await prefixMemory();
  return phase;
}

// ---------------------------------------------------------------- p0: paging latency

// The host in an SMS body: `[P0][PROBLEM][host-N][10.0.0.1][host is down] #123 – reply …`
const SMS_HOST = /^\[P0\]\[PROBLEM\]\[(host-\d+)\]/;
/** A new host for every P0, across both parts, so each one opens a new alert and pages. */
let p0Next = 0;

/** Matches SMS at the stand-in to the P0s sent, by host. */
function smsWatcher() {
  const arrived = new Map();
  const waiting = new Map();
  const stats = { sms: 0, unmatched: 0, duplicates: 0, authFailures: 0 };
  const off = twilio.onMessage((m) => {
    stats.sms++;
    if (!m.authOk) stats.authFailures++;
    const host = SMS_HOST.exec(m.body)?.[1];
    if (!host) return void stats.unmatched++;
    if (arrived.has(host)) return void stats.duplicates++;
    arrived.set(host, m);
    waiting.get(host)?.(m);
  });
  return {
    stats,
    off,
    /** the SMS for this host (its arrival time in `at`), or null after timeoutMs */
    wait(host, timeoutMs) {
      if (arrived.has(host)) return Promise.resolve(arrived.get(host));
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(host);
          resolve(null);
        }, timeoutMs);
        waiting.set(host, (m) => {
          clearTimeout(timer);
          waiting.delete(host);
          resolve(m);
        });
      });
    },
  };
}

/** Sends one P0 for a new host and waits for its SMS. */
async function sendP0(agent, watch) {
  const n = p0Next++;
  const host = `host-${n}`;
  // default: 10.0.0.1, the address every other bench alert has too (so host-down inhibition's lookup by
  // address finds them all); --p0-ip unique: an address of its own
  const ip = opts.p0Ip === 'unique' ? uniqueP0Ip(n) : '10.0.0.1';
  const r = await postOnce({ url: new URL(INGEST_PATH, stack.baseUrl), agent, token: stack.token, body: Buffer.from(p0Line(host, ip)) });
  const sms = r.status === 202 ? await watch.wait(host, opts.p0TimeoutS * 1000) : null;
  return {
    host,
    sentAt: r.sentAt,
    status: r.status,
    httpMs: r.respondedAt - r.sentAt,
    smsMs: sms ? sms.at - r.sentAt : null,
    ...(r.status === 202 ? {} : { response: r.body.slice(0, 300) }),
  };
}

/**
 * Where a P0's time went, from the database (same clock, ms precision): POST →
 * the page's notification row (ingest, queue hop, triage, page planned), then
 * that row → the SMS at the stand-in (reply code, render, the SDK's request).
 */
async function p0Stages(samples) {
  const ok = samples.filter((s) => s.smsMs !== null);
  if (ok.length === 0) return null;
  const { rows } = await db.query(
    `SELECT a.host, extract(epoch FROM n.created_at) * 1000 AS planned
     FROM notifications n JOIN alerts a ON a.id = n.alert_id
     WHERE n.channel = 'sms' AND n.kind = 'page' AND a.host = ANY($1::text[])`,
    [ok.map((s) => s.host)],
  );
  const byHost = new Map(rows.map((r) => [r.host, { planned: Number(r.planned) }]));
  const toPlanned = [];
  const plannedToSms = [];
  for (const s of ok) {
    const row = byHost.get(s.host);
    if (!row) continue;
    toPlanned.push(row.planned - s.sentAt);
    plannedToSms.push(s.sentAt + s.smsMs - row.planned);
  }
  return {
    postToPageRowMs: summarize(toPlanned),
    pageRowToSmsMs: summarize(plannedToSms),
    rows: rows.length,
    // per P0 in send order: [POST → page row, page row → SMS] ms; null: no SMS or no row
    inOrder: samples.map((s) => {
      const row = s.smsMs === null ? undefined : byHost.get(s.host);
      return row ? [round(row.planned - s.sentAt, 1), round(s.sentAt + s.smsMs - row.planned, 1)] : null;
    }),
  };
}

/** The stand-in's counters, to take differences per part. */
const standInCounts = (watch) => ({ ...watch.stats, unexpectedRequests: twilio.unexpected.length });

/** The figures both parts report. */
async function p0Figures(samples, before, after, watch, countsBefore) {
  const sent = samples.filter((s) => s.status === 202);
  const paged = samples.filter((s) => s.smsMs !== null);
  const bySms = [...paged].sort((a, b) => b.smsMs - a.smsMs);
  return {
    p0Sent: samples.length,
    p0Accepted: sent.length,
    smsReceived: paged.length,
    missingSms: sent.length - paged.length,
    postToSmsMs: summarize(paged.map((s) => s.smsMs)),
    firstP0Ms: samples[0]?.smsMs === undefined ? null : round(samples[0].smsMs, 1),
    postTo202Ms: summarize(sent.map((s) => s.httpMs)),
    stages: await p0Stages(samples),
    // the worker's own figure: from the api accepting the alert until the channel took the SMS (buckets)
    pagedHistogram: latencySummary(diffBuckets(after.paged, before.paged)),
    slowest: bySms.slice(0, 5).map((s) => ({ index: samples.indexOf(s), host: s.host, smsMs: round(s.smsMs, 1), httpMs: round(s.httpMs, 1) })),
    non202: samples.filter((s) => s.status !== 202).slice(0, 3).map((s) => ({ status: s.status, response: s.response })),
    // in send order, for looking at trends (ms; null: no SMS)
    smsMsInOrder: samples.map((s) => (s.smsMs === null ? null : round(s.smsMs, 1))),
    // what the stand-in saw during this part: every SMS, those not matching a P0 sent, second SMS for one P0, bad auth, other paths
    standIn: Object.fromEntries(Object.entries(standInCounts(watch)).map(([k, v]) => [k, v - countsBefore[k]])),
  };
}

function logP0(title, r) {
  const l = r.postToSmsMs;
  log(
    `${title}: ${r.smsReceived}/${r.p0Sent} paged; POST→SMS p50 ${l.p50} ms, p90 ${l.p90}, p99 ${l.p99}, max ${l.max} (first ${r.firstP0Ms} ms)` +
      (r.missingSms ? `; ${r.missingSms} accepted P0s got NO SMS within ${opts.p0TimeoutS} s` : ''),
  );
}

/** P0s one at a time: send, wait for its SMS, pause, next. */
async function p0IdlePhase(watch) {
  const n = opts.p0Requests;
  if (remaining() < (n * (opts.p0GapMs + 40)) / 1000 + 10) {
    results.skipped.push('p0-idle: not enough time left under --max-time');
    log('skip p0 idle: not enough time left');
    return null;
  }
  log(`p0 idle: ${n} P0s one at a time, each waiting for its SMS, then ${opts.p0GapMs} ms …`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counts0 = standInCounts(watch);
  const before = await snapshot();
  const cpu0 = cpuSnapshot(stack.processes);
  const samples = [];
  let misses = 0;
  for (let i = 0; i < n && !aborted; i++) {
    if (remaining() < opts.p0TimeoutS) {
      results.notes.push(`p0-idle: stopped after ${i} P0s, --max-time`);
      break;
    }
    const s = await sendP0(agent, watch);
    samples.push(s);
    if (s.smsMs === null && (i === 0 || ++misses >= 3)) {
      log(`p0 idle: no SMS for ${s.host} (status ${s.status}${s.response ? ` ${s.response}` : ''}); stopping: is paging configured?`);
      break;
    }
    if (s.smsMs !== null) misses = 0;
    await sleep(opts.p0GapMs);
  }
  const cpu1 = cpuSnapshot(stack.processes);
  agent.destroy();
  const drain = await drainQueue('p0 idle');
  const after = await snapshot();
  const phase = {
    gapMs: opts.p0GapMs,
    ...(await p0Figures(samples, before, after, watch, counts0)),
    drain,
    // the worker's prom-client gauges since the previous scrape, i.e. over this part (10 ms interval included);
    // the api's are reset by the drain's polls, so left out
    eventLoopDelayMs: { worker: after.loopLagMs.worker },
    gcMs: gcBetween(before, after),
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  logP0('p0 idle', phase);
  return phase;
}

/**
 * A flood of P5 lines (low tier: digest, pages nobody) from autocannon, and
 * meanwhile one P0 every --p0-interval ms, each timed to its SMS.
 */
async function p0FloodPhase(watch) {
  const D = opts.p0FloodDuration;
  if (remaining() < D + 20) {
    results.skipped.push('p0-flood: not enough time left under --max-time');
    log('skip p0 flood: not enough time left');
    return null;
  }
  const L = opts.p0FloodLines;
  log(
    `p0 flood: ${opts.p0FloodConnections} connections of ${L}-line P5 bodies for ${D} s` +
      `${opts.p0FloodRate > 0 ? ` at ${opts.p0FloodRate} req/s` : ''}, one P0 every ${opts.p0IntervalMs} ms after the first second …`,
  );
  const bodies = batchBodies('flood-', opts.hosts, L, 64, 'P5');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const loopResolutionMs = 2;
  const loop = monitorEventLoopDelay({ resolution: loopResolutionMs });
  const counts0 = standInCounts(watch);
  const before = await snapshot();
  const cpu0 = cpuSnapshot(stack.processes);
  let floodOver = false;
  const flood = runAutocannon({
    baseUrl: stack.baseUrl,
    token: stack.token,
    bodies,
    connections: opts.p0FloodConnections,
    duration: D,
    linesPerRequest: L,
    overallRate: opts.p0FloodRate,
    onStart: (instance) => (currentLoad = instance),
  }).finally(() => (floodOver = true));
  // let the flood build up first
  await Promise.race([sleep(Math.min(1000, (D * 1000) / 5)), flood]);
  loop.enable();
  const pending = [];
  const windowStart = wallNow();
  for (let k = 0; !floodOver && !aborted; k++) {
    const wait = windowStart + k * opts.p0IntervalMs - wallNow();
    if (wait > 0) await Promise.race([sleep(wait), flood]);
    if (floodOver || aborted) break;
    pending.push(sendP0(agent, watch));
  }
  const windowEnd = wallNow();
  loop.disable();
  const r = await flood;
  currentLoad = null;
  const cpu1 = cpuSnapshot(stack.processes);
  const [atEnd, jobsAtEnd] = await Promise.all([snapshot(), queueCounts()]);
  log(
    `p0 flood: ${fmt(r.alertsAcceptedPerSec)} P5 lines/s accepted (${fmt(r.responses202 * L)} in ${r.durationS} s), backlog at the end ${fmt(atEnd.accepted - atEnd.applied - discardedAlerts)} alerts; ` +
      `${pending.length} P0s sent, waiting for their SMS …`,
  );
  const samples = await Promise.all(pending);
  agent.destroy();
  const drain = await drainQueue('p0 flood');
  const after = await snapshot();
  const loadS = (atEnd.at - before.at) / 1000;
  const phase = {
    intervalMs: opts.p0IntervalMs,
    p0WindowSeconds: round((windowEnd - windowStart) / 1000, 2),
    ...(await p0Figures(samples, before, after, watch, counts0)),
    flood: {
      priority: 'P5',
      linesPerRequest: L,
      connections: opts.p0FloodConnections,
      overallRate: opts.p0FloodRate || null,
      durationS: r.durationS,
      requestsPerSec: r.requestsPerSec,
      linesAccepted: r.responses202 * L,
      linesAcceptedPerSec: r.alertsAcceptedPerSec,
      acceptedByApiMetric: atEnd.accepted - before.accepted,
      latencyMs: r.latencyMs,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      statusCodes: r.statusCodes,
      non202Samples: r.non202Samples,
    },
    triagedDuringFlood: atEnd.applied - before.applied,
    triagedPerSecDuringFlood: round((atEnd.applied - before.applied) / loadS, 0),
    backlogAlertsAtEnd: atEnd.accepted - atEnd.applied - discardedAlerts,
    triageJobsPendingAtEnd: pendingJobs(jobsAtEnd),
    triageJobs: jobsBetween(before, after),
    // the api's and worker's prom-client gauges, from the start of the flood to its end (10 ms interval included)
    eventLoopDelayMs: atEnd.loopLagMs,
    gcMs: gcBetween(before, atEnd),
    // how late the bench's own timers ran while it sent P0s (the flood's load generator shares its thread);
    // monitorEventLoopDelay's samples include its own interval, taken off here
    benchEventLoopDelayMs: Object.fromEntries(
      [['p50', loop.percentile(50)], ['p99', loop.percentile(99)], ['max', loop.max]].map(([k, ns]) => [k, round(Math.max(0, ns / 1e6 - loopResolutionMs), 1)]),
    ),
    drain,
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  logP0('p0 flood', phase);
  log(`p0 flood: ${drain.drained ? 'drained' : 'NOT drained, gave up'} after ${drain.seconds} s`);
  return phase;
}

// ---------------------------------------------------------------- output

const ms = (x) => (x === null || x === undefined ? '–' : x === Infinity ? '>60000' : fmt(x, x < 10 ? 1 : 0));

function printTables() {
  const p = results.phases;
  const out = [];
  const m = results.machine;
  out.push('');
  const c = results.code;
  out.push(
    `code: commit ${c.commit}${c.uncommittedChangesInAppsLibs ? ' + uncommitted changes' : ''}, dist built ${c.distBuilt.api} (api) / ${c.distBuilt.worker} (worker)` +
      (c.distRebuiltDuringStart ? ' — REBUILT while starting: which code ran is uncertain' : ''),
  );
  out.push(
    `Klaxon bench — ${m.nproc} cores (${m.cpuModel}), node ${m.node}; PostgreSQL ${results.stack?.postgres ?? '?'}, Redis ${results.stack?.redis ?? '?'}; ` +
      `api + ${describeWorkers(opts.workers)}, load generator, PostgreSQL and Redis all share these cores`,
  );
  if (p.idle) {
    const r = p.idle;
    out.push(
      '',
      table([
        ['idle (one request at a time)', 'requests', 'HTTP p50 ms', 'HTTP p99 ms', 'HTTP max ms', 'non-202', 'ingest→triaged p50 ms', 'ingest→triaged p99 ms'],
        [
          `single alert, ${r.gapMs} ms apart`,
          fmt(r.requests),
          fmt(r.latencyMs.p50, 2),
          fmt(r.latencyMs.p99, 2),
          fmt(r.latencyMs.max, 2),
          fmt(r.requests - (r.statusCodes['202'] ?? 0) + r.errors),
          ms(r.ingestToTriaged.p50Ms),
          ms(r.ingestToTriaged.p99Ms),
        ],
      ]),
    );
  }
  const ingestRows = [['ingest', 'req/s', 'alerts/s (202)', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'triaged/s during', 'drain s', 'drain alerts/s', 'jobs (alerts/job)', 'ingest→triaged p50/p99 ms', 'Redis MB kept']];
  for (const [key, label] of [
    ['single', `single alert, ${opts.connections} conn`],
    ['batch', `${opts.batchLines} alerts/request, ${opts.connections} conn`],
  ]) {
    const r = p[key];
    if (!r) continue;
    ingestRows.push([
      label,
      fmt(r.requestsPerSec),
      fmt(r.alertsAcceptedPerSec),
      ms(r.latencyMs.p50),
      ms(r.latencyMs.p99),
      ms(r.latencyMs.max),
      fmt(r.non2xx),
      fmt(r.errors + r.timeouts),
      r.triagePausedDuringLoad ? 'paused' : fmt(r.triagedPerSecDuringLoad),
      `${fmt(r.drain.seconds, 1)}${r.drain.drained ? '' : ' (not drained)'}`,
      fmt(r.drainAlertsPerSec),
      `${fmt(r.triageJobs.jobs)} (${fmt(r.triageJobs.meanAlertsPerJob, 0)})`,
      `${ms(r.ingestToTriaged.p50Ms)} / ${ms(r.ingestToTriaged.p99Ms)}`,
      `${fmt(r.benchPrefixAfterDrain.mb, 0)} (${fmt(r.benchPrefixAfterDrain.keys)} keys)`,
    ]);
  }
  if (ingestRows.length > 1) out.push('', table(ingestRows));
  compareTables(out);

  const triRows = [['triage', 'alerts', 'ingest s', 'triaged alerts/s', 'measured from', 'drain after last 202 s', 'jobs (alerts/job)', 'ingest→triaged p50/p99 ms', 'check']];
  for (const kind of ['live', 'backlog']) {
    const r = p[`triage-${kind}`];
    if (!r) continue;
    triRows.push([
      kind,
      fmt(r.alertsSent),
      fmt(r.ingestSeconds, 2),
      r.completed ? fmt(r.triagedAlertsPerSec) : `incomplete (${fmt(r.appliedAtEnd)})`,
      r.measuredFrom,
      r.drainAfterLast202Seconds === null ? '–' : fmt(r.drainAfterLast202Seconds, 2),
      `${fmt(r.triageJobs.jobs)} (${fmt(r.triageJobs.meanAlertsPerJob, 0)})`,
      r.ingestToTriaged ? `${ms(r.ingestToTriaged.p50Ms)} / ${ms(r.ingestToTriaged.p99Ms)}` : '–',
      r.check.ok ? 'ok' : 'FAILED',
    ]);
  }
  if (triRows.length > 1) out.push('', table(triRows));

  const pair = (a, b, d = 1) => `${a === null || a === undefined ? '–' : fmt(a, d)} / ${b === null || b === undefined ? '–' : fmt(b, d)}`;
  const p0Rows = [['p0: P0 POST → SMS at the stand-in', 'P0s', 'SMS', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'first ms', 'POST→202 p50/p99', 'POST→page row p50/p99', 'page row→SMS p50/p99', 'paged (histogram) p50/p99']];
  for (const [key, label] of [
    ['p0-idle', `idle: one at a time, ${opts.p0GapMs} ms gap`],
    ['p0-flood', `flood: one every ${opts.p0IntervalMs} ms`],
  ]) {
    const r = p[key];
    if (!r) continue;
    const l = r.postToSmsMs;
    p0Rows.push([
      label,
      fmt(r.p0Sent),
      fmt(r.smsReceived),
      fmt(l.p50, 1),
      fmt(l.p90, 1),
      fmt(l.p99, 1),
      fmt(l.max, 1),
      fmt(r.firstP0Ms, 1),
      pair(r.postTo202Ms.p50, r.postTo202Ms.p99),
      r.stages ? pair(r.stages.postToPageRowMs.p50, r.stages.postToPageRowMs.p99, 0) : '–',
      r.stages ? pair(r.stages.pageRowToSmsMs.p50, r.stages.pageRowToSmsMs.p99, 0) : '–',
      `${ms(r.pagedHistogram.p50Ms)} / ${ms(r.pagedHistogram.p99Ms)}`,
    ]);
  }
  if (p0Rows.length > 1) {
    out.push('', table(p0Rows));
    const f = p['p0-flood'];
    if (f) {
      out.push(
        `p0 flood: ${f.flood.connections} connections × ${f.flood.linesPerRequest}-line P5 requests for ${fmt(f.flood.durationS)} s: ${fmt(f.flood.linesAccepted)} lines accepted ` +
          `(${fmt(f.flood.linesAcceptedPerSec)}/s; request p50/p99 ${f.flood.latencyMs.p50}/${f.flood.latencyMs.p99} ms; non-2xx ${f.flood.non2xx}, errors ${f.flood.errors}); ` +
          `triaged during it ${fmt(f.triagedPerSecDuringFlood)}/s; backlog at its end ${fmt(f.backlogAlertsAtEnd)} alerts (${fmt(f.triageJobsPendingAtEnd)} jobs), drained in ${fmt(f.drain.seconds, 1)} s` +
          `${f.drain.drained ? '' : ' (NOT drained)'}; P0s sent over ${fmt(f.p0WindowSeconds, 1)} s; event-loop delay p99/max: worker ${f.eventLoopDelayMs.worker.p99}/${f.eventLoopDelayMs.worker.max} ms, ` +
          `api ${f.eventLoopDelayMs.api.p99}/${f.eventLoopDelayMs.api.max} ms (prom-client, 10 ms interval included), bench ${f.benchEventLoopDelayMs.p99}/${f.benchEventLoopDelayMs.max} ms`,
      );
    }
    for (const key of ['p0-idle', 'p0-flood']) {
      const r = p[key];
      if (!r) continue;
      if (r.missingSms > 0) out.push(`${key}: ${r.missingSms} accepted P0s got NO SMS within ${opts.p0TimeoutS} s`);
      if (r.p0Accepted < r.p0Sent) out.push(`${key}: ${r.p0Sent - r.p0Accepted} P0s not answered 202: ${JSON.stringify(r.non202)}`);
      const st = r.standIn;
      if (st.duplicates || st.unmatched || st.authFailures || st.unexpectedRequests) out.push(`${key}: stand-in saw ${JSON.stringify(st)}`);
    }
  }

  stormTables(out);
  const procNames = [...new Set(Object.values(p).flatMap((r) => Object.keys(r?.cpuCores ?? {})))].filter((k) => /^(api|worker-[\w-]+|alertmanager)$/.test(k));
  const cpuRows = [['CPU (cores busy, avg)', 'wall s', 'loadgen', ...procNames, 'postgres', 'redis', 'irq', 'steal', 'other', 'machine busy %']];
  for (const [key, r] of Object.entries(p)) {
    if (!r?.cpuCores) continue;
    const c = r.cpuCores;
    cpuRows.push([key, fmt(c.seconds, 1), fmt(c.loadgen, 2), ...procNames.map((n) => fmt(c[n], 2)), fmt(c.postgres, 2), fmt(c.redis, 2), fmt(c.irq, 2), fmt(c.steal, 2), fmt(c.other, 2), fmt(c.machineBusy, 0)]);
  }
  if (cpuRows.length > 1) out.push('', table(cpuRows));
  const noisy = Object.entries(p).filter(([, r]) => r?.cpuCores?.other > 0.3).map(([k, r]) => `${k} (${fmt(r.cpuCores.other, 2)} cores)`);
  if (noisy.length) out.push(`NOISY: other work on the machine used more than 0.3 cores during: ${noisy.join(', ')} — rerun for clean figures`);
  results.noisyPhases = noisy;
  const bg = results.machine.backgroundBeforeStart;
  if (bg) out.push(`background load before start: ${fmt(bg.machineCores, 2)} of ${m.nproc} cores busy (other people's work shows as "other" above)`);

  for (const [key, r] of Object.entries(p)) {
    if (r?.non202Samples && Object.keys(r.non202Samples).length > 0) {
      out.push('', `${key}: responses other than 202 — status counts ${JSON.stringify(r.statusCodes)}; samples:`);
      for (const [status, bodies] of Object.entries(r.non202Samples)) for (const b of bodies) out.push(`  ${status}: ${b}`);
    }
    if (r?.processProblems && Object.keys(r.processProblems).length > 0) {
      out.push('', `${key}: warnings/errors logged by Klaxon processes:`);
      for (const [name, v] of Object.entries(r.processProblems)) {
        out.push(`  ${name}: ${v.lines} line(s)`);
        for (const line of v.first) out.push(`    ${line.slice(0, 300)}`);
      }
    }
  }
  const d = results.database;
  if (d) {
    out.push(
      '',
      `database at the end: ${fmt(d.alertsApplied)} alerts applied into ${fmt(d.alertRows)} alert rows, ${fmt(d.eventRows)} timeline events ` +
        `(${fmt(d.eventsPerAppliedAlert, 2)} per applied alert), ${fmt(d.triageBatchRows)} triage batches, ${fmt(d.sizeMB, 0)} MB`,
    );
  }
  if (results.skipped.length) out.push('', `skipped: ${results.skipped.join('; ')}`);
  if (aborted) out.push('', `ABORTED by ${aborted}: the figures above are partial`);
  out.push(
    '',
    'req/s and latency: autocannon, whole requests; alerts/s (202): 202 responses × alerts per request; triaged/s during: alerts applied in PostgreSQL while the load ran;',
    'drain s: time after the load until the queue was empty and PostgreSQL held every accepted alert (drain alerts/s: the backlog over that time); ingest→triaged: the worker histogram (bucket-interpolated);',
    'jobs (alerts/job): triage jobs applied for the phase and their mean size; Redis MB kept: MEMORY USAGE of the bench’s own keys after the drain (mostly completed jobs BullMQ keeps).',
  );
  if (p['p0-idle'] || p['p0-flood']) {
    out.push(
      'p0: from just before the bench sends the P0 until the Twilio stand-in sees the SMS request (one clock, performance.timeOrigin + now); page row: the notification',
      'row\'s created_at in PostgreSQL (ms precision); paged (histogram): the worker’s klaxon_end_to_end_latency_seconds{stage="paged"}, api accepted → SMS taken, bucket-interpolated.',
    );
  }
  console.log(out.join('\n'));
}

/** Klaxon against Alertmanager: the same loads in the same run, and the ratios Klaxon / Alertmanager. */
function compareTables(out) {
  const p = results.phases;
  const ratio = (a, b) => (a && b ? `${fmt(a / b, 2)}×` : '–');
  const rows = [['Klaxon vs Alertmanager (same alerts, same load generator)', 'Klaxon alerts/s', 'AM alerts/s', 'ratio K/AM', 'Klaxon p50/p99 ms', 'AM p50/p99 ms', 'Klaxon non-2xx', 'AM non-2xx', 'loadgen µs/req K / AM']];
  const unfair = [];
  for (const [k, a, label] of [
    ['single', 'am-single', `1 alert/request, ${opts.connections} conn`],
    ['batch', 'am-batch', `${opts.batchLines} alerts/request, ${opts.connections} conn`],
  ]) {
    const K = p[k];
    const A = p[a];
    if (!A) continue;
    rows.push([
      label + (K?.triagePausedDuringLoad ? ' (Klaxon triage paused)' : ''),
      K ? fmt(K.alertsAcceptedPerSec) : '–',
      fmt(A.alertsAcceptedPerSec),
      ratio(K?.alertsAcceptedPerSec, A.alertsAcceptedPerSec),
      K ? `${ms(K.latencyMs.p50)} / ${ms(K.latencyMs.p99)}` : '–',
      `${ms(A.latencyMs.p50)} / ${ms(A.latencyMs.p99)}`,
      K ? fmt(K.non2xx + K.errors + K.timeouts) : '–',
      fmt(A.non2xx + A.errors + A.timeouts),
      `${fmt(loadgenMicrosPerRequest(K), 1)} / ${fmt(loadgenMicrosPerRequest(A), 1)}`,
    ]);
    const [kCost, aCost] = [loadgenMicrosPerRequest(K), loadgenMicrosPerRequest(A)];
    // single bodies are nearly alike on both sides; Alertmanager's 100-alert JSON is about 4× Klaxon's lines
    if (k === 'single' && kCost && aCost && Math.max(kCost, aCost) / Math.min(kCost, aCost) > 1.2) unfair.push(label);
  }
  const L = p['am-latency'];
  const P = p['p0-idle'];
  if (L) {
    rows.push([
      'new alert → notification at idle, p50 / p99 ms (K: P0 → SMS request; AM: → webhook)',
      P ? `${fmt(P.postToSmsMs.p50, 1)} / ${fmt(P.postToSmsMs.p99, 1)}` : '–',
      `${fmt(L.postToWebhookMs.p50, 1)} / ${fmt(L.postToWebhookMs.p99, 1)}`,
      P ? ratio(P.postToSmsMs.p50, L.postToWebhookMs.p50) : '–',
      P ? `max ${fmt(P.postToSmsMs.max, 1)}` : '–',
      `max ${fmt(L.postToWebhookMs.max, 1)}`,
      P ? fmt(P.missingSms) : '–',
      fmt(L.alertsSent - L.webhooks),
    ]);
  }
  if (rows.length > 1) {
    out.push('', table(rows));
    out.push(
      `Alertmanager ${results.alertmanager?.version ?? '?'}: in memory, answers 200 once the alerts are in its store; Klaxon answers 202 once they are in Redis, then writes each to PostgreSQL. ` +
        'Ratio > 1: Klaxon faster (for alerts/s) or slower (for latency).',
    );
    out.push(
      'loadgen µs/req: the load generator\'s own CPU per request; for single alerts nearly the same work against either server, so it shows how fast the machine was during each side (Alertmanager\'s 100-alert bodies are about 4× longer).' +
        (unfair.length > 0 ? ` It differs by more than 20 % for ${unfair.join('; ')}: the machine's speed changed between the sides, so that ratio is not a fair one.` : ''),
    );
  }
}

/** The bench process's CPU per request during an autocannon phase (µs), from the phase's CPU sample. */
function loadgenMicrosPerRequest(phase) {
  const cores = phase?.cpuCores?.loadgen;
  if (!cores || !phase.requestsCompleted) return null;
  return (cores * (phase.cpuCores.seconds ?? phase.durationS) * 1e6) / phase.requestsCompleted;
}

/** The storm replay and the scale-out runs. */
function stormTables(out) {
  const st = results.phases.storm;
  if (st) {
    const m = st.mix;
    out.push(
      '',
      `storm: ${fmt(m.alerts)} alerts (${Object.entries(m.byPriority).sort().map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}; ${fmt(m.byStatus.OK ?? 0)} OK) across ${m.hosts} hosts in ${st.send.seconds} s, ` +
        `${fmt(st.requests)} requests (HTTP p50/p99 ${fmt(st.send.http202Ms.p50, 1)}/${fmt(st.send.http202Ms.p99, 1)} ms, statuses ${JSON.stringify(st.send.statusCodes)}, ${st.send.rejectedLines} lines rejected); ` +
        `triage done ${st.triage.secondsAfterLastSend ?? '–'} s after the last send; settled ${st.settle.seconds} s after it (horizon ${st.settle.horizonS} s)`,
    );
    const rows = [['storm: what each person got', 'SMS', 'of which summaries', 'of which recoveries', 'email', 'IM (channel)', 'still held at the end']];
    for (const [u, x] of Object.entries(st.perPerson)) {
      const held = st.notificationsByUser.filter((r) => r.who === u && r.status === 'held').reduce((n, r) => n + r.n, 0);
      rows.push([u, fmt(x.sms), fmt(x.smsSummaries), fmt(x.smsRecoveries), fmt(x.email), `${fmt(x.im)}${x.imChannels.length ? ` (${x.imChannels.join(', ')})` : ''}`, fmt(held)]);
    }
    rows.push(['total', fmt(st.totals.sms), fmt(st.totals.smsSummaries), '', fmt(st.totals.email), fmt(st.totals.im), '']);
    out.push('', table(rows));
    const p0 = st.p0;
    const a = st.alerts;
    out.push(
      `storm P0s: ${p0.p0Alerts} P0 alerts opened, ${p0.paged} paged by SMS (alert × phone); POST → SMS p50 ${fmt(p0.postToSmsMs.p50, 1)} ms, p99 ${fmt(p0.postToSmsMs.p99, 1)}, worst ${fmt(p0.postToSmsMs.max, 1)} ms ` +
        `(sent at once: ${p0.aloneMs.count}, p50 ${fmt(p0.aloneMs.p50, 1)}, max ${fmt(p0.aloneMs.max, 1)} ms; held back by the SMS budget: ${p0.inSummaryMs.count} (${p0.heldInSummary} of them in summaries), max ${fmt(p0.inSummaryMs.max, 1)} ms, ` +
        `of which page row → SMS max ${fmt(p0.pageRowToSmsInSummaryMs.max, 1)} ms); POST → page row p50/max ${fmt(p0.postToPageRowMs.p50, 1)}/${fmt(p0.postToPageRowMs.max, 1)} ms; P0 SMS pages not sent: ${JSON.stringify(p0.pageNotificationsNotSent)}`,
      `storm alerts: ${fmt(a.alerts)} opened, ${fmt(a.inhibited)} held by a host-down alert, ${fmt(a.resolved)} resolved; events ${JSON.stringify(a.events)}`,
      `storm memory: peak RSS (VmHWM) ${Object.entries(st.memory.processes).map(([k, v]) => `${k} ${fmt(v.peakRssMB, 0)} MB`).join(', ')}; ` +
        `Redis used_memory_peak ${fmt(st.memory.redis.usedMemoryPeakMB, 1)} MB (the whole server, shared), used_memory ${fmt(st.memory.redis.usedMemoryBeforeMB, 1)} → max ${fmt(st.memory.redis.usedMemoryMaxSampledMB, 1)} MB during the storm (+${fmt(st.memory.redis.growthMaxMB, 1)})`,
      `storm duplicates: ${st.duplicates.standIn.duplicates} at the stand-in (${st.duplicates.standIn.problemSmsWithNumber} single-alert PROBLEM SMS checked), ${st.duplicates.db.duplicates} in the database (alert × phone with 2+ SMS messages)`,
    );
  }
  const sc = results.phases.scale;
  if (sc) {
    const rows = [['scale-out', 'backlog 20k: alerts/s', 'storm as fast as it goes: ingest s', 'all triaged s', 'triaged alerts/s', 'SMS', 'last SMS s', 'email', 'IM', 'dup SMS (stand-in)', 'dup SMS (db)', 'cores: api, workers, pg, other', 'machine busy %: backlog, storm']];
    const base = sc.w1?.storm?.triagedAlertsPerSec;
    for (const [k, r] of Object.entries(sc)) {
      if (r.skipped) {
        rows.push([k, r.skipped]);
        continue;
      }
      const c = r.storm.cpuCores;
      const workersCpu = Object.entries(c).filter(([n]) => n.startsWith('worker-')).reduce((x, [, v]) => x + v, 0);
      rows.push([
        `${r.workers} worker${r.workers === 1 ? '' : 's'}`,
        fmt(r.backlog.alertsPerSec),
        fmt(r.storm.ingestSeconds, 2),
        fmt(r.storm.triageSeconds, 2),
        `${fmt(r.storm.triagedAlertsPerSec)}${base && r.workers !== 1 ? ` (${fmt(r.storm.triagedAlertsPerSec / base, 2)}×)` : ''}`,
        fmt(r.storm.sms),
        fmt(r.storm.lastSmsSeconds, 2),
        fmt(r.storm.email),
        fmt(r.storm.im),
        `${fmt(r.storm.duplicates.standIn.duplicates)} of ${fmt(r.storm.duplicates.standIn.problemSmsWithNumber)}`,
        fmt(r.storm.duplicates.db.duplicates),
        `${fmt(c.api, 2)}, ${fmt(workersCpu, 2)}, ${fmt(c.postgres, 2)}, ${fmt(c.other, 2)}${r.backlog.cpuCores.other > 0.3 ? ` (backlog: other ${fmt(r.backlog.cpuCores.other, 2)})` : ''}`,
        // a second worker can only use what the machine has left
        `${fmt(r.backlog.cpuCores.machineBusy, 0)}, ${fmt(c.machineBusy, 0)}`,
      ]);
    }
    out.push('', table(rows));
    const dups = Object.values(sc).reduce((n, r) => n + (r.storm ? r.storm.duplicates.standIn.duplicates + r.storm.duplicates.db.duplicates : 0), 0);
    out.push(`scale-out duplicate check: ${dups === 0 ? 'OK, 0 duplicate PROBLEM SMS (same alert number to the same phone twice)' : `FAILED: ${dups} duplicates — see the JSON`}`);
    results.scaleDuplicates = dups;
  }
}

// ---------------------------------------------------------------- run

let finishing = null;
function finish(code) {
  finishing ??= (async () => {
    try {
      // the am/storm/scale phases' own processes first (their phases normally stop them; this is for interruptions)
      for (const t of tracked.reverse()) {
        const stop = t.close ?? t.stop ?? t.cleanup;
        await Promise.resolve()
          .then(() => stop?.call(t))
          .catch((err) => console.error(`bench: cleanup: ${err.message ?? err}`));
      }
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      queueRedis?.disconnect();
      await db?.end().catch(() => undefined);
      if (stack) {
        results.processProblems = Object.fromEntries(stack.processes.map((p) => [p.name, { lines: p.problems, first: p.problemLines.slice(0, 10) }]));
        results.cleanup = await stack.cleanup();
      }
      // after the worker has stopped, so no send of its finds the stand-in gone
      await twilio?.close();
    } catch (err) {
      results.cleanup = { error: String(err) };
      console.error(`bench: cleanup failed: ${err.stack ?? err}`);
    }
    results.finishedAt = new Date().toISOString();
    results.machine && (results.machine.loadAvgAtEnd = os.loadavg().map((x) => round(x, 2)));
    results.totalSeconds = round((Date.now() - t0) / 1000, 1);
    try {
      const file = opts.out ? resolve(opts.out) : join(ROOT, 'bench/results', `${results.startedAt.replace(/[:.]/g, '-')}.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(results, (_k, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
      log(`results written to ${relative(process.cwd(), file) || file} (whole run ${results.totalSeconds} s)`);
    } catch (err) {
      console.error(`bench: could not write results: ${err.message}`);
    }
    process.exit(code);
  })();
  return finishing;
}

async function main() {
  results.machine = machineInfo();
  if (opts.waitQuiet > 0) {
    const until = Date.now() + opts.waitQuiet * 1000;
    let quietFor = 0;
    let last = cpuSnapshot([]);
    log(`waiting up to ${opts.waitQuiet} s for the machine to be idle …`);
    while (quietFor < 3 && Date.now() < until && !aborted) {
      await sleep(1000);
      const now = cpuSnapshot([]);
      quietFor = cpuSince(last, now).machineCores < 0.3 ? quietFor + 1 : 0;
      last = now;
    }
    results.machine.waitedForQuietSeconds = round((Date.now() - t0) / 1000, 0);
    log(quietFor >= 3 ? 'machine idle; starting' : 'machine still busy; starting anyway');
    deadline = Date.now() + opts.maxTime * 1000; // the wait does not count against --max-time
  }
  results.code = codeInfo();
  log(
    `code: commit ${results.code.commit}${results.code.uncommittedChangesInAppsLibs ? ` + ${results.code.uncommittedChangesInAppsLibs} uncommitted files in apps/libs/prisma` : ''}; ` +
      `dist built ${results.code.distBuilt.api} (api), ${results.code.distBuilt.worker} (worker)`,
  );
  {
    const a = cpuSnapshot([]);
    await sleep(1000);
    const bg = cpuSince(a, cpuSnapshot([]));
    results.machine.backgroundBeforeStart = { machineCores: bg.machineCores, postgres: bg.postgres, redis: bg.redis };
    if (bg.machineCores > 0.25) {
      log(`warning: ${bg.machineCores} cores were already busy before the bench started (other work on this machine); figures will be lower and noisier`);
    }
  }
  log(`machine: ${results.machine.nproc} cores (${results.machine.cpuModel}), node ${results.machine.node}; phases: ${opts.phases.join(', ')}`);
  let profDir;
  if (opts.prof) {
    profDir = join(ROOT, 'bench/results', `prof-${results.startedAt.replace(/[:.]/g, '-')}`);
    mkdirSync(profDir, { recursive: true });
    results.notes.push(`--prof: api and worker ran under node --cpu-prof (slower); profiles in ${relative(ROOT, profDir)}`);
    log(`--prof: CPU profiles in ${relative(ROOT, profDir)} at the end; summarise with node bench/lib/cpuprofile-top.mjs <file>`);
  }
  if (['p0', 'storm', 'scale'].some((p) => opts.phases.includes(p))) {
    twilio = await startTwilioStandIn();
    log(`Twilio stand-in at ${twilio.baseUrl} (the worker's TWILIO_API_BASE_URL)`);
  }
  const phaseCtx = {
    root: ROOT,
    opts,
    log,
    remaining,
    isAborted: () => !!aborted,
    setCurrentLoad: (x) => (currentLoad = x),
    twilio,
    track,
    profDir,
  };
  if (MAIN_STACK_PHASES.some((p) => opts.phases.includes(p))) {
    stack = await startStack({ root: ROOT, adminUrl: opts.databaseUrl, redisUrl: opts.redisUrl, workers: opts.workers, log, profDir, workerEnv: twilio?.env ?? {} });
    results.code.distBuilt = stack.distBuiltWhenReady;
    results.code.distRebuiltDuringStart = JSON.stringify(stack.distBuiltAtSpawn) !== JSON.stringify(stack.distBuiltWhenReady);
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    queueRedis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    queues = TRIAGE_QUEUES.map((name) => new Queue(name, { connection: queueRedis, prefix: stack.prefix }));
    const info = await queueRedis.info('server');
    results.stack = {
      database: stack.dbName,
      redisPrefix: stack.prefix,
      api: stack.baseUrl,
      workers: opts.workers,
      postgres: (await db.query('SHOW server_version')).rows[0].server_version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
    };
  }

  const wantIngest = ['single', 'batch', 'idle', 'p0'].some((p) => opts.phases.includes(p));
  if (wantIngest && opts.warmup > 0 && !aborted) {
    const w = await ingestPhase('warmup', 'warm-up (not reported)', singleBodies('warm-', opts.hosts), 1, opts.warmup);
    if (w) results.notes.push(`warm-up: ${opts.warmup} s of single-alert load before measuring (${fmt(w.requestsPerSec)} req/s), then drained`);
  }
  if (opts.phases.includes('idle') && !aborted) results.phases.idle = await idlePhase();
  if (opts.phases.includes('single') && !aborted) {
    results.phases.single = await ingestPhase('single', 'ingest, 1 alert/request', singleBodies('host-', opts.hosts), 1, opts.duration);
  }
  if (opts.phases.includes('batch') && !aborted) {
    results.phases.batch = await ingestPhase(
      'batch',
      `ingest, ${opts.batchLines} alerts/request`,
      batchBodies('bhost-', opts.hosts, opts.batchLines),
      opts.batchLines,
      opts.duration,
    );
  }
  if (opts.phases.includes('am') && !aborted) {
    // Klaxon's triage may still be working off an earlier phase's backlog (the drain gives up after
    // --drain-timeout): held while Alertmanager is measured, so that it does not take the cores from it
    const leftover = queues.length > 0 ? pendingJobs(await queueCounts()) : 0;
    if (leftover > 0) {
      log(`alertmanager: Klaxon still has ${leftover} triage jobs pending; its triage queues are paused while Alertmanager is measured`);
      results.notes.push(`am: Klaxon's triage queues were paused during the am phase (${leftover} jobs still pending from earlier phases)`);
      await pauseTriage();
    }
    const r = await runAlertmanagerPhases(phaseCtx);
    if (leftover > 0) await resumeTriage();
    if (r.skipped) {
      results.skipped.push(`am: ${r.skipped}`);
      log(`skip alertmanager: ${r.skipped}`);
    } else {
      Object.assign(results.phases, r.phases);
      results.alertmanager = r.info;
    }
  }
  if (opts.phases.includes('triage') && !aborted) {
    await discardBacklog('triage');
    results.phases['triage-live'] = await triagePhase('live');
    if (opts.backlog && !aborted) results.phases['triage-backlog'] = await triagePhase('backlog');
  }
  if (opts.phases.includes('p0') && !aborted) {
    await discardBacklog('p0');
    const watch = smsWatcher();
    try {
      results.phases['p0-idle'] = await p0IdlePhase(watch);
      if (opts.p0FloodDuration > 0 && !aborted) results.phases['p0-flood'] = await p0FloodPhase(watch);
    } finally {
      watch.off();
    }
  }
  if (opts.phases.includes('storm') && !aborted) {
    const r = await runStormPhase(phaseCtx);
    if (r.skipped) {
      results.skipped.push(r.skipped);
      log(`skip ${r.skipped}`);
    } else results.phases.storm = r.phase;
  }
  if (opts.phases.includes('scale') && !aborted) {
    const r = await runScalePhase(phaseCtx);
    results.phases.scale = r.phase;
  }
  for (const k of Object.keys(results.phases)) if (results.phases[k] === null) delete results.phases[k];
  if (!db) {
    results.code.distBuilt = distBuilt(ROOT);
    printTables();
    return;
  }
  const dbRows = (
    await db.query(`SELECT (SELECT count(*) FROM alerts)::bigint AS alerts, (SELECT coalesce(sum(count), 0) FROM alerts)::bigint AS alerts_applied,
                           (SELECT count(*) FROM alert_events)::bigint AS events, (SELECT count(*) FROM triage_batches)::bigint AS triage_batches,
                           pg_database_size(current_database())::bigint AS bytes`)
  ).rows[0];
  results.database = {
    alertRows: Number(dbRows.alerts),
    alertsApplied: Number(dbRows.alerts_applied),
    eventRows: Number(dbRows.events),
    triageBatchRows: Number(dbRows.triage_batches),
    eventsPerAppliedAlert: round(Number(dbRows.events) / Math.max(1, Number(dbRows.alerts_applied)), 3),
    sizeMB: round(Number(dbRows.bytes) / 2 ** 20, 1),
  };
  const finalCounts = await queueCounts();
  results.finalQueue = finalCounts;
  if (finalCounts.failed > 0) results.notes.push(`${finalCounts.failed} triage jobs ended failed`);
  if (aborted) results.error = `aborted by ${aborted}`;
  printTables();
}

main().then(
  () => finish(aborted ? 130 : 0),
  (err) => {
    if (aborted) {
      results.error = `aborted by ${aborted} (${err?.message ?? err})`;
      log(results.error);
      return finish(130);
    }
    results.error = String(err?.stack ?? err);
    console.error(`bench: ${err?.stack ?? err}`);
    if (stack) for (const p of stack.processes) if (p.lines.length) console.error(p.tail(15));
    return finish(1);
  },
);
