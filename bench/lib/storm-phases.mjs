// The `storm` and `scale` phases. Each starts its own Klaxon (a fresh
// database, Redis prefix, api and worker(s)) with the storm's config
// (bench/lib/storm.mjs), plus an SMTP stand-in and an IM webhook receiver;
// SMS go to the bench's Twilio stand-in.
//
// storm: the 10,000-line storm replayed on its schedule (a minute) with the
//   default tiers and SMS budget; then it waits for what falls due within
//   --storm-settle seconds (grouping windows, P0 folds) and reports what each
//   person got, total SMS, P0 latency, peak RSS, Redis memory.
// scale: with 1 and then 2 worker processes (budget raised, P1/P2 grouping
//   off, so every page is its own SMS with its number): a triage backlog of
//   20,000 alerts, and the storm's lines sent as fast as they go; triage and
//   paging rates, and a duplicate check of every PROBLEM SMS.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { cpuSince, cpuSnapshot } from './cpu.mjs';
import { alertLine, INGEST_PATH, postOnce, round, sendAll, summarize, wallNow } from './load.mjs';
import { scrape, sumOf } from './metrics.mjs';
import { startReceiver } from './receiver.mjs';
import { describeWorkers, loggedEntries, startStack } from './stack.mjs';
import { STORM_IM, STORM_USERS, startSmtpStandIn, stormAlerts, stormConfigYaml, stormMix, stormRequests } from './storm.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TRIAGE_QUEUES = ['triage', 'triage-urgent'];

/** Peak and current resident memory of a process, from /proc/<pid>/status (MB). */
export function procMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMB: round(kb('VmHWM') / 1024, 1), rssMB: round(kb('VmRSS') / 1024, 1) };
  } catch {
    return { peakRssMB: null, rssMB: null };
  }
}

const redisField = (info, k) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);

/** `dir`/`name`, created; undefined without `dir` */
function subfolder(dir, name) {
  if (!dir) return undefined;
  mkdirSync(join(dir, name), { recursive: true });
  return join(dir, name);
}

/** A Klaxon for the storm config, with its stand-ins and observers. */
async function startStormStack({ root, opts, log, twilio, mode, workers, track, profDir }) {
  const im = await startReceiver();
  track(im);
  const smtp = await startSmtpStandIn();
  track(smtp);
  const stack = await startStack({
    root,
    adminUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    workers,
    log,
    // --prof: each stack's profiles in a folder of its own (storm, scale-1w, scale-2w)
    profDir: subfolder(profDir, mode === 'storm' ? 'storm' : `scale-${workers}w`),
    workerEnv: { ...twilio.env, SMTP_URL: smtp.url },
    configYaml: (token) => stormConfigYaml({ token, imBaseUrl: im.baseUrl, mode }),
  });
  track(stack);
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queues = TRIAGE_QUEUES.map((name) => new Queue(name, { connection: redis, prefix: stack.prefix }));
  const s = {
    stack,
    db,
    redis,
    queues,
    im,
    smtp,
    closed: null,
    close() {
      // idempotent: the phase closes it, and the bench's cleanup again if the phase was interrupted
      this.closed ??= this.closeOnce();
      return this.closed;
    },
    async closeOnce() {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      redis.disconnect();
      await db.end().catch(() => undefined);
      const cleanup = await stack.cleanup();
      await smtp.close();
      await im.close();
      return cleanup;
    },
  };
  track(s);
  return s;
}

async function triagedSoFar(s) {
  const { rows } = await s.db.query('SELECT count(*)::int AS jobs, coalesce(sum(alerts), 0)::bigint AS alerts FROM triage_batches');
  return { jobs: rows[0].jobs, alerts: Number(rows[0].alerts) };
}

async function pendingTriageJobs(s) {
  const all = await Promise.all(s.queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')));
  // plus ingest-log entries a worker has not moved into triage jobs yet
  const logged = await loggedEntries(s.redis, s.stack.prefix);
  return all.reduce((n, c) => n + c.waiting + c.active + c.delayed + c.prioritized + c.paused, logged);
}

/** Waits until every alert the api accepted is in a triage batch and no triage job is pending. */
async function waitTriaged(s, { timeoutS, isAborted, expected = null }) {
  const started = performance.now();
  while (!isAborted()) {
    const accepted = expected ?? sumOf(await scrape(`${s.stack.baseUrl}/metrics`), 'klaxon_alerts_accepted_total');
    const [t, pending] = await Promise.all([triagedSoFar(s), pendingTriageJobs(s)]);
    if (t.alerts >= accepted && pending === 0) return { done: performance.now(), accepted, triaged: t.alerts, jobs: t.jobs };
    if ((performance.now() - started) / 1000 > timeoutS) return { done: null, accepted, triaged: t.alerts, jobs: t.jobs, pending };
    await sleep(50);
  }
  return { done: null };
}

/** Notifications not final yet: in flight now, and held until some time. */
async function notificationBacklog(s, dueBy) {
  const { rows } = await s.db.query(
    `SELECT count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS inflight,
            count(*) FILTER (WHERE status = 'held' AND release_at <= $1)::int AS due,
            count(*) FILTER (WHERE status = 'held' AND release_at > $1)::int AS later,
            max(release_at) FILTER (WHERE status = 'held' AND release_at <= $1) AS last_due
     FROM notifications`,
    [new Date(dueBy)],
  );
  return rows[0];
}

/** Sends storm requests on their schedule (or all at once, `asFast`), recording each line's POST time. */
async function sendStorm({ s, requests, asFast, concurrency = 8, isAborted }) {
  const url = new URL(INGEST_PATH, s.stack.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: asFast ? concurrency : 32 });
  const statusCodes = {};
  const http202 = [];
  const sends = []; // [line alert, sentAt]
  let lateMax = 0;
  let rejected = 0;
  const start = wallNow() + 100;
  const one = async (r) => {
    const res = await postOnce({ url, agent, token: s.stack.token, body: r.body, timeoutMs: 30_000 });
    statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
    if (res.status === 202) {
      http202.push(res.respondedAt - res.sentAt);
      try {
        rejected += JSON.parse(res.body).rejected?.length ?? 0;
      } catch {
        // counted by status
      }
    }
    for (const a of r.alerts) sends.push([a, res.sentAt]);
  };
  const inflight = new Set();
  if (asFast) {
    let i = 0;
    const lane = async () => {
      while (i < requests.length && !isAborted()) await one(requests[i++]);
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  } else {
    for (const r of requests) {
      if (isAborted()) break;
      const wait = start + r.t - wallNow();
      if (wait > 1) await sleep(wait);
      lateMax = Math.max(lateMax, wallNow() - (start + r.t));
      const p = one(r).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  }
  const end = wallNow();
  agent.destroy();
  return { start, end, statusCodes, rejectedLines: rejected, http202Ms: summarize(http202), lateMaxMs: round(lateMax, 1), sends };
}

const SUMMARY = /^\[P\d\]\[(PROBLEM|OK)\] \d+ alerts/;
/** `[P1][PROBLEM][host][ip][message] #123 x3 - reply …` → the number and whether it is a flapping notice. */
function smsAlertNumber(body) {
  if (SUMMARY.test(body) || !/^\[P\d\]\[PROBLEM\]/.test(body)) return null;
  const tail = body.slice(body.lastIndexOf(']') + 1);
  const n = /#(\d+)/.exec(tail)?.[1];
  if (!n) return null;
  const flap = /\(flapping [x×](\d+)\)\]/.exec(body)?.[1];
  return { number: n, tag: flap ? `flapping×${flap}` : 'page' };
}

/** Duplicate PROBLEM SMS at the stand-in: the same alert number (and page/flap notice) twice to one phone. */
function standInDuplicates(messages) {
  const seen = new Map();
  let single = 0;
  let summaries = 0;
  let other = 0;
  for (const m of messages) {
    if (SUMMARY.test(m.body)) summaries++;
    const a = smsAlertNumber(m.body);
    if (!a) {
      if (!SUMMARY.test(m.body)) other++;
      continue;
    }
    single++;
    const k = `${m.to}|${a.number}|${a.tag}`;
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const dups = [...seen.entries()].filter(([, n]) => n > 1);
  return { problemSmsWithNumber: single, summaries, otherSms: other, distinctAlertPhonePairs: seen.size, duplicates: dups.length, duplicateSamples: dups.slice(0, 5).map(([k, n]) => `${k} ×${n}`) };
}

/** From the database: the same alert paged by SMS to one phone in more than one provider message. */
async function dbDuplicates(s) {
  const { rows } = await s.db.query(
    `SELECT a.number::text AS number, n.address, count(DISTINCT n.provider_id)::int AS messages
     FROM notifications n JOIN alerts a ON a.id = n.alert_id
     WHERE n.channel = 'sms' AND n.kind = 'page' AND n.provider_id IS NOT NULL
     GROUP BY 1, 2 HAVING count(DISTINCT n.provider_id) > 1`,
  );
  return { duplicates: rows.length, samples: rows.slice(0, 5) };
}

/** What each person got: SMS at the stand-in (and how many were summaries), email at the SMTP stand-in, IM at the receiver. */
function perPerson({ sms, smtpCounts, imRequests }) {
  const out = {};
  for (const u of STORM_USERS) {
    const mine = sms.filter((m) => m.to === u.phone);
    const channels = STORM_IM.filter((c) => c.people.includes(u.id));
    out[u.id] = {
      sms: mine.length,
      smsSummaries: mine.filter((m) => SUMMARY.test(m.body)).length,
      smsRecoveries: mine.filter((m) => /^\[P\d\]\[OK\]/.test(m.body)).length,
      email: smtpCounts[u.email] ?? 0,
      im: channels.reduce((n, c) => n + imRequests.filter((r) => r.path === c.path).length, 0),
      imChannels: channels.map((c) => c.id),
    };
  }
  return out;
}

/** Notifications per user and channel by status, from the database (held ones are what is still to come). */
async function notificationsByUser(s) {
  const { rows } = await s.db.query(
    `SELECT coalesce(user_id, address) AS who, channel, kind, status::text AS status, count(*)::int AS n, min(release_at) AS next_release
     FROM notifications GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  return rows.map((r) => ({ ...r, next_release: r.next_release ? r.next_release.toISOString() : null }));
}

async function alertSummary(s) {
  const { rows } = await s.db.query(
    `SELECT count(*)::int AS alerts, coalesce(sum(count), 0)::int AS problem_lines,
            count(*) FILTER (WHERE status = 'firing')::int AS firing, count(*) FILTER (WHERE status = 'resolved')::int AS resolved,
            count(*) FILTER (WHERE inhibited_by_id IS NOT NULL)::int AS inhibited,
            count(*) FILTER (WHERE priority IN ('P0', 'P1'))::int AS p0p1
     FROM alerts`,
  );
  const ev = await s.db.query(`SELECT type::text AS type, count(*)::int AS n FROM alert_events GROUP BY 1`);
  return { ...rows[0], events: Object.fromEntries(ev.rows.map((r) => [r.type, r.n])) };
}

/**
 * P0 POST → SMS: for each P0 alert and phone, from the POST of the line that opened the alert (the last
 * send of that host and message at or before the alert's first_seen_at) to the first SMS carrying it
 * (its notification's provider_id is the stand-in's sid), whether alone or in a summary.
 */
async function p0Latency(s, sends, smsBySid) {
  const { rows } = await s.db.query(
    `SELECT a.id, a.number::text AS number, a.host, a.message, a.status::text AS status, a.inhibited_by_id IS NOT NULL AS inhibited,
            extract(epoch FROM a.first_seen_at) * 1000 AS first_ms,
            n.address, n.status::text AS n_status, n.provider_id, n.error, extract(epoch FROM n.created_at) * 1000 AS row_ms
     FROM alerts a LEFT JOIN notifications n ON n.alert_id = a.id AND n.channel = 'sms' AND n.kind = 'page'
     WHERE a.priority = 'P0'`,
  );
  const sendTimes = new Map();
  for (const [a, at] of sends) {
    if (a.priority !== 'P0' || a.status !== 'PROBLEM') continue;
    const k = `${a.host}|${a.message}`;
    if (!sendTimes.has(k)) sendTimes.set(k, []);
    sendTimes.get(k).push(at);
  }
  for (const list of sendTimes.values()) list.sort((x, y) => x - y);
  const perAlertPhone = new Map();
  const notSent = {};
  const alerts = new Set();
  for (const r of rows) {
    alerts.add(r.id);
    if (!r.address) continue;
    const k = `${r.id}|${r.address}`;
    const sms = r.provider_id ? smsBySid.get(r.provider_id) : null;
    if (!sms) {
      if (!perAlertPhone.has(k)) notSent[r.n_status] = (notSent[r.n_status] ?? 0) + 1;
      continue;
    }
    const times = sendTimes.get(`${r.host}|${r.message}`) ?? [];
    const opened = times.filter((t) => t <= Number(r.first_ms) + 2).pop();
    if (opened === undefined) continue;
    const ms = sms.at - opened;
    const prev = perAlertPhone.get(k);
    // page row: when the worker planned the page (notifications.created_at); a folded P0's 60 s run from there
    if (!prev || ms < prev.ms) perAlertPhone.set(k, { ms, toRowMs: Number(r.row_ms) - opened, rowToSmsMs: sms.at - Number(r.row_ms), number: r.number, host: r.host, summary: SUMMARY.test(sms.body) });
  }
  const list = [...perAlertPhone.values()];
  // sent at once, or held back by the SMS budget (the SPEC lets a folded P0 wait up to 60 s from its page)
  const alone = list.filter((x) => x.rowToSmsMs < 5000);
  const folded = list.filter((x) => x.rowToSmsMs >= 5000);
  const worst = [...list].sort((a, b) => b.ms - a.ms).slice(0, 3).map((x) => ({ ...x, ms: round(x.ms, 1), toRowMs: round(x.toRowMs, 1), rowToSmsMs: round(x.rowToSmsMs, 1) }));
  return {
    p0Alerts: alerts.size,
    p0AlertsInhibited: rows.filter((r) => r.inhibited).length,
    paged: list.length,
    postToSmsMs: summarize(list.map((x) => x.ms)),
    // sent within 5 s of the page row / held back by the SMS budget; inSummary: how many of the latter went in a storm summary
    aloneMs: summarize(alone.map((x) => x.ms)),
    inSummaryMs: summarize(folded.map((x) => x.ms)),
    heldInSummary: folded.filter((x) => x.summary).length,
    // the two stages: POST → page row, page row → SMS
    postToPageRowMs: summarize(list.map((x) => x.toRowMs)),
    pageRowToSmsInSummaryMs: summarize(folded.map((x) => x.rowToSmsMs)),
    worst,
    pageNotificationsNotSent: notSent,
  };
}

/** The `storm` phase. */
export async function runStormPhase({ root, opts, log, remaining, isAborted, twilio, track, profDir }) {
  const alerts = stormAlerts({ total: opts.stormAlerts, durationMs: opts.stormDuration * 1000 });
  const requests = stormRequests(alerts);
  const mix = stormMix(alerts);
  const needed = opts.stormDuration + opts.stormSettle + 25;
  if (remaining() < needed) return { skipped: `storm: needs about ${needed} s, ${Math.floor(remaining())} s left under --max-time` };
  log(`storm: ${mix.alerts} alerts, ${mix.hosts} hosts, ${requests.length} requests over ${opts.stormDuration} s; default tiers and SMS budget; ${describeWorkers(opts.stormWorkers)} …`);
  const s = await startStormStack({ root, opts, log, twilio, mode: 'storm', workers: opts.stormWorkers, track, profDir });
  let sampler = null;
  try {
    const sms0 = twilio.messages.length;
    const im0 = s.im.requests.length;
    const infoBefore = await s.redis.info('memory');
    const redisBaseline = redisField(infoBefore, 'used_memory');
    let redisMax = redisBaseline;
    let rssMax = {};
    sampler = setInterval(async () => {
      try {
        redisMax = Math.max(redisMax, redisField(await s.redis.info('memory'), 'used_memory'));
      } catch {
        // sampled again shortly
      }
      for (const p of s.stack.processes) rssMax[p.name] = Math.max(rssMax[p.name] ?? 0, procMemory(p.pid).rssMB ?? 0);
    }, 250);
    const cpu0 = cpuSnapshot(s.stack.processes);
    const sent = await sendStorm({ s, requests, asFast: false, isAborted });
    const cpu1 = cpuSnapshot(s.stack.processes);
    log(`storm: sent in ${round((sent.end - sent.start) / 1000, 1)} s (latest request ${sent.lateMaxMs} ms behind schedule); statuses ${JSON.stringify(sent.statusCodes)}; waiting for triage …`);
    const tri = await waitTriaged(s, { timeoutS: Math.max(5, Math.min(60, remaining() - opts.stormSettle)), isAborted });
    const triagedAt = tri.done === null ? null : performance.timeOrigin + tri.done;
    // what falls due within the settle window: grouping windows (P1 30 s, P2 2 min from the first page),
    // folded P0s (60 s at most); the rest (SMS budget holds for P1/P2, 10 min) is reported as still held
    const horizon = sent.end + opts.stormSettle * 1000;
    log(`storm: triage ${tri.done ? 'done' : 'NOT done'} ${tri.done ? `${round((triagedAt - sent.end) / 1000, 1)} s after the last send` : ''}; settling up to ${opts.stormSettle} s for what falls due by then …`);
    let backlog;
    while (!isAborted()) {
      backlog = await notificationBacklog(s, horizon);
      if (backlog.inflight === 0 && backlog.due === 0) break;
      if (wallNow() > horizon + 5000 || remaining() < 5) break;
      await sleep(500);
    }
    await sleep(300); // a send that just finished reaches the stand-ins
    clearInterval(sampler);
    const settledAt = wallNow();
    const mem = Object.fromEntries(s.stack.processes.map((p) => [p.name, procMemory(p.pid)]));
    const infoAfter = await s.redis.info('memory');
    const sms = twilio.messages.slice(sms0);
    const smsBySid = new Map(sms.map((m) => [m.sid, m]));
    const imRequests = s.im.requests.slice(im0);
    const smtpCounts = s.smtp.snapshot().byRecipient;
    const phase = {
      mix,
      requests: requests.length,
      send: { seconds: round((sent.end - sent.start) / 1000, 1), statusCodes: sent.statusCodes, rejectedLines: sent.rejectedLines, http202Ms: sent.http202Ms, lateMaxMs: sent.lateMaxMs },
      triage: { done: tri.done !== null, accepted: tri.accepted, triaged: tri.triaged, jobs: tri.jobs, secondsAfterLastSend: triagedAt && round((triagedAt - sent.end) / 1000, 2) },
      settle: { seconds: round((settledAt - sent.end) / 1000, 1), horizonS: opts.stormSettle, backlogAtEnd: backlog },
      perPerson: perPerson({ sms, smtpCounts, imRequests }),
      totals: { sms: sms.length, smsSummaries: sms.filter((m) => SUMMARY.test(m.body)).length, email: s.smtp.messages, im: imRequests.length },
      notificationsByUser: await notificationsByUser(s),
      alerts: await alertSummary(s),
      p0: await p0Latency(s, sent.sends, smsBySid),
      duplicates: { standIn: standInDuplicates(sms), db: await dbDuplicates(s) },
      smsSamples: sms.slice(0, 3).map((m) => m.body).concat(sms.filter((m) => SUMMARY.test(m.body)).slice(0, 3).map((m) => m.body)),
      memory: {
        processes: Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, { ...v, maxSampledRssMB: round(rssMax[k] ?? 0, 1) }])),
        redis: {
          usedMemoryPeakMB: round(redisField(infoAfter, 'used_memory_peak') / 2 ** 20, 1),
          usedMemoryBeforeMB: round(redisBaseline / 2 ** 20, 1),
          usedMemoryMaxSampledMB: round(redisMax / 2 ** 20, 1),
          growthMaxMB: round((redisMax - redisBaseline) / 2 ** 20, 1),
          usedMemoryAfterMB: round(redisField(infoAfter, 'used_memory') / 2 ** 20, 1),
        },
      },
      cpuCores: cpuSince(cpu0, cpu1),
      processProblems: Object.fromEntries(s.stack.processes.filter((p) => p.problems > 0).map((p) => [p.name, { lines: p.problems, first: p.problemLines.slice(0, 5) }])),
    };
    const pp = Object.entries(phase.perPerson).map(([u, x]) => `${u} ${x.sms} SMS/${x.email} email/${x.im} IM`).join(', ');
    log(`storm: ${phase.totals.sms} SMS (${phase.totals.smsSummaries} summaries), ${phase.totals.email} email, ${phase.totals.im} IM; ${pp}; worst P0 ${phase.p0.postToSmsMs.max} ms`);
    return { phase };
  } finally {
    clearInterval(sampler);
    await s.close();
  }
}

/** The `scale` phase: one run per worker count. */
export async function runScalePhase({ root, opts, log, remaining, isAborted, twilio, track, profDir }) {
  const alerts = stormAlerts({ total: opts.stormAlerts, durationMs: opts.stormDuration * 1000 });
  const requests = stormRequests(alerts);
  const runs = {};
  for (const workers of opts.scaleWorkers) {
    if (isAborted()) break;
    if (remaining() < 40) {
      runs[`w${workers}`] = { skipped: 'not enough time left under --max-time' };
      continue;
    }
    log(`scale, ${workers} worker(s): starting …`);
    const s = await startStormStack({ root, opts, log, twilio, mode: 'scale', workers, track, profDir });
    try {
      const run = { workers };
      // (a) a standing triage backlog: 2,000 fingerprints × 10 copies enqueued while paused, then released
      const F = 2000;
      const C = 10;
      const bodies = [];
      for (let c = 0; c < C; c++) for (let f0 = 0; f0 < F; f0 += 100) bodies.push(Buffer.from(Array.from({ length: 100 }, (_, k) => alertLine(`scl-${f0 + k}`, 90 + c)).join('\n')));
      await Promise.all(s.queues.map((q) => q.pause()));
      const before = await triagedSoFar(s);
      await sendAll({ baseUrl: s.stack.baseUrl, token: s.stack.token, bodies, concurrency: 4, linesPerRequest: 100 });
      const cpuA = cpuSnapshot(s.stack.processes);
      const from = performance.now();
      await Promise.all(s.queues.map((q) => q.resume()));
      const b = await waitTriaged(s, { timeoutS: 60, isAborted, expected: before.alerts + F * C });
      run.backlog = {
        alerts: F * C,
        seconds: b.done && round((b.done - from) / 1000, 2),
        alertsPerSec: b.done && round((F * C) / ((b.done - from) / 1000), 0),
        cpuCores: cpuSince(cpuA, cpuSnapshot(s.stack.processes)),
      };
      log(`scale, ${workers} worker(s): backlog of ${F * C} triaged at ${run.backlog.alertsPerSec} alerts/s`);
      // (b) the storm's lines as fast as they go (8 requests in flight), every page its own SMS
      const sms0 = twilio.messages.length;
      const cpuB = cpuSnapshot(s.stack.processes);
      const triaged0 = (await triagedSoFar(s)).alerts;
      const sent = await sendStorm({ s, requests, asFast: true, concurrency: 8, isAborted });
      const tri = await waitTriaged(s, { timeoutS: 60, isAborted, expected: triaged0 + alerts.length });
      let backlog;
      while (!isAborted()) {
        backlog = await notificationBacklog(s, wallNow() + 1000);
        if (backlog.inflight === 0 && backlog.due === 0) break;
        if (wallNow() - sent.end > 60_000) break;
        await sleep(100);
      }
      await sleep(300);
      const cpu = cpuSince(cpuB, cpuSnapshot(s.stack.processes));
      const sms = twilio.messages.slice(sms0);
      const lastSms = sms.length ? Math.max(...sms.map((m) => m.at)) : null;
      const triagedAt = tri.done === null ? null : performance.timeOrigin + tri.done;
      run.storm = {
        alerts: alerts.length,
        statusCodes: sent.statusCodes,
        ingestSeconds: round((sent.end - sent.start) / 1000, 2),
        ingestAlertsPerSec: round(alerts.length / ((sent.end - sent.start) / 1000), 0),
        triaged: tri.done !== null,
        triageSeconds: triagedAt && round((triagedAt - sent.start) / 1000, 2),
        triagedAlertsPerSec: triagedAt && round(alerts.length / ((triagedAt - sent.start) / 1000), 0),
        sms: sms.length,
        lastSmsSeconds: lastSms && round((lastSms - sent.start) / 1000, 2),
        email: s.smtp.messages,
        im: s.im.requests.length,
        notificationsLeft: backlog,
        pagesByStatus: Object.fromEntries(
          (await s.db.query(`SELECT channel || ':' || status::text AS k, count(*)::int AS n FROM notifications WHERE kind = 'page' GROUP BY 1 ORDER BY 1`)).rows.map((r) => [r.k, r.n]),
        ),
        duplicates: { standIn: standInDuplicates(sms), db: await dbDuplicates(s) },
        alertsInDb: await alertSummary(s),
        cpuCores: cpu,
      };
      run.processProblems = Object.fromEntries(s.stack.processes.filter((p) => p.problems > 0).map((p) => [p.name, { lines: p.problems, first: p.problemLines.slice(0, 5) }]));
      const d = run.storm.duplicates;
      log(
        `scale, ${workers} worker(s): storm of ${alerts.length} triaged in ${run.storm.triageSeconds} s (${run.storm.triagedAlertsPerSec} alerts/s), ${sms.length} SMS, last at ${run.storm.lastSmsSeconds} s; ` +
          `duplicate PROBLEM SMS: ${d.standIn.duplicates} at the stand-in (${d.standIn.problemSmsWithNumber} checked), ${d.db.duplicates} in the database`,
      );
      runs[`w${workers}`] = run;
    } finally {
      await s.close();
    }
  }
  return { phase: runs };
}
