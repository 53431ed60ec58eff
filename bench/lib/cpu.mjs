// Where the CPU went during a phase: /proc accounting for the bench's own
// processes, PostgreSQL and Redis (all of their processes), and the machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux default
}

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function ticksByComm(names) {
  const out = Object.fromEntries(names.map((n) => [n, 0]));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = commOf(entry);
    for (const n of names) if (comm.startsWith(n)) out[n] += procTicks(entry);
  }
  return out;
}

function machineTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total, irq: (v[5] ?? 0) + (v[6] ?? 0), steal: v[7] ?? 0 };
}

/**
 * A snapshot of CPU time; `cpuSince(before, after)` turns two into cores used
 * on average (1.0 = one core fully busy) per component.
 */
export function cpuSnapshot(processes) {
  const self = process.cpuUsage();
  const byComm = ticksByComm(['postgres', 'redis-server']);
  return {
    at: process.hrtime.bigint(),
    bench: (self.user + self.system) / 1e6,
    procs: Object.fromEntries(processes.map((p) => [p.name, procTicks(p.pid) / clkTck])),
    postgres: byComm.postgres / clkTck,
    redis: byComm['redis-server'] / clkTck,
    machine: machineTicks(),
  };
}

export function cpuSince(before, after) {
  const wall = Number(after.at - before.at) / 1e9;
  const cores = (x) => Math.round((x / wall) * 100) / 100;
  const out = { seconds: Math.round(wall * 10) / 10, loadgen: cores(after.bench - before.bench) };
  for (const name of Object.keys(after.procs)) out[name] = cores(after.procs[name] - (before.procs[name] ?? 0));
  // processes that exited between the snapshots lose their ticks; clamp at 0
  out.postgres = Math.max(0, cores(after.postgres - before.postgres));
  out.redis = Math.max(0, cores(after.redis - before.redis));
  const dTotal = after.machine.total - before.machine.total;
  const dIdle = after.machine.idle - before.machine.idle;
  out.machineBusy = dTotal > 0 ? Math.round(((dTotal - dIdle) / dTotal) * 1000) / 10 : null; // percent of all cores
  out.machineCores = cores((dTotal - dIdle) / clkTck);
  // interrupts (loopback TCP is mostly softirq) and time the hypervisor took: nobody's process
  out.irq = cores((after.machine.irq - before.machine.irq) / clkTck);
  out.steal = cores((after.machine.steal - before.machine.steal) / clkTck);
  const known = out.loadgen + Object.keys(after.procs).reduce((a, n) => a + out[n], 0) + out.postgres + out.redis + out.irq + out.steal;
  // everything else on the machine: other people's work, other services
  out.other = Math.max(0, Math.round((out.machineCores - known) * 100) / 100);
  return out;
}
