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
  lastProblemSeq: number;
}

export interface TriageState {
  /** the open (firing or acknowledged) alert of each fingerprint, if any */
  open: ReadonlyMap<string, OpenAlertSnapshot>;
  /** the newest OK seen per fingerprint (ingest sequence) */
  lastOkSeq: ReadonlyMap<string, number>;
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
  /** a more urgent priority reported for the open alert */
  priority: Priority | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export type TimelineEventType = 'received' | 'deduplicated' | 'routed' | 'resolved';

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

export interface TriageOutcome {
  opened: string[];
  resolved: string[];
  deduplicated: number;
  /** reports older than a newer report of the other kind (queues reorder): ignored */
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
  isNew: boolean;
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

export function planTriage(
  items: readonly TriageItem[],
  state: TriageState,
  classify: (alert: QueuedAlert) => Classification,
  newId: () => string,
): TriagePlan {
  const plan: TriagePlan = {
    newAlerts: [],
    updates: [],
    events: [],
    okMemory: [],
    outcome: { opened: [], resolved: [], deduplicated: 0, stale: 0, okWithoutAlert: 0 },
  };

  const byFingerprint = new Map<string, QueuedAlert[]>();
  for (const { alert, fingerprint } of items) {
    const list = byFingerprint.get(fingerprint);
    if (list) list.push(alert);
    else byFingerprint.set(fingerprint, [alert]);
  }

  for (const [fingerprint, reports] of byFingerprint) {
    reports.sort((a, b) => a.seq - b.seq);
    const snapshot = state.open.get(fingerprint);
    let current: Working | null = snapshot
      ? {
          id: snapshot.id,
          isNew: false,
          row: null,
          update: null,
          priority: snapshot.priority,
          lastProblemSeq: snapshot.lastProblemSeq,
          deduplicated: 0,
          lastIngestId: null,
        }
      : null;
    const knownOk = state.lastOkSeq.get(fingerprint);
    let lastOk = knownOk ?? Number.NEGATIVE_INFINITY;

    const close = (working: Working) => {
      if (working.deduplicated > 0) {
        plan.events.push({
          alertId: working.id,
          at: new Date(),
          type: 'deduplicated',
          actor: null,
          via: null,
          detail: { count: working.deduplicated, lastIngestId: working.lastIngestId },
        });
        plan.outcome.deduplicated += working.deduplicated;
      }
    };

    for (const report of reports) {
      const at = new Date(report.receivedAt);
      if (report.status === 'PROBLEM') {
        if (current) {
          current.deduplicated++;
          current.lastIngestId = report.id;
          const update = current.row ?? touchUpdate(current);
          if ('countDelta' in update) update.countDelta++;
          else update.count++;
          update.lastSeenAt = at;
          if (report.seq > current.lastProblemSeq) {
            current.lastProblemSeq = report.seq;
            update.lastProblemSeq = report.seq;
          }
          if (moreUrgent(report.priority, current.priority)) {
            current.priority = report.priority;
            update.priority = report.priority;
          }
        } else if (report.seq < lastOk) {
          plan.outcome.stale++;
        } else {
          const route = classify(report);
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
            count: 1,
            firstSeenAt: at,
            lastSeenAt: at,
            lastProblemSeq: report.seq,
            resolvedAt: null,
            resolvedBy: null,
          };
          plan.newAlerts.push(row);
          plan.outcome.opened.push(row.id);
          plan.events.push({
            alertId: row.id,
            at,
            type: 'received',
            actor: report.source,
            via: 'source',
            detail: receivedDetail(report),
          });
          if (route.policy !== null) {
            plan.events.push({
              alertId: row.id,
              at,
              type: 'routed',
              actor: null,
              via: null,
              detail: { tier: route.tier, policy: route.policy, route: route.route },
            });
          }
          current = {
            id: row.id,
            isNew: true,
            row,
            update: null,
            priority: row.priority,
            lastProblemSeq: report.seq,
            deduplicated: 0,
            lastIngestId: null,
          };
        }
      } else {
        lastOk = Math.max(lastOk, report.seq);
        if (current && report.seq >= current.lastProblemSeq) {
          const update = current.row ?? touchUpdate(current);
          update.resolvedAt = at;
          update.resolvedBy = report.source;
          close(current);
          plan.events.push({
            alertId: current.id,
            at,
            type: 'resolved',
            actor: report.source,
            via: 'source',
            detail: { ingestId: report.id },
          });
          plan.outcome.resolved.push(current.id);
          current = null;
        } else if (current) {
          plan.outcome.stale++;
        } else {
          plan.outcome.okWithoutAlert++;
        }
      }
    }
    if (current) close(current);
    if (lastOk !== Number.NEGATIVE_INFINITY && lastOk !== knownOk) {
      const okReport = reports.find((r) => r.seq === lastOk);
      plan.okMemory.push({ fingerprint, lastOkSeq: lastOk, lastOkAt: new Date(okReport?.receivedAt ?? Date.now()) });
    }
  }

  return plan;

  function touchUpdate(working: Working): AlertUpdateRow {
    if (!working.update) {
      working.update = {
        id: working.id,
        countDelta: 0,
        lastSeenAt: null,
        lastProblemSeq: null,
        priority: null,
        resolvedAt: null,
        resolvedBy: null,
      };
      plan.updates.push(working.update);
    }
    return working.update;
  }
}

function receivedDetail(report: QueuedAlert): Record<string, unknown> {
  const detail: Record<string, unknown> = { ingestId: report.id, integration: report.integration };
  if (report.step !== undefined) detail.step = report.step;
  if (report.eventTime !== undefined) detail.eventTime = report.eventTime;
  return detail;
}
