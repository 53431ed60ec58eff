import type { ConfigPriority, SmsBudgetConfig } from '@klaxon/config';

/**
 * The per-person SMS budget (SPEC §5): at most `max` SMS in any `perMs` sliding window, counting every SMS
 * to that person. Once spent, further SMS pages are folded (not dropped) into one summary SMS that goes out
 * when the window frees a slot; a folded P0 waits at most {@link P0_MAX_FOLD_MS}, then goes even over budget.
 */

export const P0_MAX_FOLD_MS = 60_000;

/**
 * A folded P0's summary is due this long before {@link P0_MAX_FOLD_MS} runs
 * out: its delayed job, the send and the provider take time, more on a busy
 * machine. Due at the limit itself, a bench storm on a starved machine sent one
 * 0.6 s late (60.6 s).
 */
const P0_FOLD_MARGIN_MS = 3_000;

/** When the summary of a P0 folded since `p0Since` (ms) is due: early enough to be out within P0_MAX_FOLD_MS. */
export function p0SummaryDueAt(p0Since: number): number {
  return p0Since + P0_MAX_FOLD_MS - P0_FOLD_MARGIN_MS;
}

export type BudgetDecision = { send: 'now' } | { fold: true; releaseAt: Date };

function checkBudget(budget: SmsBudgetConfig): void {
  if (!Number.isInteger(budget.max) || budget.max < 1) throw new RangeError(`SMS budget max must be a positive integer, got ${budget.max}`);
  if (!Number.isFinite(budget.perMs) || budget.perMs <= 0) throw new RangeError(`SMS budget perMs must be positive, got ${budget.perMs}`);
}

/**
 * Whether an SMS to this person may go now. `sentAt` is the person's SMS history (older entries are
 * ignored; one sent at `t` holds a slot during `[t, t + perMs)`). When the budget is spent, the page is
 * folded until `releaseAt`: when the window frees a slot, but for a P0 no later than p0SummaryDueAt(now).
 */
export function budgetDecision(
  sentAt: readonly Date[],
  budget: SmsBudgetConfig,
  now: Date,
  priority: ConfigPriority,
): BudgetDecision {
  checkBudget(budget);
  const t = now.getTime();
  const held = sentAt
    .map((d) => d.getTime())
    .filter((s) => s <= t && s + budget.perMs > t)
    .sort((a, b) => a - b);
  if (held.length < budget.max) return { send: 'now' };
  // Slots free as the oldest sends leave the window; one more than the excess must leave.
  const freeing = held[held.length - budget.max] as number;
  let releaseAt = freeing + budget.perMs;
  if (priority === 'P0') releaseAt = Math.min(releaseAt, p0SummaryDueAt(t));
  return { fold: true, releaseAt: new Date(releaseAt) };
}

export interface FoldedAlert {
  priority: ConfigPriority;
  host: string;
  message: string;
}

export interface FoldedSummary {
  /** how many alerts the summary holds */
  count: number;
  /** the most urgent priority among them */
  priority: ConfigPriority;
  /** how many alerts have that priority */
  mostUrgentCount: number;
  /** distinct hosts, most urgent first (then in the order folded), at most `maxHosts` */
  hosts: string[];
  /** distinct hosts left out of `hosts` */
  moreHosts: number;
  /** the message more than half the alerts share, else null (`various`) */
  message: string | null;
}

function rank(priority: ConfigPriority): number {
  return Number(priority.slice(1));
}

/** What the summary SMS for folded pages should say. */
export function summarizeFolded(alerts: readonly FoldedAlert[], maxHosts = 3): FoldedSummary {
  if (alerts.length === 0) throw new RangeError('a folded summary needs at least one alert');
  const ordered = alerts
    .map((alert, index) => ({ alert, index }))
    .sort((a, b) => rank(a.alert.priority) - rank(b.alert.priority) || a.index - b.index)
    .map(({ alert }) => alert);
  const top = (ordered[0] as FoldedAlert).priority;
  const hosts = [...new Set(ordered.map((a) => a.host.trim()))];
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.message, (counts.get(a.message) ?? 0) + 1);
  let message: string | null = null;
  for (const [m, n] of counts) if (n * 2 > alerts.length) message = m;
  return {
    count: alerts.length,
    priority: top,
    mostUrgentCount: alerts.filter((a) => a.priority === top).length,
    hosts: hosts.slice(0, Math.max(0, maxHosts)),
    moreHosts: Math.max(0, hosts.length - Math.max(0, maxHosts)),
    message,
  };
}
