import { parseArgs } from 'node:util';

export const PHASES = ['idle', 'single', 'batch', 'am', 'triage', 'p0', 'storm', 'scale'];
/** the phases that use the bench's main Klaxon (the storm and scale phases start their own) */
export const MAIN_STACK_PHASES = ['idle', 'single', 'batch', 'triage', 'p0'];
const ALIASES = {
  ingest: ['single', 'batch'],
  compare: ['single', 'batch', 'am'],
  alertmanager: ['am'],
  latency: ['idle'],
  all: PHASES,
  'triage-live': ['triage'],
  backlog: ['triage'],
  paging: ['p0'],
};

export const USAGE = `Usage: npm run bench -- [options]

Starts its own Klaxon api + worker against a fresh database and a private Redis
key prefix on 127.0.0.1, measures, prints a table, writes bench/results/<time>.json
and cleans up after itself (processes, database, Redis keys).

Phases (--only, comma separated; default all):
  idle     unloaded latency: --idle-requests single alerts one at a time, 20 ms apart
  single   ingest, one alert per request (autocannon)
  batch    ingest, --batch-lines alerts per request (autocannon)
  triage   triage rate: a known set of alerts, ingest -> applied in PostgreSQL
           (live: worker running while they arrive; backlog: queue paused, then released)
  am       Prometheus Alertmanager side by side (installed with apt-get if missing and root): the single
           and batch loads against its POST /api/v2/alerts with the same alerts and load generator, and
           its alert -> webhook latency at idle (--am-latency-requests, one at a time)
  p0       paging latency: P0 POST -> SMS at a local Twilio stand-in, one at a time (idle), then
           every --p0-interval ms during a flood of P5 lines (flood)
  storm    storm replay: --storm-alerts lines across 500 hosts in --storm-duration s against its own Klaxon
           with several people, the default tiers and SMS budget; pages per person, total SMS, P0 latency,
           peak RSS, Redis memory
  scale    its own Klaxon with 1, then 2 workers (--scale-workers): a 20,000-alert triage backlog and the
           storm's lines as fast as they go; rates and a duplicate-page check
  ingest   = single,batch        compare = single,batch,am

Options:
  --duration <s>              seconds per ingest phase (default 10)
  --connections <n>           autocannon connections for ingest phases (default 50)
  --only <phases>             see above
  --idle-requests <n>         requests in the idle phase (default 200)
  --hosts <n>                 distinct hosts (fingerprints) in ingest phases (default 500)
  --batch-lines <n>           alert lines per request in the batch phase (default 100)
  --warmup <s>                unmeasured load before the first ingest phase (default 2; 0 = none)
  --triage-fingerprints <n>   distinct fingerprints in the triage phase (default 2000)
  --triage-copies <n>         copies of each (default 10)
  --triage-concurrency <n>    requests in flight while enqueueing them (default 4)
  --no-backlog                skip the paused-queue (backlog) triage measurement
  --p0-requests <n>           P0s in the p0 phase's idle part, one at a time (default 200)
  --p0-gap <ms>               pause after each idle P0's SMS (default 20)
  --p0-interval <ms>          one P0 every this often during the flood (default 50)
  --p0-flood-duration <s>     how long the P5 flood runs (default 10)
  --p0-flood-lines <n>        P5 lines per flood request (default 100)
  --p0-flood-connections <n>  flood connections (default 4)
  --p0-flood-rate <n>         cap the flood at n requests/s over all connections (default 0: as fast as they
                              go); autocannon sends each second's quota at once: one burst a second
  --p0-timeout <s>            longest wait for one P0's SMS (default 30)
  --p0-ip shared|unique       the P0s' address: 10.0.0.1 like every other bench alert (default), or one of
                              their own (10.200.x.y); host-down inhibition looks open alerts up by address
  --pause-worker              pause the triage queue during the ingest phases (ingest alone, no triage
                              competing for the cores); the backlog is triaged after each phase
  --workers <roles|n>         the main Klaxon's workers: roles (WORKER_ROLE: all, paging, bulk), comma separated,
                              or a number of workers that do everything (default paging,bulk: npm start's)
  --am-latency-requests <n>   alerts in Alertmanager's webhook-latency part (default 200; 0 = skip it)
  --storm-alerts <n>          lines in the storm (default 10000)
  --storm-duration <s>        the storm's length (default 60)
  --storm-settle <s>          after the storm, wait up to this long for what falls due (grouping windows,
                              folded P0s; default 65)
  --storm-workers <roles|n>   the storm phase's workers, as --workers (default paging,bulk)
  --scale-workers <list>      worker counts the scale phase compares (default 1,2)
  --drain-timeout <s>         longest wait for the queue to drain between phases (default 90)
  --wait-quiet <s>            first wait up to this long for the machine to be idle (< 0.3 cores busy
                              for 3 s in a row), for shared machines (default 0: don't wait; not counted in --max-time)
  --max-time <s>              hard cap for the whole run; phases that would not fit are skipped (default 480)
  --database-url <url>        admin connection (default postgresql://postgres@127.0.0.1:5432/postgres)
  --redis-url <url>           (default redis://127.0.0.1:6379)
  --prof                      run api and worker under node --cpu-prof; .cpuprofile files go to bench/results/prof-<time>/
                              (summarise: node bench/lib/cpuprofile-top.mjs <file>); slows them down, figures not comparable
  --out <file>                JSON result path (default bench/results/<timestamp>.json)
  --help`;

function int(name, value, min, max) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

const WORKER_ROLES = ['all', 'paging', 'bulk'];

/** A number of `all` workers, or a list of roles (each worker's WORKER_ROLE). */
function workersOption(name, value) {
  if (/^\d+$/.test(value.trim())) return int(name, value.trim(), 1, 16);
  const roles = value.split(',').map((r) => r.trim());
  const unknown = roles.find((r) => !WORKER_ROLES.includes(r));
  if (unknown !== undefined) throw new Error(`--${name} must be a number or roles among ${WORKER_ROLES.join(', ')}, got "${unknown}"`);
  const does = (lane) => roles.some((r) => r === 'all' || r === lane);
  if (!does('paging') || !does('bulk')) throw new Error(`--${name} "${value}" leaves a lane to nobody: give all, or paging and bulk`);
  if (roles.length > 16) throw new Error(`--${name}: at most 16 workers`);
  return roles;
}

function num(name, value, min, max) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

function loopbackUrl(name, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--${name} is not a URL: ${value}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`--${name} must point at loopback (127.0.0.1), got ${url.hostname}`);
  return value;
}

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      only: { type: 'string', default: 'all' },
      hosts: { type: 'string', default: '500' },
      'idle-requests': { type: 'string', default: '200' },
      'batch-lines': { type: 'string', default: '100' },
      warmup: { type: 'string', default: '2' },
      'triage-fingerprints': { type: 'string', default: '2000' },
      'triage-copies': { type: 'string', default: '10' },
      'triage-concurrency': { type: 'string', default: '4' },
      'no-backlog': { type: 'boolean', default: false },
      'p0-requests': { type: 'string', default: '200' },
      'p0-gap': { type: 'string', default: '20' },
      'p0-interval': { type: 'string', default: '50' },
      'p0-flood-duration': { type: 'string', default: '10' },
      'p0-flood-lines': { type: 'string', default: '100' },
      'p0-flood-connections': { type: 'string', default: '4' },
      'p0-flood-rate': { type: 'string', default: '0' },
      'p0-timeout': { type: 'string', default: '30' },
      'p0-ip': { type: 'string', default: 'shared' },
      'pause-worker': { type: 'boolean', default: false },
      workers: { type: 'string', default: 'paging,bulk' },
      'am-latency-requests': { type: 'string', default: '200' },
      'storm-alerts': { type: 'string', default: '10000' },
      'storm-duration': { type: 'string', default: '60' },
      'storm-settle': { type: 'string', default: '65' },
      'storm-workers': { type: 'string', default: 'paging,bulk' },
      'scale-workers': { type: 'string', default: '1,2' },
      'drain-timeout': { type: 'string', default: '90' },
      'max-time': { type: 'string', default: '480' },
      'wait-quiet': { type: 'string', default: '0' },
      'database-url': { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
      out: { type: 'string' },
      prof: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  const phases = new Set();
  for (const part of values.only.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (PHASES.includes(part)) phases.add(part);
    else if (ALIASES[part]) ALIASES[part].forEach((p) => phases.add(p));
    else throw new Error(`--only: unknown phase "${part}" (${PHASES.join(', ')}, ingest, compare, all)`);
  }
  const fingerprints = int('triage-fingerprints', values['triage-fingerprints'], 1, 1_000_000);
  const batchLines = int('batch-lines', values['batch-lines'], 1, 10_000);
  return {
    help: false,
    duration: num('duration', values.duration, 1, 600),
    connections: int('connections', values.connections, 1, 10_000),
    phases: PHASES.filter((p) => phases.has(p)),
    hosts: int('hosts', values.hosts, 1, 1_000_000),
    idleRequests: int('idle-requests', values['idle-requests'], 1, 100_000),
    batchLines,
    warmup: num('warmup', values.warmup, 0, 60),
    triageFingerprints: fingerprints,
    triageCopies: int('triage-copies', values['triage-copies'], 1, 10_000),
    triageConcurrency: int('triage-concurrency', values['triage-concurrency'], 1, 1000),
    // a request carries at most 100 lines of one copy, and never more than the fingerprints
    triageLinesPerRequest: Math.min(100, fingerprints),
    backlog: !values['no-backlog'],
    p0Requests: int('p0-requests', values['p0-requests'], 1, 100_000),
    p0GapMs: num('p0-gap', values['p0-gap'], 0, 600_000),
    p0IntervalMs: num('p0-interval', values['p0-interval'], 1, 60_000),
    p0FloodDuration: num('p0-flood-duration', values['p0-flood-duration'], 0, 600),
    p0FloodLines: int('p0-flood-lines', values['p0-flood-lines'], 1, 10_000),
    p0FloodConnections: int('p0-flood-connections', values['p0-flood-connections'], 1, 1000),
    p0FloodRate: int('p0-flood-rate', values['p0-flood-rate'], 0, 1_000_000),
    p0TimeoutS: num('p0-timeout', values['p0-timeout'], 1, 600),
    p0Ip: ['shared', 'unique'].includes(values['p0-ip']) ? values['p0-ip'] : (() => { throw new Error(`--p0-ip must be shared or unique, got "${values['p0-ip']}"`); })(),
    pauseWorker: values['pause-worker'],
    workers: workersOption('workers', values.workers),
    amLatencyRequests: int('am-latency-requests', values['am-latency-requests'], 0, 100_000),
    stormAlerts: int('storm-alerts', values['storm-alerts'], 2000, 1_000_000),
    stormDuration: num('storm-duration', values['storm-duration'], 1, 600),
    stormSettle: num('storm-settle', values['storm-settle'], 0, 600),
    stormWorkers: workersOption('storm-workers', values['storm-workers']),
    scaleWorkers: values['scale-workers'].split(',').map((x) => int('scale-workers', x.trim(), 1, 16)),
    drainTimeout: num('drain-timeout', values['drain-timeout'], 1, 3600),
    maxTime: num('max-time', values['max-time'], 10, 7200),
    waitQuiet: num('wait-quiet', values['wait-quiet'], 0, 3600),
    databaseUrl: loopbackUrl('database-url', values['database-url']),
    redisUrl: loopbackUrl('redis-url', values['redis-url']),
    out: values.out,
    prof: values.prof,
  };
}
