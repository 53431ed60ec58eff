import type { QueuedAlert } from '@klaxon/queue';
import { fingerprintOf } from './fingerprint';
import { planTriage, type Classification, type TriageItem, type TriageState } from './triage-plan';

let seq = 1_000;
function report(overrides: Partial<QueuedAlert> = {}): QueuedAlert {
  seq += 1;
  return {
    id: `in-${seq}`,
    seq,
    receivedAt: 1_700_000_000_000 + seq,
    integration: 'falcon',
    source: 'falcon',
    priority: 'P1',
    status: 'PROBLEM',
    host: 'web-01',
    ip: '10.0.0.1',
    message: 'host is down',
    ...overrides,
  };
}
const items = (...alerts: QueuedAlert[]): TriageItem[] => alerts.map((alert) => ({ alert, fingerprint: fingerprintOf(alert) }));
const empty: TriageState = { open: new Map(), lastOk: new Map() };
const route = (): Classification => ({ tier: 'high', policy: 'ops', route: 0 });
const TIERS: Record<string, string> = { P0: 'critical', P1: 'high', P2: 'medium' };
const byPriority = (alert: QueuedAlert): Classification => ({ tier: TIERS[alert.priority] ?? 'low', policy: 'ops', route: 0 });
let ids = 0;
const newId = () => `alert-${++ids}`;

describe('planTriage', () => {
  it('opens one alert for a new fingerprint, with received and routed events', () => {
    const plan = planTriage(items(report()), empty, route, newId);
    expect(plan.newAlerts).toHaveLength(1);
    expect(plan.newAlerts[0]).toMatchObject({ count: 1, priority: 'P1', tier: 'high', policy: 'ops', resolvedAt: null });
    expect(plan.events.map((e) => e.type)).toEqual(['received', 'routed']);
    expect(plan.outcome.opened).toEqual([plan.newAlerts[0]!.id]);
  });

  it('folds 200 copies in one batch into one alert with count 200', () => {
    const copies = Array.from({ length: 200 }, () => report({ message: `disk ${Math.floor(Math.random() * 100)}%` }));
    const plan = planTriage(items(...copies), empty, route, newId);
    expect(plan.newAlerts).toHaveLength(1);
    expect(plan.newAlerts[0]!.count).toBe(200);
    expect(plan.events.filter((e) => e.type === 'deduplicated')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ count: 199 }) }),
    ]);
    expect(plan.outcome.deduplicated).toBe(199);
  });

  it('counts into the open alert without opening another', () => {
    const first = report();
    const fp = fingerprintOf(first);
    const state: TriageState = {
      open: new Map([[fp, { id: 'open-1', fingerprint: fp, priority: 'P1', tier: 'high', lastProblemSeq: first.seq - 10 }]]),
      lastOk: new Map(),
    };
    const plan = planTriage(items(first, report()), state, route, newId);
    expect(plan.newAlerts).toEqual([]);
    expect(plan.updates).toEqual([expect.objectContaining({ id: 'open-1', countDelta: 2, resolvedAt: null })]);
  });

  it('raises the priority of an open alert when a more urgent report arrives, never lowers it', () => {
    const plan = planTriage(items(report({ priority: 'P2' }), report({ priority: 'P0' }), report({ priority: 'P3' })), empty, byPriority, newId);
    expect(plan.newAlerts[0]).toMatchObject({ priority: 'P0', tier: 'critical', policy: 'ops' });
    expect(plan.outcome.pages).toEqual([{ alertId: plan.newAlerts[0]!.id, tier: 'critical' }]);
  });

  it('moves an open alert to the tier and policy of a more urgent report, and pages it at that tier', () => {
    const problem = report({ priority: 'P0' });
    const fp = fingerprintOf(problem);
    const state: TriageState = {
      open: new Map([[fp, { id: 'open-3', fingerprint: fp, priority: 'P3', tier: 'low', lastProblemSeq: problem.seq - 5 }]]),
      lastOk: new Map(),
    };
    const plan = planTriage(items(problem), state, byPriority, newId);
    expect(plan.updates).toEqual([expect.objectContaining({ id: 'open-3', priority: 'P0', tier: 'critical', policy: 'ops', countDelta: 1 })]);
    expect(plan.events.map((e) => e.type)).toEqual(['routed', 'deduplicated']);
    expect(plan.outcome.pages).toEqual([{ alertId: 'open-3', tier: 'critical' }]);
  });

  it('resolves on OK and opens a new alert when it fires again', () => {
    const plan = planTriage(items(report(), report({ status: 'OK' }), report()), empty, route, newId);
    expect(plan.newAlerts).toHaveLength(2);
    expect(plan.newAlerts[0]!.resolvedAt).toBeInstanceOf(Date);
    expect(plan.newAlerts[0]!.resolvedBy).toBe('falcon');
    expect(plan.newAlerts[1]!.resolvedAt).toBeNull();
    expect(plan.outcome.resolved).toEqual([plan.newAlerts[0]!.id]);
  });

  it('records an OK with no open alert and ignores it', () => {
    const ok = report({ status: 'OK' });
    const plan = planTriage(items(ok), empty, route, newId);
    expect(plan.newAlerts).toEqual([]);
    expect(plan.events).toEqual([]);
    expect(plan.outcome.okWithoutAlert).toBe(1);
    expect(plan.okMemory).toEqual([{ fingerprint: fingerprintOf(ok), lastOkSeq: ok.seq, lastOkAt: new Date(ok.receivedAt) }]);
  });

  it('keeps PROBLEMs older than an OK already seen (reordered queues) as one alert, opened and resolved, paging nobody', () => {
    const late = report();
    const later = report();
    const ok = report({ status: 'OK' });
    const okAt = new Date(ok.receivedAt);
    const state: TriageState = { open: new Map(), lastOk: new Map([[fingerprintOf(ok), { seq: ok.seq, at: okAt }]]) };
    const plan = planTriage(items(late, later), state, route, newId);
    expect(plan.newAlerts).toEqual([expect.objectContaining({ count: 2, resolvedAt: okAt, resolvedBy: 'falcon' })]);
    expect(plan.events.map((e) => e.type)).toEqual(['received', 'routed', 'resolved']);
    expect(plan.outcome.pages).toEqual([]);
    expect(plan.outcome.stale).toBe(2);
  });

  it('counts PROBLEMs older than the OK that resolved their alert (a straggler) into that alert, which stays resolved', () => {
    const late = report();
    const ok = report({ status: 'OK' });
    const fp = fingerprintOf(ok);
    const okAt = new Date(ok.receivedAt);
    const state: TriageState = {
      open: new Map(),
      lastOk: new Map([[fp, { seq: ok.seq, at: okAt }]]),
      flap: new Map([
        [
          fp,
          {
            lastAlert: { id: 'done-1', priority: 'P1', tier: 'high', policy: null, silenced: false, lastProblemSeq: late.seq - 1, resolvedAt: okAt, resolvedBySource: true, flapCycles: 0 },
            cycles: [],
          },
        ],
      ]),
    };
    const plan = planTriage(items(late), state, route, newId);
    expect(plan.newAlerts).toEqual([]);
    expect(plan.updates).toEqual([expect.objectContaining({ id: 'done-1', countDelta: 1, lastProblemSeq: late.seq, resolvedAt: null, reopen: false })]);
    expect(plan.events.map((e) => [e.alertId, e.type])).toEqual([['done-1', 'deduplicated']]);
    expect(plan.outcome).toEqual(expect.objectContaining({ stale: 1, pages: [], resolved: [], recoveries: [] }));
  });

  it('does not let an OK older than the newest PROBLEM resolve the alert', () => {
    const ok = report({ status: 'OK' });
    const problem = report();
    const fp = fingerprintOf(problem);
    const state: TriageState = {
      open: new Map([[fp, { id: 'open-2', fingerprint: fp, priority: 'P1', tier: 'high', lastProblemSeq: problem.seq }]]),
      lastOk: new Map(),
    };
    const plan = planTriage(items(ok), state, route, newId);
    expect(plan.updates).toEqual([]);
    expect(plan.outcome.stale).toBe(1);
  });

  it('keeps fingerprints apart', () => {
    const plan = planTriage(items(report({ host: 'web-01' }), report({ host: 'web-02' }), report({ host: 'web-01', status: 'OK' })), empty, route, newId);
    expect(plan.newAlerts.map((a) => [a.host, a.resolvedAt !== null])).toEqual([
      ['web-01', true],
      ['web-02', false],
    ]);
  });

  it('adds no routed event when no policy applies', () => {
    const plan = planTriage(items(report()), empty, () => ({ tier: 'high', policy: null, route: null }), newId);
    expect(plan.events.map((e) => e.type)).toEqual(['received']);
  });
});
