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
  policy?: string | null;
  silenced?: boolean;
  /** its flap episode, when flap detection has seen it (absent: not flapping) */
  flap?: AlertFlapState | null;
}

/**
 * Flap detection (the config's `flapping`): a PROBLEM that follows the source's
 * OK for the fingerprint's last alert within `windowMs` is a cycle; `cycles`
 * of them within the window reopen that alert as flapping instead of paging
 * again, and it resolves only after `stableForMs` without a PROBLEM.
 */
export interface FlapDetection {
  windowMs: number;
  cycles: number;
  stableForMs: number;
}

/** An alert's flap episode, as stored on the alert. */
export interface AlertFlapState {
  /** set while the alert is in a flap episode; the episode ends when it resolves */
  since: Date | null;
  /** the cycles counted for the episode: the N of `flapping ×N` */
  cycles: number;
  /** an OK held while flapping, cleared by a later PROBLEM */
  stableSince: Date | null;
  /** when the held OK makes it stable (stableSince + stableForMs) */
  stableUntil: Date | null;
}

/** The fingerprint's last alert, when it is not open: the one a cycle reopens. */
export interface LastAlertSnapshot {
  id: string;
  priority: Priority;
  tier: string | null;
  policy: string | null;
  silenced: boolean;
  lastProblemSeq: number;
  resolvedAt: Date | null;
  /** resolved by an OK report (or stable after flapping), not by a person */
  resolvedBySource: boolean;
  flapCycles: number;
}

export interface FingerprintFlapMemory {
  lastAlert: LastAlertSnapshot | null;
  /** times of the fingerprint's recent cycles, oldest first */
  cycles: readonly Date[];
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
  /** flap memory of the fingerprints that have any */
  flap?: ReadonlyMap<string, FingerprintFlapMemory>;
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
  /** set when this batch opened, resolved and reopened it as flapping */
  flap: AlertFlapState | null;
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
  /** a resolved alert reopened as flapping: firing again (acknowledged if it had been), resolution cleared */
  reopen: boolean;
  /** the alert's whole flap state, when this batch changed it (null: unchanged) */
  flap: AlertFlapState | null;
}

export type TimelineEventType = 'received' | 'deduplicated' | 'routed' | 'silenced' | 'resolved' | 'flapping';

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

export interface FlapMemoryRow {
  fingerprint: string;
  lastAlertId: string | null;
  /** recent cycles, oldest first, within the window and bounded */
  cycles: Date[];
}

/** An alert that is flapping got an OK: resolve it at `at` if it stayed stable (AlertRepository.resolveIfStable). */
export interface StabilityCheck {
  alertId: string;
  tier: string | null;
  at: Date;
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
  /** alerts that began flapping (reopened): one `flapping ×N` notice each, once per episode */
  flapNotices: FollowUp[];
  /** OKs held while flapping: check stability then */
  stabilityChecks: StabilityCheck[];
}

export interface TriagePlan {
  newAlerts: NewAlertRow[];
  updates: AlertUpdateRow[];
  events: TimelineEventRow[];
  okMemory: OkMemoryRow[];
  flapMemory: FlapMemoryRow[];
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
  policy: string | null;
  silenced: boolean;
  flap: AlertFlapState;
}

/** The fingerprint's last alert while none is open: what a cycle would reopen. */
interface Previous {
  working: Working;
  resolvedAt: Date | null;
  resolvedBySource: boolean;
}

const NOT_FLAPPING: AlertFlapState = { since: null, cycles: 0, stableSince: null, stableUntil: null };
/** cycles kept per fingerprint beyond what the threshold needs */
const CYCLE_HISTORY = 32;

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
 * - a PROBLEM older than an OK already seen (queues reorder) is counted into
 *   the alert its source resolved last, which stays resolved; without one it
 *   is kept as an alert that opened and resolved at once; either way it pages
 *   nobody. An older OK only counts as seen.
 * With `flapping` (flap detection, off when absent):
 * - a PROBLEM with no open alert whose last alert the source resolved within
 *   the window is a cycle; once the window holds `cycles` of them, it reopens
 *   that alert instead of opening one (no page; one `flapping` notice when the
 *   episode begins, only a `flapping` event for later cycles);
 * - an OK for a flapping alert is held: the alert stays open and is checked
 *   for stability `stableForMs` later; a newer PROBLEM meanwhile is another
 *   cycle.
 */
export function planTriage(
  items: readonly TriageItem[],
  state: TriageState,
  classify: (alert: QueuedAlert) => Classification,
  newId: () => string,
  /** the id of an active silence matching a new alert, or null */
  silenceFor: (alert: QueuedAlert, fingerprint: string) => string | null = () => null,
  flapping?: FlapDetection,
): TriagePlan {
  const plan: TriagePlan = {
    newAlerts: [],
    updates: [],
    events: [],
    okMemory: [],
    flapMemory: [],
    outcome: { opened: [], resolved: [], pages: [], recoveries: [], deduplicated: 0, stale: 0, okWithoutAlert: 0, flapNotices: [], stabilityChecks: [] },
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
      working.update = {
        id: working.id,
        countDelta: 0,
        lastSeenAt: null,
        lastProblemSeq: null,
        priority: null,
        tier: null,
        policy: null,
        resolvedAt: null,
        resolvedBy: null,
        reopen: false,
        flap: null,
      };
      plan.updates.push(working.update);
    }
    return working.update;
  };

  const setFlap = (working: Working, flap: AlertFlapState) => {
    working.flap = flap;
    touch(working).flap = { ...flap };
  };

  /** Counts a PROBLEM into the alert: count, last seen, newest PROBLEM. */
  const countProblem = (working: Working, report: QueuedAlert): NewAlertRow | AlertUpdateRow => {
    const change = touch(working);
    if ('countDelta' in change) change.countDelta++;
    else change.count++;
    // a report that queues delivered late never moves the last sighting back
    if (change.lastSeenAt === null || report.receivedAt > change.lastSeenAt.getTime()) change.lastSeenAt = new Date(report.receivedAt);
    if (report.seq > working.lastProblemSeq) {
      working.lastProblemSeq = report.seq;
      change.lastProblemSeq = report.seq;
    }
    return change;
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
      flap: null,
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
    return {
      id: row.id,
      tier: row.tier,
      row,
      update: null,
      priority: row.priority,
      lastProblemSeq: report.seq,
      deduplicated: 0,
      lastIngestId: null,
      policy: row.policy,
      silenced: row.silenced,
      flap: NOT_FLAPPING,
    };
  };

  /**
   * A cycle that reached the threshold: the last alert fires again instead of a new one. Its
   * acknowledgement, if any, stands (the writer restores `acknowledged`): whoever owns the problem
   * still owns it, and an acknowledged alert does not escalate.
   */
  const reopen = (previous: Previous, report: QueuedAlert, cycles: number): Working => {
    const working = previous.working;
    const at = new Date(report.receivedAt);
    const change = countProblem(working, report);
    change.resolvedAt = null;
    change.resolvedBy = null;
    if ('reopen' in change) change.reopen = true;
    // resolved earlier in this batch: it is open after all, so no recovery notice
    const resolved = plan.outcome.resolved.indexOf(working.id);
    if (resolved >= 0) plan.outcome.resolved.splice(resolved, 1);
    const recovery = plan.outcome.recoveries.findIndex((r) => r.alertId === working.id);
    if (recovery >= 0) plan.outcome.recoveries.splice(recovery, 1);
    setFlap(working, { since: at, cycles, stableSince: null, stableUntil: null });
    plan.events.push({ alertId: working.id, at, type: 'flapping', actor: null, via: null, detail: { cycles, status: 'PROBLEM', ingestId: report.id } });
    if (working.tier !== null && working.policy !== null && !working.silenced) {
      plan.outcome.flapNotices.push({ alertId: working.id, tier: working.tier });
    }
    if (moreUrgent(report.priority, working.priority)) escalatePriority(working, change, report);
    return working;
  };

  for (const [fingerprint, reports] of byFingerprint) {
    reports.sort((a, b) => a.seq - b.seq);
    const snapshot = state.open.get(fingerprint);
    let current: Working | null = snapshot
      ? {
          id: snapshot.id,
          tier: snapshot.tier,
          row: null,
          update: null,
          priority: snapshot.priority,
          lastProblemSeq: snapshot.lastProblemSeq,
          deduplicated: 0,
          lastIngestId: null,
          policy: snapshot.policy ?? null,
          silenced: snapshot.silenced ?? false,
          flap: snapshot.flap ?? NOT_FLAPPING,
        }
      : null;
    const known = state.lastOk.get(fingerprint);
    let lastOk: LastOk | null = known ?? null;
    /** this batch's alert for stale PROBLEMs of this fingerprint, so a burst of them is one alert */
    let staleAlert: Working | null = null;
    /** the resolved alert stale PROBLEMs were counted into */
    let straggledInto: Working | null = null;

    const memory = state.flap?.get(fingerprint);
    const knownLastAlertId = memory?.lastAlert?.id ?? null;
    let lastAlertId = knownLastAlertId;
    let cycleTimes = memory?.cycles.map((d) => d.getTime()) ?? [];
    let cyclesChanged = false;
    let previous: Previous | null = null;
    if (!current && memory?.lastAlert) {
      const last = memory.lastAlert;
      previous = {
        working: {
          id: last.id,
          tier: last.tier,
          row: null,
          update: null,
          priority: last.priority,
          lastProblemSeq: last.lastProblemSeq,
          deduplicated: 0,
          lastIngestId: null,
          policy: last.policy,
          silenced: last.silenced,
          flap: { ...NOT_FLAPPING, cycles: last.flapCycles },
        },
        resolvedAt: last.resolvedAt,
        resolvedBySource: last.resolvedBySource,
      };
    }
    /** records a cycle at `at` and returns how many the window ending there holds */
    const addCycle = (at: number, windowMs: number, threshold: number): number => {
      cycleTimes = [...cycleTimes.filter((t) => t > at - windowMs && t <= at), at].slice(-Math.max(threshold, CYCLE_HISTORY));
      cyclesChanged = true;
      return cycleTimes.length;
    };

    for (const report of reports) {
      const at = new Date(report.receivedAt);
      if (report.status === 'PROBLEM') {
        if (current) {
          const waitingForStable = flapping !== undefined && current.flap.since !== null && current.flap.stableSince !== null;
          if (waitingForStable && (lastOk === null || report.seq > lastOk.seq)) {
            // flapping, and it failed again before it was stable: another cycle, no notice
            const cycles = current.flap.cycles + 1;
            addCycle(at.getTime(), flapping.windowMs, flapping.cycles);
            const change = countProblem(current, report);
            setFlap(current, { since: current.flap.since, cycles, stableSince: null, stableUntil: null });
            const id = current.id;
            plan.outcome.stabilityChecks = plan.outcome.stabilityChecks.filter((c) => c.alertId !== id);
            plan.events.push({ alertId: id, at, type: 'flapping', actor: null, via: null, detail: { cycles, status: 'PROBLEM', ingestId: report.id } });
            if (moreUrgent(report.priority, current.priority)) escalatePriority(current, change, report);
            continue;
          }
          current.deduplicated++;
          current.lastIngestId = report.id;
          const change = countProblem(current, report);
          if (moreUrgent(report.priority, current.priority)) escalatePriority(current, change, report);
        } else if (lastOk !== null && report.seq < lastOk.seq) {
          plan.outcome.stale++;
          if (previous?.resolvedBySource) {
            // a straggler of the incident its source has just resolved (queues reorder): counted into that
            // alert, which stays resolved, rather than opening another
            previous.working.deduplicated++;
            previous.working.lastIngestId = report.id;
            countProblem(previous.working, report);
            straggledInto = previous.working;
          } else if (staleAlert?.row) {
            staleAlert.row.count++;
          } else {
            staleAlert = open(fingerprint, report, { at: lastOk.at, by: report.source });
          }
        } else {
          const isCycle =
            flapping !== undefined &&
            previous !== null &&
            previous.resolvedBySource &&
            previous.resolvedAt !== null &&
            at.getTime() - previous.resolvedAt.getTime() <= flapping.windowMs;
          const cycles = isCycle ? addCycle(at.getTime(), flapping.windowMs, flapping.cycles) : 0;
          current = isCycle && previous !== null && cycles >= flapping.cycles ? reopen(previous, report, cycles) : open(fingerprint, report, null);
          lastAlertId = current.id;
          previous = null;
        }
      } else {
        if (lastOk === null || report.seq > lastOk.seq) lastOk = { seq: report.seq, at };
        if (current && report.seq >= current.lastProblemSeq && flapping !== undefined && current.flap.since !== null) {
          // flapping: the OK is held until it has been stable for a while
          if (current.flap.stableSince === null) {
            const stableUntil = new Date(at.getTime() + flapping.stableForMs);
            setFlap(current, { ...current.flap, stableSince: at, stableUntil });
            flushDeduplicated(current);
            plan.events.push({
              alertId: current.id,
              at,
              type: 'flapping',
              actor: null,
              via: null,
              detail: { cycles: current.flap.cycles, status: 'OK', ingestId: report.id, stableUntil: stableUntil.toISOString() },
            });
            plan.outcome.stabilityChecks.push({ alertId: current.id, tier: current.tier, at: stableUntil });
          }
        } else if (current && report.seq >= current.lastProblemSeq) {
          const change = touch(current);
          change.resolvedAt = at;
          change.resolvedBy = report.source;
          // the episode ends when it resolves (here only if flap detection was turned off meanwhile)
          if (current.flap.since !== null || current.flap.stableSince !== null) setFlap(current, { ...NOT_FLAPPING, cycles: current.flap.cycles });
          flushDeduplicated(current);
          plan.events.push({ alertId: current.id, at, type: 'resolved', actor: report.source, via: 'source', detail: { ingestId: report.id } });
          plan.outcome.resolved.push(current.id);
          if (current.tier !== null) plan.outcome.recoveries.push({ alertId: current.id, tier: current.tier });
          previous = { working: current, resolvedAt: at, resolvedBySource: true };
          lastAlertId = current.id;
          current = null;
        } else if (current) {
          plan.outcome.stale++;
        } else {
          plan.outcome.okWithoutAlert++;
        }
      }
    }
    if (current) flushDeduplicated(current);
    if (straggledInto) flushDeduplicated(straggledInto);
    if (lastOk !== null && lastOk !== known) plan.okMemory.push({ fingerprint, lastOkSeq: lastOk.seq, lastOkAt: lastOk.at });
    // Remembered only for fingerprints that have had an OK: a flood of new fingerprints writes nothing more.
    if (flapping !== undefined && (lastAlertId !== knownLastAlertId || cyclesChanged) && (memory !== undefined || lastOk !== null)) {
      plan.flapMemory.push({ fingerprint, lastAlertId, cycles: cycleTimes.map((t) => new Date(t)) });
    }
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
    working.policy = route.policy;
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
