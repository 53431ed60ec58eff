import type { Priority } from '@klaxon/alert-format';
import type { QueuedAlert } from '@klaxon/queue';

/*
 * The pure core of triage: given a batch of accepted alerts and the current
 * state of their fingerprints, decide what changes. The repository loads the
 * state under per-fingerprint locks and writes the plan in one transaction.
 */

export interface TriageItem {
  alert: QueuedAlert;
  fingerprint: string;
}

export interface OpenAlertSnapshot {
  id: string;
  fingerprint: string;
  priority: Priority;
  tier: string | null;
  lastProblemSeq: number;
}

export interface LastOk {
  /** ingest sequence of the newest OK seen */
  seq: number;
  at: Date;
}

export interface TriageState {
  /** the open (firing or acknowledged) alert of each fingerprint, if any */
  open: ReadonlyMap<string, OpenAlertSnapshot>;
  /** the newest OK seen per fingerprint */
  lastOk: ReadonlyMap<string, LastOk>;
}

export interface Classification {
  tier: string | null;
  policy: string | null;
  route: number | null;
}

export interface NewAlertRow {
  id: string;
  fingerprint: string;
  dedupKey: string | null;
  priority: Priority;
  host: string;
  ip: string;
  message: string;
  source: string;
  labels: Record<string, string>;
  tier: string | null;
  policy: string | null;
  /** stored silenced (pages nobody) because an active silence matched it */
  silenced: boolean;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastProblemSeq: number;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export interface AlertUpdateRow {
  id: string;
  countDelta: number;
  lastSeenAt: Date | null;
  lastProblemSeq: number | null;
  /** a more urgent priority reported for the open alert, and its new tier and policy */
  priority: Priority | null;
  tier: string | null;
  policy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export type TimelineEventType = 'received' | 'deduplicated' | 'routed' | 'silenced' | 'resolved';

export interface TimelineEventRow {
  alertId: string;
  at: Date;
  type: TimelineEventType;
  actor: string | null;
  via: 'source' | null;
  detail: Record<string, unknown>;
}

export interface OkMemoryRow {
  fingerprint: string;
  lastOkSeq: number;
  lastOkAt: Date;
}

/** Work that follows a batch, by tier: whom to page, whom to tell of a recovery. */
export interface FollowUp {
  alertId: string;
  tier: string;
}

export interface TriageOutcome {
  opened: string[];
  resolved: string[];
  /** opened alerts with a policy to page */
  pages: FollowUp[];
  /** resolved alerts whose pages, if any, get a recovery notice */
  recoveries: FollowUp[];
  deduplicated: number;
  /** reports older than a newer report of the other kind (queues reorder): kept, but they change nothing */
  stale: number;
  okWithoutAlert: number;
}

export interface TriagePlan {
  newAlerts: NewAlertRow[];
  updates: AlertUpdateRow[];
  events: TimelineEventRow[];
  okMemory: OkMemoryRow[];
  outcome: TriageOutcome;
}

interface Working {
  id: string;
  tier: string | null;
  /** the row when this batch opens the alert, else the update of the open one */
  row: NewAlertRow | null;
  update: AlertUpdateRow | null;
  priority: Priority;
  lastProblemSeq: number;
  /** PROBLEM reports counted into it by this batch, beyond the one that opened it */
  deduplicated: number;
  lastIngestId: string | null;
}

/** P0 < P1 < …: lower is more urgent. */
function moreUrgent(a: Priority, b: Priority): boolean {
  return a < b;
}

/**
 * Applies a batch's reports to their fingerprints, in ingest order per
 * fingerprint:
 * - PROBLEM opens an alert, or counts into the open one (raising its priority,
 *   tier and policy when it is more urgent);
 * - OK resolves the open alert when it is newer than the last PROBLEM counted;
 * - a PROBLEM older than an OK already seen (queues reorder) is kept as an
 *   alert that opened and resolved at once, paging nobody; an older OK only
 *   counts as seen.
 */
export function planTriage(
  items: readonly TriageItem[],
  state: TriageState,
  classify: (alert: QueuedAlert) => Classification,
  newId: () => string,
  /** the id of an active silence matching a new alert, or null */
  silenceFor: (alert: QueuedAlert, fingerprint: string) => string | null = () => null,
): TriagePlan {
  const plan: TriagePlan = {
    newAlerts: [],
    updates: [],
    events: [],
    okMemory: [],
    outcome: { opened: [], resolved: [], pages: [], recoveries: [], deduplicated: 0, stale: 0, okWithoutAlert: 0 },
  };

  const byFingerprint = new Map<string, QueuedAlert[]>();
  for (const { alert, fingerprint } of items) {
    const list = byFingerprint.get(fingerprint);
    if (list) list.push(alert);
    else byFingerprint.set(fingerprint, [alert]);
  }

  const touch = (working: Working): NewAlertRow | AlertUpdateRow => {
    if (working.row) return working.row;
    if (!working.update) {
      working.update = { id: working.id, countDelta: 0, lastSeenAt: null, lastProblemSeq: null, priority: null, tier: null, policy: null, resolvedAt: null, resolvedBy: null };
      plan.updates.push(working.update);
    }
    return working.update;
  };

  const flushDeduplicated = (working: Working) => {
    if (working.deduplicated === 0) return;
    plan.events.push({
      alertId: working.id,
      at: new Date(),
      type: 'deduplicated',
      actor: null,
      via: null,
      detail: { count: working.deduplicated, lastIngestId: working.lastIngestId },
    });
    plan.outcome.deduplicated += working.deduplicated;
    working.deduplicated = 0;
  };

  const open = (fingerprint: string, report: QueuedAlert, resolvedBy: { at: Date; by: string } | null): Working => {
    const at = new Date(report.receivedAt);
    const route = classify(report);
    const silenceId = resolvedBy ? null : silenceFor(report, fingerprint);
    const row: NewAlertRow = {
      id: newId(),
      fingerprint,
      dedupKey: report.dedupKey ?? null,
      priority: report.priority,
      host: report.host,
      ip: report.ip,
      message: report.message,
      source: report.source,
      labels: report.labels ?? {},
      tier: route.tier,
      policy: route.policy,
      silenced: silenceId !== null,
      count: 1,
      firstSeenAt: at,
      lastSeenAt: at,
      lastProblemSeq: report.seq,
      resolvedAt: resolvedBy?.at ?? null,
      resolvedBy: resolvedBy?.by ?? null,
    };
    plan.newAlerts.push(row);
    plan.outcome.opened.push(row.id);
    plan.events.push({ alertId: row.id, at, type: 'received', actor: report.source, via: 'source', detail: receivedDetail(report) });
    if (route.policy !== null) {
      plan.events.push({ alertId: row.id, at, type: 'routed', actor: null, via: null, detail: { tier: route.tier, policy: route.policy, route: route.route } });
    }
    if (silenceId !== null) {
      plan.events.push({ alertId: row.id, at, type: 'silenced', actor: null, via: null, detail: { silenceId } });
    }
    if (resolvedBy) {
      plan.events.push({
        alertId: row.id,
        at: resolvedBy.at,
        type: 'resolved',
        actor: resolvedBy.by,
        via: 'source',
        detail: { reason: 'a newer OK had already arrived' },
      });
    } else if (route.policy !== null && route.tier !== null && silenceId === null) {
      plan.outcome.pages.push({ alertId: row.id, tier: route.tier });
    }
    return { id: row.id, tier: row.tier, row, update: null, priority: row.priority, lastProblemSeq: report.seq, deduplicated: 0, lastIngestId: null };
  };

  for (const [fingerprint, reports] of byFingerprint) {
    reports.sort((a, b) => a.seq - b.seq);
    const snapshot = state.open.get(fingerprint);
    let current: Working | null = snapshot
      ? { id: snapshot.id, tier: snapshot.tier, row: null, update: null, priority: snapshot.priority, lastProblemSeq: snapshot.lastProblemSeq, deduplicated: 0, lastIngestId: null }
      : null;
    const known = state.lastOk.get(fingerprint);
    let lastOk: LastOk | null = known ?? null;
    /** this batch's alert for stale PROBLEMs of this fingerprint, so a burst of them is one alert */
    let staleAlert: Working | null = null;

    for (const report of reports) {
      const at = new Date(report.receivedAt);
      if (report.status === 'PROBLEM') {
        if (current) {
          current.deduplicated++;
          current.lastIngestId = report.id;
          const change = touch(current);
          if ('countDelta' in change) change.countDelta++;
          else change.count++;
          change.lastSeenAt = at;
          if (report.seq > current.lastProblemSeq) {
            current.lastProblemSeq = report.seq;
            change.lastProblemSeq = report.seq;
          }
          if (moreUrgent(report.priority, current.priority)) escalatePriority(current, change, report);
        } else if (lastOk !== null && report.seq < lastOk.seq) {
          plan.outcome.stale++;
          if (staleAlert?.row) {
            staleAlert.row.count++;
          } else {
            staleAlert = open(fingerprint, report, { at: lastOk.at, by: report.source });
          }
        } else {
          current = open(fingerprint, report, null);
        }
      } else {
        if (lastOk === null || report.seq > lastOk.seq) lastOk = { seq: report.seq, at };
        if (current && report.seq >= current.lastProblemSeq) {
          const change = touch(current);
          change.resolvedAt = at;
          change.resolvedBy = report.source;
          flushDeduplicated(current);
          plan.events.push({ alertId: current.id, at, type: 'resolved', actor: report.source, via: 'source', detail: { ingestId: report.id } });
          plan.outcome.resolved.push(current.id);
          if (current.tier !== null) plan.outcome.recoveries.push({ alertId: current.id, tier: current.tier });
          current = null;
        } else if (current) {
          plan.outcome.stale++;
        } else {
          plan.outcome.okWithoutAlert++;
        }
      }
    }
    if (current) flushDeduplicated(current);
    if (lastOk !== null && lastOk !== known) plan.okMemory.push({ fingerprint, lastOkSeq: lastOk.seq, lastOkAt: lastOk.at });
  }
  return plan;

  /** A more urgent report for an open alert: it takes that priority, and the tier and policy that go with it. */
  function escalatePriority(working: Working, change: NewAlertRow | AlertUpdateRow, report: QueuedAlert): void {
    const route = classify(report);
    working.priority = report.priority;
    change.priority = report.priority;
    change.tier = route.tier;
    change.policy = route.policy;
    const tierChanged = route.tier !== working.tier;
    working.tier = route.tier;
    plan.events.push({
      alertId: working.id,
      at: new Date(report.receivedAt),
      type: 'routed',
      actor: null,
      via: null,
      detail: { tier: route.tier, policy: route.policy, route: route.route, priority: report.priority, reason: 'a more urgent report' },
    });
    // Paged again at the new tier: its channels may reach people the old one did not (a P3 digest → a P0 SMS).
    if (tierChanged && route.policy !== null && route.tier !== null) {
      const pages = plan.outcome.pages;
      const pending = pages.findIndex((p) => p.alertId === working.id);
      if (pending >= 0) pages.splice(pending, 1);
      pages.push({ alertId: working.id, tier: route.tier });
    }
  }
}

function receivedDetail(report: QueuedAlert): Record<string, unknown> {
  const detail: Record<string, unknown> = { ingestId: report.id, integration: report.integration };
  if (report.step !== undefined) detail.step = report.step;
  if (report.eventTime !== undefined) detail.eventTime = report.eventTime;
  return detail;
}
