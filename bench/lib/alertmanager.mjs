// Prometheus Alertmanager, side by side with Klaxon: Debian's
// `prometheus-alertmanager` package, started by the bench on a free loopback
// port with a minimal config, a temp storage dir, clustering off, and one
// webhook receiver pointing at the bench's own receiver (bench/lib/receiver.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './stack.mjs';

export const AM_BINARY = '/usr/bin/prometheus-alertmanager';
export const AM_PATH = '/api/v2/alerts';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes sure the binary is there: installs Debian's package with apt-get when it
 * is missing and we are root. Returns null when ready, or why it is not.
 */
export function ensureAlertmanager(log) {
  if (existsSync(AM_BINARY)) return null;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return `${AM_BINARY} is missing and the bench is not root: install it with sudo apt-get install -y prometheus-alertmanager`;
  }
  log(`${AM_BINARY} missing: apt-get install -y prometheus-alertmanager (once; up to 5 min) …`);
  const t0 = Date.now();
  // policy-rc.d (when present, as in containers) keeps the package's own service from starting;
  // the bench only ever runs its own instance, on loopback.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => execFileSync('apt-get', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, encoding: 'utf8' });
  try {
    try {
      run(['install', '-y', '--no-install-recommends', 'prometheus-alertmanager']);
    } catch {
      // a stale package list is the usual reason
      run(['update']);
      run(['install', '-y', '--no-install-recommends', 'prometheus-alertmanager']);
    }
  } catch (err) {
    return `apt-get install prometheus-alertmanager failed: ${String(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`;
  }
  log(`prometheus-alertmanager installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return existsSync(AM_BINARY) ? null : `${AM_BINARY} still missing after apt-get install`;
}

export function alertmanagerVersion() {
  try {
    const out = execFileSync(AM_BINARY, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(out)?.[1] ?? out.split('\n')[0];
  } catch (err) {
    return /version (\S+)/.exec(String(err.stdout ?? '') + String(err.stderr ?? ''))?.[1] ?? 'unknown';
  }
}

/**
 * The config: every alert its own group (`group_by: ['...']`) sent at once
 * (`group_wait: 0s`) to the bench's webhook receiver.
 */
export function alertmanagerConfigYaml(webhookUrl) {
  return `# written by bench/run.mjs
route:
  receiver: bench
  group_by: ['...']
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 4h
receivers:
  - name: bench
    webhook_configs:
      - url: '${webhookUrl}'
        send_resolved: false
`;
}

/**
 * Starts Alertmanager on 127.0.0.1:<free port>, in memory apart from a temp
 * storage dir (silences and the notification log), clustering off
 * (`--cluster.listen-address=` binds no gossip port). Returns {baseUrl, pid,
 * name, version, lines, stop()}.
 */
export async function startAlertmanager({ webhookUrl, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfigYaml(webhookUrl));
  const port = await freePort();
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
  const child = spawn(AM_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const keep = (c) => {
    for (const l of c.toString('utf8').split('\n')) if (l) lines.length < 200 && lines.push(l);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  let last = '';
  while (true) {
    if (!running()) {
      await stop();
      throw new Error(`alertmanager exited while starting: ${lines.slice(-5).join(' | ')}`);
    }
    try {
      const res = await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
      last = String(res.status);
    } catch (err) {
      last = String(err.cause?.code ?? err.message);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager not ready at ${baseUrl} within 20 s (${last}): ${lines.slice(-5).join(' | ')}`);
    }
    await sleep(100);
  }
  log?.(`alertmanager ${alertmanagerVersion()} pid ${child.pid} at ${baseUrl} (webhook → ${webhookUrl})`);
  return { baseUrl, pid: child.pid, name: 'alertmanager', version: alertmanagerVersion(), lines, stop, running };
}

/** One alert in Alertmanager's API v2 shape: the same host, ip, priority and message as Klaxon's line. */
export function amAlert(host, message, priority = 'P3', ip = '10.0.0.1') {
  return { labels: { alertname: message.replace(/\s*\d+%?$/, '') || 'alert', host, instance: `${ip}:9100`, priority }, annotations: { summary: message } };
}

/** Klaxon's single-alert bodies (load.mjs singleBodies) as Alertmanager bodies: one alert per request, one per host. */
export function amSingleBodies(hostPrefix, hosts) {
  return Array.from({ length: hosts }, (_, i) => Buffer.from(JSON.stringify([amAlert(`${hostPrefix}${i}`, 'disk usage 91%')])));
}

/** Klaxon's batch bodies (load.mjs batchBodies): the same seeded host draws, as Alertmanager alert lists. */
export function amBatchBodies(prng, hostPrefix, hosts, lines, count = 64, priority = 'P3') {
  const rnd = prng(0x6b6c6178);
  return Array.from({ length: count }, () =>
    Buffer.from(JSON.stringify(Array.from({ length: lines }, () => amAlert(`${hostPrefix}${Math.floor(rnd() * hosts)}`, 'disk usage 91%', priority)))),
  );
}
