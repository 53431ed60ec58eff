import { BULK_NICE, workerDuties } from './worker-role';

describe('workerDuties', () => {
  it('all: both lanes, notifications and housekeeping, at the priority it was started with', () => {
    expect(workerDuties('all')).toEqual({ role: 'all', triageLanes: ['normal', 'urgent'], notifications: true, housekeeping: true, nice: undefined });
  });

  it('paging: the urgent lane and everything after triage, nothing of the normal lane', () => {
    expect(workerDuties('paging')).toEqual({ role: 'paging', triageLanes: ['urgent'], notifications: true, housekeeping: true, nice: undefined });
  });

  it('bulk: the normal lane alone, niced unless WORKER_NICE says otherwise', () => {
    expect(workerDuties('bulk')).toEqual({ role: 'bulk', triageLanes: ['normal'], notifications: false, housekeeping: false, nice: BULK_NICE });
    expect(workerDuties('bulk', 0).nice).toBe(0);
    expect(workerDuties('paging', 3).nice).toBe(3);
  });

  it('every duty is done by a paging and a bulk worker together, and by no lane twice', () => {
    const pair = [workerDuties('paging'), workerDuties('bulk')];
    const all = workerDuties('all');
    expect(pair.flatMap((d) => d.triageLanes).sort()).toEqual([...all.triageLanes].sort());
    expect(pair.some((d) => d.notifications)).toBe(true);
    expect(pair.some((d) => d.housekeeping)).toBe(true);
  });
});
