import type { IncomingAlert } from '@klaxon/alert-format';

/*
 * Queue and job names are persisted in Redis: renaming one orphans the jobs
 * already queued under the old name. Add new names; never rename.
 */
export const QueueName = {
  triage: 'triage',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  triageBatch: 'triage-batch',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** An accepted alert as ingest enqueues it. */
export interface QueuedAlert extends IncomingAlert {
  /** the id ingest answered with for this alert */
  id: string;
  /** ingest sequence: µs since the epoch, strictly increasing per api process; orders PROBLEM/OK */
  seq: number;
  /** when ingest accepted it (ms since the epoch) */
  receivedAt: number;
  /** the integration whose token was used */
  integration: string;
  source: string;
}

/** A rejected line or item, kept in the rejected-input log. */
export interface QueuedRejection {
  receivedAt: number;
  integration: string;
  endpoint: string;
  line: number | null;
  input: string;
  error: string;
}

/** Alerts and rejections from one or more ingest requests, applied by triage in one transaction. */
export interface TriageBatchPayload {
  batchId: string;
  alerts: QueuedAlert[];
  rejected: QueuedRejection[];
}

/** Which payload each job name carries; producers and processors are typed by it. */
export interface JobPayloads {
  [JobName.triageBatch]: TriageBatchPayload;
}

/** Which queue each job goes to. */
export const JOB_QUEUE: { readonly [J in JobName]: QueueName } = {
  [JobName.triageBatch]: QueueName.triage,
};
