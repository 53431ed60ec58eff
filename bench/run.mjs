#!/usr/bin/env node
// Klaxon benchmark: `npm run bench -- [--duration 10] [--connections 50] [--only ingest]`.
// Starts its own api + worker on 127.0.0.1 against a fresh database and a
// private Redis prefix, measures ingest and triage, prints tables, writes
// bench/results/<timestamp>.json, and removes everything it made.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { USAGE, parseOptions } from './lib/args.mjs';
import { cpuSince, cpuSnapshot } from './lib/cpu.mjs';
import { alertLine, batchBodies, round, runAutocannon, sendAll, singleBodies } from './lib/load.mjs';
import { diffBuckets, histogramBuckets, latencySummary, scrape, sumOf } from './lib/metrics.mjs';
import { fmt, table } from './lib/report.mjs';
import { startStack } from './lib/stack.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TRIAGE_QUEUE = 'triage';
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

const deadline = t0 + opts.maxTime * 1000;
/** seconds left for measuring, keeping a reserve for cleanup */
const remaining = () => (deadline - Date.now()) / 1000 - CLEANUP_RESERVE_S;

let stack = null;
let db = null;
let queue = null;
let queueRedis = null;
let currentLoad = null;
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
}, (opts.maxTime + 30) * 1000);
watchdog.unref();

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

async function queueCounts() {
  return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed');
}
const pendingJobs = (c) => c.waiting + c.active + c.delayed + c.prioritized + c.paused;

async function snapshot() {
  const [apiM, workerM, applied, batches, memInfo] = await Promise.all([
    scrape(`${stack.baseUrl}/metrics`),
    Promise.all(stack.workers.map((w) => scrape(w.metricsUrl))).then((all) => all.flat()),
    appliedSum(),
    db.query('SELECT count(*)::int AS jobs, coalesce(sum(alerts), 0)::bigint AS alerts FROM triage_batches').then((r) => r.rows[0]),
    queueRedis.info('memory'),
  ]);
  return {
    at: performance.now(),
    accepted: sumOf(apiM, 'klaxon_alerts_accepted_total'),
    rejected: sumOf(apiM, 'klaxon_alerts_rejected_total'),
    refused: sumOf(apiM, 'klaxon_ingest_requests_refused_total'),
    triagedMetric: sumOf(workerM, 'klaxon_alerts_triaged_total'),
    e2e: histogramBuckets(workerM, 'klaxon_end_to_end_latency_seconds', { stage: 'triaged' }),
    applied,
    redisUsedMB: round(Number(/used_memory:(\d+)/.exec(memInfo)?.[1] ?? NaN) / 2 ** 20, 1),
    triageJobs: batches.jobs,
    triageJobAlerts: Number(batches.alerts),
    problems: Object.fromEntries(stack.processes.map((p) => [p.name, p.problems])),
  };
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
    if (pendingJobs(counts) === 0 && applied >= accepted) break;
    if ((performance.now() - started) / 1000 > timeoutS) {
      log(`${label}: queue not drained after ${timeoutS.toFixed(0)} s (${accepted - applied} alerts still to triage, jobs ${JSON.stringify(counts)})`);
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
    backlogAlertsAtEnd: atEnd.accepted - atEnd.applied,
    drain,
    redisUsedMB: { before: before.redisUsedMB, endOfLoad: atEnd.redisUsedMB, afterDrain: after.redisUsedMB },
    benchPrefixAfterDrain: await prefixMemory(),
    triageJobs: jobsBetween(before, after),
    ingestToTriaged: latencySummary(diffBuckets(after.e2e, before.e2e)),
    cpuCores: cpuSince(cpu0, cpu1),
    processProblems: problemsBetween(before),
  };
  log(`${title}: drained in ${drain.seconds} s (${phase.backlogAlertsAtEnd} alerts were waiting at the end of the load)`);
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
  else await queue.pause();
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
    await queue.resume();
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

// ---------------------------------------------------------------- output

const ms = (x) => (x === null || x === undefined ? '–' : x === Infinity ? '>60000' : fmt(x, x < 10 ? 1 : 0));

function printTables() {
  const p = results.phases;
  const out = [];
  const m = results.machine;
  out.push('');
  out.push(
    `Klaxon bench — ${m.nproc} cores (${m.cpuModel}), node ${m.node}; PostgreSQL ${results.stack?.postgres ?? '?'}, Redis ${results.stack?.redis ?? '?'}; ` +
      `api + ${opts.workers} worker, load generator, PostgreSQL and Redis all share these cores`,
  );
  const ingestRows = [['ingest', 'req/s', 'alerts/s (202)', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'triaged/s during', 'drain s', 'jobs (alerts/job)', 'ingest→triaged p50/p99 ms', 'Redis MB kept']];
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
      fmt(r.triagedPerSecDuringLoad),
      `${fmt(r.drain.seconds, 1)}${r.drain.drained ? '' : ' (not drained)'}`,
      `${fmt(r.triageJobs.jobs)} (${fmt(r.triageJobs.meanAlertsPerJob, 0)})`,
      `${ms(r.ingestToTriaged.p50Ms)} / ${ms(r.ingestToTriaged.p99Ms)}`,
      `${fmt(r.benchPrefixAfterDrain.mb, 0)} (${fmt(r.benchPrefixAfterDrain.keys)} keys)`,
    ]);
  }
  if (ingestRows.length > 1) out.push('', table(ingestRows));

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

  const procNames = stack ? stack.processes.map((x) => x.name) : [];
  const cpuRows = [['CPU (cores busy, avg)', 'wall s', 'loadgen', ...procNames, 'postgres', 'redis', 'other', 'machine busy %']];
  for (const [key, r] of Object.entries(p)) {
    if (!r?.cpuCores) continue;
    const c = r.cpuCores;
    cpuRows.push([key, fmt(c.seconds, 1), fmt(c.loadgen, 2), ...procNames.map((n) => fmt(c[n], 2)), fmt(c.postgres, 2), fmt(c.redis, 2), fmt(c.other, 2), fmt(c.machineBusy, 0)]);
  }
  if (cpuRows.length > 1) out.push('', table(cpuRows));
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
  if (results.skipped.length) out.push('', `skipped: ${results.skipped.join('; ')}`);
  out.push(
    '',
    'req/s and latency: autocannon, whole requests; alerts/s (202): 202 responses × alerts per request; triaged/s during: alerts applied in PostgreSQL while the load ran;',
    'drain s: time after the load until the queue was empty and PostgreSQL held every accepted alert; ingest→triaged: the worker histogram (bucket-interpolated);',
    'jobs (alerts/job): triage jobs applied for the phase and their mean size; Redis MB kept: MEMORY USAGE of the bench’s own keys after the drain (mostly completed jobs BullMQ keeps).',
  );
  console.log(out.join('\n'));
}

// ---------------------------------------------------------------- run

let finishing = null;
function finish(code) {
  finishing ??= (async () => {
    try {
      await queue?.close().catch(() => undefined);
      queueRedis?.disconnect();
      await db?.end().catch(() => undefined);
      if (stack) {
        results.processProblems = Object.fromEntries(stack.processes.map((p) => [p.name, { lines: p.problems, first: p.problemLines.slice(0, 10) }]));
        results.cleanup = await stack.cleanup();
      }
    } catch (err) {
      results.cleanup = { error: String(err) };
      console.error(`bench: cleanup failed: ${err.stack ?? err}`);
    }
    results.finishedAt = new Date().toISOString();
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
  stack = await startStack({ root: ROOT, adminUrl: opts.databaseUrl, redisUrl: opts.redisUrl, workers: opts.workers, log });
  db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  queueRedis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue(TRIAGE_QUEUE, { connection: queueRedis, prefix: stack.prefix });
  const info = await queueRedis.info('server');
  results.stack = {
    database: stack.dbName,
    redisPrefix: stack.prefix,
    api: stack.baseUrl,
    workers: opts.workers,
    postgres: (await db.query('SHOW server_version')).rows[0].server_version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
  };

  const wantIngest = opts.phases.includes('single') || opts.phases.includes('batch');
  if (wantIngest && opts.warmup > 0 && !aborted) {
    const w = await ingestPhase('warmup', 'warm-up (not reported)', singleBodies('warm-', opts.hosts), 1, opts.warmup);
    if (w) results.notes.push(`warm-up: ${opts.warmup} s of single-alert load before measuring (${fmt(w.requestsPerSec)} req/s), then drained`);
  }
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
  if (opts.phases.includes('triage') && !aborted) {
    results.phases['triage-live'] = await triagePhase('live');
    if (opts.backlog && !aborted) results.phases['triage-backlog'] = await triagePhase('backlog');
  }
  for (const k of Object.keys(results.phases)) if (results.phases[k] === null) delete results.phases[k];
  const finalCounts = await queueCounts();
  results.finalQueue = finalCounts;
  if (finalCounts.failed > 0) results.notes.push(`${finalCounts.failed} triage jobs ended failed`);
  if (aborted) results.error = `aborted by ${aborted}`;
  printTables();
}

main().then(
  () => finish(aborted ? 130 : 0),
  (err) => {
    results.error = String(err?.stack ?? err);
    console.error(`bench: ${err?.stack ?? err}`);
    if (stack) for (const p of stack.processes) if (p.lines.length) console.error(p.tail(15));
    return finish(1);
  },
);
