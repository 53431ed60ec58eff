import type { QueuedAlert } from './jobs';
import { JobCut, reportKeyOf, type JobCutLimits } from './triage-job-cut';

let seq = 0;
const report = (host: string, extra: Partial<QueuedAlert> = {}): QueuedAlert => ({
  id: `id-${++seq}`,
  seq,
  receivedAt: 0,
  integration: 'test',
  source: 'test',
  priority: 'P3',
  status: 'PROBLEM',
  host,
  ip: '10.0.0.1',
  message: 'disk full',
  ...extra,
});
/** the mover's way: every report added, then cut */
function cutIntoJobs(alerts: readonly QueuedAlert[], limits: JobCutLimits, keyOf?: (alert: QueuedAlert) => string): QueuedAlert[][] {
  const cut = new JobCut(keyOf);
  for (const alert of alerts) cut.add(alert);
  return cut.jobs(limits);
}
const shape = (jobs: QueuedAlert[][]) => jobs.map((job) => job.map((a) => `${a.host}${a.seq}`).join(' '));

describe('JobCut', () => {
  beforeEach(() => {
    seq = 0;
  });

  it("keeps each sender's reports together and in order, keys in the order of their first report", () => {
    const alerts = ['a', 'b', 'a', 'c', 'b', 'a'].map((h) => report(h));
    expect(shape(cutIntoJobs(alerts, { maxAlertsPerJob: 100, maxKeysPerJob: 100 }))).toEqual(['a1 a3 a6 b2 b5 c4']);
  });

  it('starts a new job when the next key would pass either limit', () => {
    const alerts = ['a', 'b', 'c', 'a', 'b', 'c', 'd'].map((h) => report(h));
    expect(shape(cutIntoJobs(alerts, { maxAlertsPerJob: 100, maxKeysPerJob: 2 }))).toEqual(['a1 a4 b2 b5', 'c3 c6 d7']);
    expect(shape(cutIntoJobs(alerts, { maxAlertsPerJob: 5, maxKeysPerJob: 100 }))).toEqual(['a1 a4 b2 b5', 'c3 c6 d7']);
  });

  it('splits a key with more reports than a job holds into consecutive jobs, in order', () => {
    const alerts = [report('x'), ...Array.from({ length: 5 }, () => report('a')), report('y')];
    expect(shape(cutIntoJobs(alerts, { maxAlertsPerJob: 2, maxKeysPerJob: 10 }))).toEqual(['x1', 'a2 a3', 'a4 a5', 'a6 y7']);
  });

  it('loses and repeats nothing', () => {
    const alerts = Array.from({ length: 1000 }, (_, i) => report(`h${(i * 7919) % 37}`));
    const jobs = cutIntoJobs(alerts, { maxAlertsPerJob: 50, maxKeysPerJob: 8 });
    expect(jobs.flat().map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    for (const job of jobs) {
      expect(job.length).toBeLessThanOrEqual(50);
      expect(new Set(job.map(reportKeyOf)).size).toBeLessThanOrEqual(8);
    }
    expect(cutIntoJobs([], { maxAlertsPerJob: 5, maxKeysPerJob: 5 })).toEqual([]);
  });

  it("keys on the sender's dedup key when there is one, else host, address and message", () => {
    expect(reportKeyOf(report('a', { dedupKey: 'k1' }))).toBe(reportKeyOf(report('b', { dedupKey: 'k1', message: 'other' })));
    expect(reportKeyOf(report('a'))).not.toBe(reportKeyOf(report('a', { ip: '10.0.0.2' })));
    expect(reportKeyOf(report('a'))).not.toBe(reportKeyOf(report('a', { message: 'disk fine' })));
    expect(reportKeyOf(report('a', { dedupKey: 'a' }))).not.toBe(reportKeyOf(report('a')));
  });
});
