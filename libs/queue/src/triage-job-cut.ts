import type { QueuedAlert } from './jobs';

export interface JobCutLimits {
  /** most reports in one job: bounds the worker's time on it (parsing, planning) */
  maxAlertsPerJob: number;
  /** most distinct senders' keys in one job: bounds the rows its transaction writes */
  maxKeysPerJob: number;
}

/**
 * Which reports belong together: the sender's dedup key, else host, address and
 * message as sent. Reports of one fingerprint (triage masks numbers, so `disk
 * 91%` and `disk 92%` are one) mostly share it; when they don't, they only land
 * in different jobs, which is merely less thrifty.
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
 */
export function cutIntoJobs(alerts: readonly QueuedAlert[], limits: JobCutLimits, keyOf: (alert: QueuedAlert) => string = reportKeyOf): QueuedAlert[][] {
  const byKey = new Map<string, QueuedAlert[]>();
  for (const alert of alerts) {
    const key = keyOf(alert);
    const reports = byKey.get(key);
    if (reports) reports.push(alert);
    else byKey.set(key, [alert]);
  }
  const jobs: QueuedAlert[][] = [];
  let job: QueuedAlert[] = [];
  let keys = 0;
  const close = () => {
    if (job.length > 0) jobs.push(job);
    job = [];
    keys = 0;
  };
  for (const reports of byKey.values()) {
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
