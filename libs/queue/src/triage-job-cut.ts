import type { QueuedAlert } from './jobs';

export interface JobCutLimits {
  /** most reports in one job: bounds the worker's time on it (parsing, planning) */
  maxAlertsPerJob: number;
  /** most distinct senders' keys in one job: bounds the rows its transaction writes */
  maxKeysPerJob: number;
}

/**
 * Which reports are one sender's: the sender's dedup key, else host, address
 * and message as sent. Reports with one key have one fingerprint; the worker's
 * movers cut by triage's own fingerprint key instead (numbers masked, so `disk
 * 91%` and `disk 92%` go together too), and triage memoises fingerprints by this one.
 */
export const reportKeyOf = (alert: QueuedAlert): string =>
  alert.dedupKey !== undefined && alert.dedupKey !== '' ? `k\u0000${alert.dedupKey}` : `m\u0000${alert.host}\u0000${alert.ip}\u0000${alert.message}`;

/**
 * Cuts reports into triage jobs, keeping the reports of one key together. A
 * job's transaction writes a row or two per alert it touches (its update and
 * one `deduplicated (+N)` event), however many reports it folds in, so ten
 * reports of one host in one job cost PostgreSQL about what one does, where cut
 * by position they land in ten jobs, as ten updates and ten timeline events.
 *
 * Keys keep the order of their first report, and each key's reports keep
 * their order; a key with more reports than a job holds is split into
 * consecutive jobs. Order across keys is not kept, and needn't be: triage
 * orders one fingerprint's reports by their sequence numbers.
 *
 * `add` keys each report as it arrives (the mover adds an entry's reports
 * between its yields to the event loop, so keying thousands of reports never
 * holds the loop at once); `jobs` cuts.
 */
export class JobCut {
  private readonly byKey = new Map<string, QueuedAlert[]>();
  private count = 0;

  constructor(private readonly keyOf: (alert: QueuedAlert) => string = reportKeyOf) {}

  add(alert: QueuedAlert): void {
    const key = this.keyOf(alert);
    const reports = this.byKey.get(key);
    if (reports) reports.push(alert);
    else this.byKey.set(key, [alert]);
    this.count++;
  }

  /** reports added */
  get size(): number {
    return this.count;
  }

  jobs(limits: JobCutLimits): QueuedAlert[][] {
    const jobs: QueuedAlert[][] = [];
    let job: QueuedAlert[] = [];
    let keys = 0;
    const close = () => {
      if (job.length > 0) jobs.push(job);
      job = [];
      keys = 0;
    };
    for (const reports of this.byKey.values()) {
      if (keys >= limits.maxKeysPerJob || job.length + reports.length > limits.maxAlertsPerJob) close();
      for (let i = 0; i < reports.length; i += limits.maxAlertsPerJob) {
        const part = reports.slice(i, i + limits.maxAlertsPerJob);
        if (job.length + part.length > limits.maxAlertsPerJob) close();
        for (const alert of part) job.push(alert);
        keys++;
      }
    }
    close();
    return jobs;
  }
}
