/*
 * Host-down inhibition, the pure part: which open alert, if any, holds another because its host is down.
 */

export interface InhibitionCandidate {
  id: string;
  priority: string;
  host: string;
  ip: string;
  message: string;
}

export interface OpenAlertOnHost extends InhibitionCandidate {
  number: number;
}

function rank(priority: string): number {
  const m = /^P([0-9])$/.exec(priority);
  return m ? Number(m[1]) : 10;
}

/** Whether the message says the whole host is down (`host is down`, `agent.alive`, `ping`, …). */
export function isHostDown(message: string, patterns: readonly RegExp[]): boolean {
  return patterns.some((p) => p.test(message));
}

/** Addresses many hosts report as their own: they say nothing about which host it is. */
const SHARED_ADDRESSES = new Set(['', '127.0.0.1', '0.0.0.0', '::1', '::']);

function sameHost(a: { host: string; ip: string }, b: { host: string; ip: string }): boolean {
  const host = a.host.trim().toLowerCase();
  const ip = a.ip.trim();
  return (host !== '' && host === b.host.trim().toLowerCase()) || (!SHARED_ADDRESSES.has(ip) && ip === b.ip.trim());
}

/**
 * The open host-down alert that holds `alert`, if any: one on the same host (case-insensitive) or the same
 * address (not a loopback or unspecified one), other than the alert itself, at least as urgent (a P3 `ping` never holds a P0). An alert that
 * itself says its host is down is never held. The most urgent holder wins, then the lowest number.
 */
export function holderOf<T extends OpenAlertOnHost>(alert: InhibitionCandidate, open: readonly T[], patterns: readonly RegExp[]): T | null {
  if (isHostDown(alert.message, patterns)) return null;
  let best: T | null = null;
  for (const other of open) {
    if (other.id === alert.id || !sameHost(alert, other) || !isHostDown(other.message, patterns)) continue;
    if (rank(other.priority) > rank(alert.priority)) continue;
    if (best === null || rank(other.priority) < rank(best.priority) || (rank(other.priority) === rank(best.priority) && other.number < best.number)) best = other;
  }
  return best;
}
