import type { QueuedAlert } from '@klaxon/queue';
import { fingerprintOf } from './fingerprint';
import {
  planTriage,
  type AlertFlapState,
  type Classification,
  type FlapDetection,
  type LastAlertSnapshot,
  type TriageItem,
  type TriagePlan,
  type TriageState,
} from './triage-plan';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MIN = 60_000;
let seq = 5_000;
/** A report `atMin` minutes after T0; seq grows with every call, so call in ingest order. */
function report(status: 'PROBLEM' | 'OK', atMin: number, overrides: Partial<QueuedAlert> = {}): QueuedAlert {
  seq += 1;
  return {
    id: `in-${seq}`,
    seq,
    receivedAt: T0 + atMin * MIN,
    integration: 'falcon',
    source: 'falcon',
    priority: 'P1',
    status,
    host: 'web-01',
    ip: '10.0.0.1',
    message: 'cpu high',
    ...overrides,
  };
}
/** PROBLEM and OK alternating at the given minutes, starting with PROBLEM. */
const alternating = (...minutes: number[]): QueuedAlert[] => minutes.map((m, i) => report(i % 2 === 0 ? 'PROBLEM' : 'OK', m));
const items = (...alerts: QueuedAlert[]): TriageItem[] => alerts.map((alert) => ({ alert, fingerprint: fingerprintOf(alert) }));
const FP = fingerprintOf(report('PROBLEM', 0));
const empty: TriageState = { open: new Map(), lastOk: new Map(), flap: new Map() };
const route = (): Classification => ({ tier: 'high', policy: 'ops', route: 0 });
let ids = 0;
const newId = () => `alert-${++ids}`;
const flapping = (cycles = 1, windowMin = 10, stableMin = 5): FlapDetection => ({ windowMs: windowMin * MIN, cycles, stableForMs: stableMin * MIN });
const plan = (reports: QueuedAlert[], state: TriageState = empty, config: FlapDetection | undefined = flapping()): TriagePlan =>
  planTriage(items(...reports), state, route, newId, undefined, config);
const at = (min: number) => new Date(T0 + min * MIN);
const flapEvents = (p: TriagePlan) => p.events.filter((e) => e.type === 'flapping').map((e) => e.detail);

function lastAlert(overrides: Partial<LastAlertSnapshot> = {}): LastAlertSnapshot {
  return {
    id: 'last-1',
    priority: 'P1',
    tier: 'high',
    policy: 'ops',
    silenced: false,
    lastProblemSeq: 1,
    resolvedAt: at(0),
    resolvedBySource: true,
    flapCycles: 0,
    ...overrides,
  };
}
/** A fingerprint with no open alert whose last alert is `last`, with an OK seen at `okMin`. */
function afterResolution(last: LastAlertSnapshot, okMin = 0, cycles: Date[] = []): TriageState {
  return {
    open: new Map(),
    lastOk: new Map([[FP, { seq: 2, at: at(okMin) }]]),
    flap: new Map([[FP, { lastAlert: last, cycles }]]),
  };
}
/** A fingerprint whose open alert is in a flap episode. */
function flappingOpen(flap: Partial<AlertFlapState> = {}, lastOkSeq = 2): TriageState {
  return {
    open: new Map([
      [
        FP,
        {
          id: 'open-1',
          fingerprint: FP,
          priority: 'P1',
          tier: 'high',
          policy: 'ops',
          silenced: false,
          lastProblemSeq: 1,
          flap: { since: at(0), cycles: 1, stableSince: null, stableUntil: null, ...flap },
        },
      ],
    ]),
    lastOk: new Map([[FP, { seq: lastOkSeq, at: at(0) }]]),
    flap: new Map([[FP, { lastAlert: null, cycles: [at(0)] }]]),
  };
}

describe('planTriage with flap detection', () => {
  describe('cycles below and at the threshold', () => {
    it.each([
      // threshold, minutes of PROBLEM/OK/PROBLEM/…, alerts opened, pages, flap notices, count of the last alert
      { threshold: 1, minutes: [0, 1, 2], alerts: 1, pages: 1, notices: 1, count: 2 },
      { threshold: 2, minutes: [0, 1, 2], alerts: 2, pages: 2, notices: 0, count: 1 },
      { threshold: 2, minutes: [0, 1, 2, 3, 4], alerts: 2, pages: 2, notices: 1, count: 2 },
      { threshold: 3, minutes: [0, 1, 2, 3, 4], alerts: 3, pages: 3, notices: 0, count: 1 },
      { threshold: 3, minutes: [0, 1, 2, 3, 4, 5, 6], alerts: 3, pages: 3, notices: 1, count: 2 },
    ])('threshold $threshold, reports at $minutes min: $alerts alerts, $pages pages, $notices notices', ({ threshold, minutes, alerts, pages, notices, count }) => {
      const p = plan(alternating(...minutes), empty, flapping(threshold));
      expect(p.newAlerts).toHaveLength(alerts);
      expect(p.outcome.pages).toHaveLength(pages);
      expect(p.outcome.flapNotices).toHaveLength(notices);
      const last = p.newAlerts[p.newAlerts.length - 1]!;
      expect(last).toMatchObject({ count, resolvedAt: null });
      // the alert that ends the batch open is never also announced as recovered
      expect(p.outcome.recoveries.map((r) => r.alertId)).not.toContain(last.id);
    });

    it('reopens the same alert as flapping ×1 instead of paging again (threshold 1)', () => {
      const p = plan(alternating(0, 1, 2));
      const [alert] = p.newAlerts;
      expect(alert).toMatchObject({ count: 2, resolvedAt: null, resolvedBy: null, flap: { since: at(2), cycles: 1, stableSince: null, stableUntil: null } });
      expect(p.outcome.pages).toEqual([{ alertId: alert!.id, tier: 'high' }]);
      expect(p.outcome.flapNotices).toEqual([{ alertId: alert!.id, tier: 'high' }]);
      expect(p.outcome.resolved).toEqual([]);
      expect(p.outcome.recoveries).toEqual([]);
      expect(p.events.map((e) => e.type)).toEqual(['received', 'routed', 'resolved', 'flapping']);
      expect(flapEvents(p)).toEqual([expect.objectContaining({ cycles: 1, status: 'PROBLEM' })]);
    });

    it('opens and pages a new alert for every cycle without flap detection (the default)', () => {
      const p = planTriage(items(...alternating(0, 1, 2, 3, 4)), empty, route, newId);
      expect(p.newAlerts).toHaveLength(3);
      expect(p.outcome.pages).toHaveLength(3);
      expect(p.outcome.flapNotices).toEqual([]);
      expect(p.flapMemory).toEqual([]);
    });

    it('reopens an alert resolved in an earlier batch, keeping it unpaged', () => {
      const p = plan([report('PROBLEM', 3)], afterResolution(lastAlert({ resolvedAt: at(1) }), 1));
      expect(p.newAlerts).toEqual([]);
      expect(p.updates).toEqual([
        expect.objectContaining({ id: 'last-1', reopen: true, countDelta: 1, resolvedAt: null, flap: { since: at(3), cycles: 1, stableSince: null, stableUntil: null } }),
      ]);
      expect(p.outcome.pages).toEqual([]);
      expect(p.outcome.opened).toEqual([]);
      expect(p.outcome.flapNotices).toEqual([{ alertId: 'last-1', tier: 'high' }]);
      expect(p.flapMemory).toEqual([{ fingerprint: FP, lastAlertId: 'last-1', cycles: [at(3)] }]);
    });

    it('reopens a silenced alert silently: flapping, but no notice', () => {
      const p = plan([report('PROBLEM', 3)], afterResolution(lastAlert({ silenced: true, resolvedAt: at(1) }), 1));
      expect(p.updates).toEqual([expect.objectContaining({ id: 'last-1', reopen: true })]);
      expect(p.outcome.flapNotices).toEqual([]);
    });

    it('pages at the new tier when the reopening report is more urgent', () => {
      const byPriority = (a: QueuedAlert): Classification => (a.priority === 'P0' ? { tier: 'critical', policy: 'ops', route: 0 } : route());
      const p = planTriage(items(report('PROBLEM', 3, { priority: 'P0' })), afterResolution(lastAlert({ resolvedAt: at(1) }), 1), byPriority, newId, undefined, flapping());
      expect(p.updates).toEqual([expect.objectContaining({ id: 'last-1', reopen: true, priority: 'P0', tier: 'critical' })]);
      expect(p.outcome.pages).toEqual([{ alertId: 'last-1', tier: 'critical' }]);
    });
  });

  describe('the window', () => {
    it.each([
      // minutes between the source's OK and the next PROBLEM (window 10 min)
      { gapMs: 9 * MIN, reopened: true },
      { gapMs: 10 * MIN, reopened: true },
      { gapMs: 10 * MIN + 1, reopened: false },
      { gapMs: 60 * MIN, reopened: false },
    ])('a PROBLEM $gapMs ms after the OK: reopened $reopened', ({ gapMs, reopened }) => {
      const problem = report('PROBLEM', 0, { receivedAt: T0 + gapMs });
      const p = plan([problem], afterResolution(lastAlert({ resolvedAt: at(0) })));
      expect(p.newAlerts).toHaveLength(reopened ? 0 : 1);
      expect(p.outcome.pages).toHaveLength(reopened ? 0 : 1);
      expect(p.outcome.flapNotices).toHaveLength(reopened ? 1 : 0);
    });

    it.each([
      // threshold 2: earlier cycles remembered for the fingerprint, and the new one at minute 20
      { earlier: [15], flapping: true },
      { earlier: [10.5], flapping: true },
      { earlier: [10], flapping: false },
      { earlier: [2, 5, 9], flapping: false },
    ])('with earlier cycles at $earlier min, a cycle at 20 min is flapping: $flapping', ({ earlier, flapping: expected }) => {
      const p = plan([report('PROBLEM', 20)], afterResolution(lastAlert({ resolvedAt: at(19) }), 19, earlier.map(at)), flapping(2));
      expect(p.outcome.flapNotices).toHaveLength(expected ? 1 : 0);
      expect(p.newAlerts).toHaveLength(expected ? 0 : 1);
      // the memory keeps only the cycles still in the window, and the new one
      expect(p.flapMemory[0]!.cycles).toEqual([...earlier.filter((m) => m > 10).map(at), at(20)]);
    });

    it('counts cycles in one batch by report time, so slow cycles never add up', () => {
      // PROBLEM/OK every 8 minutes: each PROBLEM is within 10 min of the OK before it, but two cycles never fit in one window
      const p = plan(alternating(0, 4, 12, 16, 24, 28, 36), empty, flapping(2, 10));
      expect(p.outcome.flapNotices).toEqual([]);
      expect(p.newAlerts).toHaveLength(4);
    });
  });

  describe('an OK while flapping', () => {
    it('is held: the alert stays open and is checked for stability stableFor later', () => {
      const p = plan([report('OK', 4)], flappingOpen());
      expect(p.outcome.resolved).toEqual([]);
      expect(p.outcome.recoveries).toEqual([]);
      expect(p.updates).toEqual([
        expect.objectContaining({ id: 'open-1', resolvedAt: null, flap: { since: at(0), cycles: 1, stableSince: at(4), stableUntil: at(9) } }),
      ]);
      expect(p.outcome.stabilityChecks).toEqual([{ alertId: 'open-1', tier: 'high', at: at(9) }]);
      expect(flapEvents(p)).toEqual([expect.objectContaining({ cycles: 1, status: 'OK', stableUntil: at(9).toISOString() })]);
      expect(p.okMemory).toEqual([expect.objectContaining({ fingerprint: FP, lastOkAt: at(4) })]);
    });

    it('keeps the first OK as the stable time when more OKs follow', () => {
      const p = plan([report('OK', 4), report('OK', 6)], flappingOpen());
      expect(p.outcome.stabilityChecks).toEqual([{ alertId: 'open-1', tier: 'high', at: at(9) }]);
      expect(p.updates[0]!.flap).toMatchObject({ stableSince: at(4) });
    });

    it('resolves as before when flap detection has been turned off', () => {
      const p = planTriage(items(report('OK', 4)), flappingOpen(), route, newId);
      expect(p.outcome.resolved).toEqual(['open-1']);
      expect(p.updates).toEqual([expect.objectContaining({ id: 'open-1', resolvedAt: at(4), flap: { since: null, cycles: 1, stableSince: null, stableUntil: null } })]);
    });

    it('ignores an OK older than the newest PROBLEM (stale)', () => {
      const stale = report('OK', 4);
      const state = flappingOpen();
      const open = state.open.get(FP)!;
      const p = plan([stale], { ...state, open: new Map([[FP, { ...open, lastProblemSeq: stale.seq + 1 }]]) });
      expect(p.outcome.stabilityChecks).toEqual([]);
      expect(p.outcome.stale).toBe(1);
    });
  });

  describe('a PROBLEM during the stable wait', () => {
    it('is another cycle: count and ×N go up, the wait is cancelled, nobody is told', () => {
      const heldOk = report('OK', 4);
      const state = flappingOpen({ cycles: 2, stableSince: at(4), stableUntil: at(9) }, heldOk.seq);
      const p = plan([report('PROBLEM', 6)], state);
      expect(p.updates).toEqual([expect.objectContaining({ id: 'open-1', countDelta: 1, flap: { since: at(0), cycles: 3, stableSince: null, stableUntil: null } })]);
      expect(flapEvents(p)).toEqual([expect.objectContaining({ cycles: 3, status: 'PROBLEM' })]);
      expect(p.outcome.flapNotices).toEqual([]);
      expect(p.outcome.pages).toEqual([]);
      expect(p.outcome.deduplicated).toBe(0);
    });

    it('drops the stability check of an OK earlier in the same batch', () => {
      const p = plan([report('OK', 4), report('PROBLEM', 5)], flappingOpen());
      expect(p.outcome.stabilityChecks).toEqual([]);
      expect(p.updates[0]!.flap).toEqual({ since: at(0), cycles: 2, stableSince: null, stableUntil: null });
    });

    it('does not count a PROBLEM older than the held OK (queues reorder): it only counts into the alert', () => {
      const late = report('PROBLEM', 3);
      const heldOk = report('OK', 4);
      const state = flappingOpen({ stableSince: at(4), stableUntil: at(9) }, heldOk.seq);
      const p = plan([late], state);
      expect(p.updates).toEqual([expect.objectContaining({ countDelta: 1, flap: null })]);
      expect(flapEvents(p)).toEqual([]);
      expect(p.outcome.deduplicated).toBe(1);
    });

    it('is an ordinary repeat while no OK is held', () => {
      const p = plan([report('PROBLEM', 3)], flappingOpen());
      expect(p.updates).toEqual([expect.objectContaining({ countDelta: 1, flap: null })]);
      expect(p.outcome.deduplicated).toBe(1);
    });
  });

  describe('one notice per episode', () => {
    it.each([
      { minutes: [0, 1, 2, 3, 4], cycles: [1, 2], count: 3 },
      { minutes: [0, 1, 2, 3, 4, 5, 6, 7, 8], cycles: [1, 2, 3, 4], count: 5 },
    ])('reports at $minutes min: one alert, one notice, flapping events ×$cycles', ({ minutes, cycles, count }) => {
      const p = plan(alternating(...minutes));
      expect(p.newAlerts).toEqual([expect.objectContaining({ count, resolvedAt: null })]);
      expect(p.outcome.flapNotices).toHaveLength(1);
      expect(flapEvents(p).filter((d) => d.status === 'PROBLEM').map((d) => d.cycles)).toEqual(cycles);
      expect(p.outcome.stabilityChecks).toEqual([]);
    });

    it('counts the cycles of an ongoing episode on from the stored ×N', () => {
      const p = plan([report('OK', 4), report('PROBLEM', 5), report('OK', 6), report('PROBLEM', 7), report('OK', 8)], flappingOpen({ cycles: 5 }));
      expect(p.outcome.flapNotices).toEqual([]);
      expect(flapEvents(p).map((d) => [d.status, d.cycles])).toEqual([
        ['OK', 5],
        ['PROBLEM', 6],
        ['OK', 6],
        ['PROBLEM', 7],
        ['OK', 7],
      ]);
      expect(p.outcome.stabilityChecks).toEqual([{ alertId: 'open-1', tier: 'high', at: at(13) }]);
    });

    it('starts a new episode, with a new notice, when it fires again after it resolved stable', () => {
      const p = plan([report('PROBLEM', 20)], afterResolution(lastAlert({ resolvedAt: at(15), flapCycles: 4 }), 10, [at(12)]));
      expect(p.outcome.flapNotices).toEqual([{ alertId: 'last-1', tier: 'high' }]);
      expect(flapEvents(p)).toEqual([expect.objectContaining({ cycles: 2 })]);
    });
  });

  describe('reports that are not cycles', () => {
    it('does not reopen for a PROBLEM older than the OK already seen (stale): it counts into the resolved alert, which stays resolved', () => {
      const late = report('PROBLEM', 1);
      const state: TriageState = { ...afterResolution(lastAlert({ resolvedAt: at(2) }), 2), lastOk: new Map([[FP, { seq: late.seq + 1, at: at(2) }]]) };
      const p = plan([late], state);
      expect(p.newAlerts).toEqual([]);
      expect(p.updates).toEqual([expect.objectContaining({ id: 'last-1', countDelta: 1, resolvedAt: null, reopen: false })]);
      expect(p.events).toEqual([expect.objectContaining({ alertId: 'last-1', type: 'deduplicated', detail: { count: 1, lastIngestId: late.id } })]);
      expect(p.outcome.stale).toBe(1);
      expect(p.outcome.pages).toEqual([]);
      expect(p.outcome.resolved).toEqual([]);
      expect(p.outcome.flapNotices).toEqual([]);
      expect(p.flapMemory).toEqual([]);
    });

    it('keeps a stale PROBLEM as an alert opened and resolved at once when the last alert was resolved by a person', () => {
      const late = report('PROBLEM', 1);
      const state: TriageState = {
        ...afterResolution(lastAlert({ resolvedAt: at(2), resolvedBySource: false }), 2),
        lastOk: new Map([[FP, { seq: late.seq + 1, at: at(2) }]]),
      };
      const p = plan([late], state);
      expect(p.updates).toEqual([]);
      expect(p.newAlerts).toEqual([expect.objectContaining({ resolvedAt: at(2) })]);
      expect(p.outcome.pages).toEqual([]);
    });

    it.each([
      { why: 'resolved by a person', last: lastAlert({ resolvedBySource: false, resolvedAt: at(1) }) },
      { why: 'not resolved (no resolution time)', last: lastAlert({ resolvedAt: null }) },
    ])('opens and pages a new alert when the last one was $why', ({ last }) => {
      const p = plan([report('PROBLEM', 2)], afterResolution(last, 1));
      expect(p.newAlerts).toHaveLength(1);
      expect(p.outcome.pages).toHaveLength(1);
      expect(p.outcome.flapNotices).toEqual([]);
      expect(p.updates).toEqual([]);
      expect(p.flapMemory).toEqual([{ fingerprint: FP, lastAlertId: p.newAlerts[0]!.id, cycles: [] }]);
    });

    it('opens a new alert for a fingerprint with no memory, and remembers nothing until it has an OK', () => {
      const p = plan([report('PROBLEM', 0)]);
      expect(p.newAlerts).toHaveLength(1);
      expect(p.flapMemory).toEqual([]);
    });

    it('remembers the alert an OK resolved, so the next PROBLEM can find it', () => {
      const state: TriageState = {
        open: new Map([[FP, { id: 'open-9', fingerprint: FP, priority: 'P1', tier: 'high', policy: 'ops', silenced: false, lastProblemSeq: 1 }]]),
        lastOk: new Map(),
        flap: new Map(),
      };
      const p = plan([report('OK', 1)], state);
      expect(p.outcome.resolved).toEqual(['open-9']);
      expect(p.flapMemory).toEqual([{ fingerprint: FP, lastAlertId: 'open-9', cycles: [] }]);
    });
  });
});
