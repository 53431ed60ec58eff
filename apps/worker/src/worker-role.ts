import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';
import type { WorkerRole } from '@klaxon/config';
import { INGEST_LANES, type IngestLane } from '@klaxon/queue';

/** What one worker process does, from its WORKER_ROLE. */
export interface WorkerDuties {
  role: WorkerRole;
  /** the ingest lanes whose logs it moves and whose triage jobs it applies */
  triageLanes: readonly IngestLane[];
  /** the notification queues (pages, retries, escalations, digests) and silence ends */
  notifications: boolean;
  /** the periodic pruning of tables that only grow */
  housekeeping: boolean;
  /** the niceness it lowers itself to at start; undefined: as it was started */
  nice: number | undefined;
}

/**
 * A bulk worker's niceness unless WORKER_NICE says otherwise: the scheduler
 * then gives it about a tenth of a core the api or a paging worker also wants
 * (weight 110 against 1,024), and all the idle time there is.
 */
export const BULK_NICE = 10;

/**
 * `all` does everything (one process is a whole Klaxon). `paging` keeps the
 * path from an urgent alert to a page: the urgent lane, notifications,
 * escalations, housekeeping. `bulk` applies the normal lane, the tiers that
 * group for minutes or digest, at a lower CPU priority: in a flood of low
 * alerts its backlog waits in Redis while ingest keeps answering and a P0's
 * triage and SMS run ahead of it. Run at least one worker that does each duty
 * (`all`, or `paging` and `bulk`).
 */
export function workerDuties(role: WorkerRole, nice?: number): WorkerDuties {
  switch (role) {
    case 'all':
      return { role, triageLanes: INGEST_LANES, notifications: true, housekeeping: true, nice };
    case 'paging':
      return { role, triageLanes: ['urgent'], notifications: true, housekeeping: true, nice };
    case 'bulk':
      return { role, triageLanes: ['normal'], notifications: false, housekeeping: false, nice: nice ?? BULK_NICE };
  }
}

/**
 * Lowers this process's CPU priority to `nice`. Never raises it (that takes
 * privileges, and whoever started the process lower meant it); a platform
 * that refuses is logged and the worker runs on as it is.
 */
export function applyNiceness(nice: number | undefined, logger: Logger): void {
  if (nice === undefined) return;
  try {
    const current = getPriority(0);
    if (current >= nice) return;
    setPriority(0, nice);
    logger.info({ nice }, 'worker lowered its CPU priority');
  } catch (err) {
    logger.warn({ err, nice }, 'could not lower the worker CPU priority; it runs at its start priority');
  }
}
