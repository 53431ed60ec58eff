#!/usr/bin/env node
// Single-alert requests, Klaxon and Alertmanager taking turns: the machine's speed drifts within
// minutes (bench/README.md, "The machine"), and run.mjs measures each side once, two minutes apart.
// Here each side runs --rounds short rounds, alternating (K AM, AM K, K AM …), so both see the same
// machine; the ratio is the median of the rounds' ratios.
//
// Klaxon runs as `npm start` does (api, paging worker, bulk worker), its triage working during its own
// rounds; during Alertmanager's rounds its workers are stopped (SIGSTOP), so its backlog takes no CPU
// from Alertmanager, and continued after. Loopback only; about (2 × rounds × seconds + 40) s.
//   node bench/single-alternating.mjs [--rounds 8] [--seconds 5] [--connections 50] [--hosts 500]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AM_PATH, amSingleBodies, ensureAlertmanager, startAlertmanager } from './lib/alertmanager.mjs';
import { cpuSince, cpuSnapshot } from './lib/cpu.mjs';
import { runAutocannon, singleBodies } from './lib/load.mjs';
import { startReceiver } from './lib/receiver.mjs';
import { fmt, table } from './lib/report.mjs';
import { startStack } from './lib/stack.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    hosts: { type: 'string', default: '500' },
  },
});
const positive = (name, max) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${values[name]}`);
  return n;
};
const opts = { rounds: positive('rounds', 50), seconds: positive('seconds', 8), connections: positive('connections', 1000), hosts: positive('hosts', 100_000) };
const t0 = Date.now();
const log = (m) => console.log(`[alternating ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const problem = ensureAlertmanager(log);
if (problem) {
  console.error(`alternating: ${problem}`);
  process.exit(2);
}

const stack = await startStack({
  root: ROOT,
  adminUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  workers: ['paging', 'bulk'],
  log,
});
const receiver = await startReceiver();
let am = null;
const signalWorkers = (signal) => {
  for (const w of stack.workers) process.kill(w.pid, signal);
};
let exitCode = 0;
try {
  am = await startAlertmanager({ webhookUrl: `${receiver.baseUrl}/am`, log });
  const sides = {
    klaxon: {
      processes: [stack.api, ...stack.workers],
      load: (duration) => runAutocannon({ baseUrl: stack.baseUrl, token: stack.token, bodies: singleBodies('host-', opts.hosts), connections: opts.connections, duration, linesPerRequest: 1 }),
      // the api, its workers, and the PostgreSQL and Redis work they cause
      serverCores: (cpu) => cpu.api + cpu['worker-paging'] + cpu['worker-bulk'] + cpu.postgres + cpu.redis,
    },
    alertmanager: {
      processes: [am],
      load: (duration) =>
        runAutocannon({ baseUrl: am.baseUrl, token: null, bodies: amSingleBodies('host-', opts.hosts), connections: opts.connections, duration, linesPerRequest: 1, path: AM_PATH, contentType: 'application/json', okStatus: 200 }),
      serverCores: (cpu) => cpu.alertmanager,
    },
  };
  const turn = async (name, duration) => {
    const side = sides[name];
    if (name === 'alertmanager') signalWorkers('SIGSTOP');
    try {
      const cpu0 = cpuSnapshot(side.processes);
      const r = await side.load(duration);
      const cpu = cpuSince(cpu0, cpuSnapshot(side.processes));
      const requests = r.requestsCompleted;
      return {
        side: name,
        requestsPerSec: r.requestsPerSec,
        ok: r.responses202,
        non2xx: r.non2xx,
        p99Ms: r.latencyMs.p99,
        loadgenUsPerRequest: (cpu.loadgen * cpu.seconds * 1e6) / requests,
        serverUsPerRequest: (side.serverCores(cpu) * cpu.seconds * 1e6) / requests,
        machineBusy: cpu.machineBusy,
        cpu,
      };
    } finally {
      if (name === 'alertmanager') signalWorkers('SIGCONT');
    }
  };

  log(`warm-up: 2 s each, not counted`);
  await turn('klaxon', 2);
  await turn('alertmanager', 2);
  const rounds = [];
  for (let i = 0; i < opts.rounds; i++) {
    const order = i % 2 === 0 ? ['klaxon', 'alertmanager'] : ['alertmanager', 'klaxon'];
    const round = {};
    for (const name of order) round[name] = await turn(name, opts.seconds);
    round.ratio = round.klaxon.requestsPerSec / round.alertmanager.requestsPerSec;
    rounds.push(round);
    log(
      `round ${i + 1}/${opts.rounds}: Klaxon ${fmt(Math.round(round.klaxon.requestsPerSec))} req/s, Alertmanager ${fmt(Math.round(round.alertmanager.requestsPerSec))} req/s, ` +
        `${round.ratio.toFixed(2)}×`,
    );
  }
  const bad = rounds.flatMap((r) => [r.klaxon, r.alertmanager]).filter((t) => t.non2xx > 0);
  const rows = rounds.map((r, i) => [
    String(i + 1),
    fmt(Math.round(r.klaxon.requestsPerSec)),
    fmt(Math.round(r.alertmanager.requestsPerSec)),
    `${r.ratio.toFixed(2)}×`,
    `${r.klaxon.loadgenUsPerRequest.toFixed(1)} / ${r.alertmanager.loadgenUsPerRequest.toFixed(1)}`,
    `${r.klaxon.serverUsPerRequest.toFixed(1)} / ${r.alertmanager.serverUsPerRequest.toFixed(1)}`,
    `${r.klaxon.p99Ms} / ${r.alertmanager.p99Ms}`,
  ]);
  const summary = {
    klaxonRequestsPerSec: median(rounds.map((r) => r.klaxon.requestsPerSec)),
    alertmanagerRequestsPerSec: median(rounds.map((r) => r.alertmanager.requestsPerSec)),
    ratio: median(rounds.map((r) => r.ratio)),
    roundsKlaxonAhead: rounds.filter((r) => r.ratio > 1).length,
    klaxonServerUsPerRequest: median(rounds.map((r) => r.klaxon.serverUsPerRequest)),
    alertmanagerServerUsPerRequest: median(rounds.map((r) => r.alertmanager.serverUsPerRequest)),
  };
  rows.push([
    'median',
    fmt(Math.round(summary.klaxonRequestsPerSec)),
    fmt(Math.round(summary.alertmanagerRequestsPerSec)),
    `${summary.ratio.toFixed(2)}×`,
    '',
    `${summary.klaxonServerUsPerRequest.toFixed(1)} / ${summary.alertmanagerServerUsPerRequest.toFixed(1)}`,
    '',
  ]);
  console.log(
    `\nSingle-alert requests, ${opts.connections} connections, ${opts.rounds} rounds of ${opts.seconds} s per side, taking turns (${am.version}; Klaxon: api + paging + bulk worker)\n`,
  );
  console.log(table([['round', 'Klaxon req/s', 'AM req/s', 'K/AM', 'loadgen µs/req K / AM', 'server µs/req K / AM', 'p99 ms K / AM'], ...rows]));
  console.log(
    `\nKlaxon ahead in ${summary.roundsKlaxonAhead} of ${opts.rounds} rounds. server µs/req: Klaxon's api, workers, PostgreSQL and Redis; Alertmanager's process. ` +
      `Klaxon answers 202 once an alert is in Redis and triages it into PostgreSQL; Alertmanager answers 200 once it is in memory.` +
      (bad.length > 0 ? `\nNON-2xx answers in ${bad.length} turns: see the JSON.` : ''),
  );
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `alternating-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ tool: 'bench/single-alternating.mjs', startedAt: new Date(t0).toISOString(), options: opts, alertmanager: am.version, summary, rounds }, null, 2)}\n`);
  log(`results written to ${file}`);
  if (bad.length > 0) exitCode = 1;
} catch (err) {
  console.error(`alternating: ${err.stack ?? err}`);
  exitCode = 1;
} finally {
  try {
    signalWorkers('SIGCONT');
  } catch {
    // already gone
  }
  await am?.stop();
  await receiver.close();
  await stack.cleanup();
}
process.exit(exitCode);
