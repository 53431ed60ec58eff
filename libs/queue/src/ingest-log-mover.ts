import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { INGEST_LOG_GROUP, TRIAGE_QUEUE_OF_LANE, ingestLogKey, readIngestLogEntry, type IngestLane } from './ingest-log';
import { DURABLE_JOB_OPTIONS, type JobProducer } from './job-producer';
import { JobName, QueueName, type QueuedAlert, type QueuedRejection, type TriageBatchPayload } from './jobs';
import { JobCut, reportKeyOf, type JobCutLimits } from './triage-job-cut';

export interface MoverOptions extends JobCutLimits {
  /** which log it moves: the normal lane's into the triage queue, the urgent lane's into the urgent one */
  lane: IngestLane;
  /** most log entries read at once; fewer when entries are big, so a read brings about maxAlertsPerMove alerts */
  readCount: number;
  /**
   * most alerts moved in one transaction: entries beyond it wait for the next
   * round. Keeps each MULTI short (Redis runs it whole; a P0's write waits
   * behind it) and the worker's event loop free between entries.
   */
  maxAlertsPerMove: number;
  /**
   * the mover waits while the triage queue has this many jobs waiting: a flood
   * stays in the log (cheaper in memory and CPU) instead of being turned into
   * jobs faster than PostgreSQL takes them, which would only take CPU from the
   * worker's urgent triage and paging
   */
  maxWaitingJobs: number;
  /** while the triage queue is full, how often the mover looks again (ms) */
  queuePollMs: number;
  /** how long one read waits for new entries (ms); also how soon `stop` is noticed */
  blockMs: number;
  /**
   * least time between two moves (ms) unless a backlog fills whole reads: the
   * entries of that time make one move and fewer, bigger triage jobs, which
   * cost Redis, the mover and PostgreSQL much less per alert. The urgent
   * lane's mover does not gather (URGENT_MOVER_OPTIONS).
   */
  gatherMs: number;
  /**
   * after a move of at least `floodAlerts` alerts (a flood), the least time
   * before the next one (ms) instead of gatherMs. A second of a flood folds
   * each sender's repeats into one row update and one timeline event: in the
   * bench's single-alert flood (500 hosts) PostgreSQL's CPU per alert fell
   * from 48 to 11–14 µs. The normal lane's tiers group for minutes or digest,
   * so a second more is no one's delay; a trickle still moves every gatherMs.
   */
  floodGatherMs: number;
  floodAlerts: number;
  /** an entry read by a mover that has not moved it for this long is taken over by another (its worker died) */
  claimIdleMs: number;
  /** how often a mover looks for such entries */
  claimEveryMs: number;
  /** a consumer (one per worker start) idle this long with nothing pending is removed from the group */
  forgetConsumersAfterMs: number;
  /**
   * null: every worker's mover moves. A number: only the mover holding a lease
   * of that many ms moves (renewed every round, so blockMs must be well under
   * it); the others stand by and take over when it lapses. One mover keeps the
   * lane's jobs in log order, so two workers don't split one host's PROBLEM
   * and OK across jobs they apply at once.
   */
  leaseMs: number | null;
  /** which reports a job keeps together; the worker passes triage's fingerprint key (numbers masked), so repeats whose numbers differ fold too */
  keyOf: (alert: QueuedAlert) => string;
}

export const DEFAULT_MOVER_OPTIONS: MoverOptions = { lane: 'normal', maxAlertsPerJob: 1000, maxKeysPerJob: 250, readCount: 1000, maxAlertsPerMove: 10_000, maxWaitingJobs: 8, queuePollMs: 20, blockMs: 1000, gatherMs: 250, floodGatherMs: 1000, floodAlerts: 1000, claimIdleMs: 15_000, claimEveryMs: 5_000, forgetConsumersAfterMs: 3600_000, leaseMs: null, keyOf: reportKeyOf };

/**
 * The urgent lane's mover: no gathering (a P0 moves as soon as it is read),
 * and at most one job waiting, so that while urgent triage is busy the next
 * alerts wait in the log and then move together as one job, not as one job
 * per ingest group; smaller jobs, so a transaction holds the urgent lane for
 * less; one mover at a time across the workers (a lease of 1.5 s), so the
 * lane's jobs follow the log's order; and a dead worker's entries are taken
 * over after 5 s, not 15.
 */
export const URGENT_MOVER_OPTIONS: Partial<MoverOptions> = {
  lane: 'urgent',
  gatherMs: 0,
  floodGatherMs: 0,
  maxWaitingJobs: 1,
  queuePollMs: 5,
  maxAlertsPerJob: 250,
  maxKeysPerJob: 100,
  maxAlertsPerMove: 1000,
  claimIdleMs: 5_000,
  claimEveryMs: 1_000,
  blockMs: 300,
  leaseMs: 1_500,
};

/** Takes the lease if it is free, renews it if it is ours; 1 if we hold it now. */
const LEASE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

type LeaseClient = Redis & { klaxonMoverLease(key: string, holder: string, ms: number): Promise<number> };

/** Gives the lease up if it is ours. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Entry = [id: string, fields: string[] | null];

/**
 * Moves the ingest log (ingest-log.ts) into triage jobs. Each round reads up
 * to `readCount` entries through the consumer group, cuts their alerts into
 * jobs that keep each sender's reports together (triage-job-cut.ts), and adds the jobs, acknowledges
 * and deletes the entries in one MULTI: either the jobs exist and the entries
 * are gone, or nothing happened and the entries wait. So an accepted alert
 * becomes exactly one triage job's, even when a worker dies mid-move; another
 * worker's mover takes its entries over after `claimIdleMs`.
 */
export class IngestLogMover {
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly key: string;
  private readonly queueName: QueueName;
  private readonly options: MoverOptions;
  private running = false;
  private loop: Promise<void> | null = null;
  private lastClaimAt = 0;
  /** after a failed move, this mover's own unacknowledged entries are read again first */
  private rereadOwn = true;
  /** alerts per entry lately: a flood's entries hold hundreds, a trickle's one */
  private alertsPerEntry = 1;

  /** `reader` is the mover's own connection: its reads block. */
  constructor(
    private readonly reader: Redis,
    private readonly producer: JobProducer,
    prefix: string,
    private readonly logger: Logger,
    options: Partial<MoverOptions> = {},
  ) {
    this.options = { ...DEFAULT_MOVER_OPTIONS, ...options };
    this.key = ingestLogKey(prefix, this.options.lane);
    this.queueName = TRIAGE_QUEUE_OF_LANE[this.options.lane];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop; a move under way finishes first (or fails and leaves its entries for the next mover). */
  async stop(): Promise<void> {
    this.running = false;
    // a standby takes over at once rather than when the lease lapses
    if (this.options.leaseMs !== null) await this.reader.eval(RELEASE_SCRIPT, 1, this.leaseKey, this.consumer).catch(() => undefined);
    this.reader.disconnect();
    await this.loop;
  }

  private get leaseKey(): string {
    return `${this.key}:lease`;
  }

  /** Whether this mover may move now: always without a lease, else while it holds the lease. */
  private async mayMove(): Promise<boolean> {
    if (this.options.leaseMs === null) return true;
    // asked every round: by its SHA (EVALSHA, ioredis's defineCommand), not with the script's text each time
    const reader = this.reader as LeaseClient;
    if (typeof reader.klaxonMoverLease !== 'function') this.reader.defineCommand('klaxonMoverLease', { numberOfKeys: 1, lua: LEASE_SCRIPT });
    return (await reader.klaxonMoverLease(this.leaseKey, this.consumer, this.options.leaseMs)) === 1;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let groupReady = false;
    let lastMoveAt = 0;
    let lastMoveAlerts = 0;
    let backlog = false;
    while (this.running) {
      try {
        // created once, and again after a failure (a Redis that lost it, e.g. restarted without persistence)
        if (!groupReady) await this.ensureGroup();
        groupReady = true;
        if (!(await this.mayMove())) {
          // a standby: a lapsed lease (its worker died) is taken within a sixth of it
          await sleep(this.options.leaseMs! / 6);
          continue;
        }
        const gatherMs = lastMoveAlerts >= this.options.floodAlerts ? this.options.floodGatherMs : this.options.gatherMs;
        const gather = lastMoveAt + gatherMs - Date.now();
        if (!backlog && gather > 0) await sleep(gather);
        if ((await this.waitingJobs()) >= this.options.maxWaitingJobs) {
          await sleep(this.options.queuePollMs);
          continue;
        }
        const count = this.readCount();
        const entries = await this.next(count);
        let movedAll = true;
        if (entries.length > 0) {
          ({ movedAll, alerts: lastMoveAlerts } = await this.move(entries));
          lastMoveAt = Date.now();
        }
        // entries read and not moved yet are this mover's: they come first in the next round
        if (!movedAll) this.rereadOwn = true;
        backlog = !movedAll || entries.length >= count;
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures++;
        groupReady = false;
        this.rereadOwn = true;
        this.logger.warn({ err, attempt: failures }, 'could not move the ingest log into triage jobs; retrying');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.reader.xgroup('CREATE', this.key, INGEST_LOG_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /** This mover's own unmoved entries, else entries a dead mover left, else new ones (waiting up to blockMs). */
  private async next(count: number): Promise<Entry[]> {
    if (this.rereadOwn) {
      const own = entriesOf(await this.reader.xreadgroup('GROUP', INGEST_LOG_GROUP, this.consumer, 'COUNT', count, 'STREAMS', this.key, '0'));
      if (own.length > 0) return own;
      this.rereadOwn = false;
    }
    if (Date.now() - this.lastClaimAt >= this.options.claimEveryMs) {
      this.lastClaimAt = Date.now();
      const [, claimed] = (await this.reader.xautoclaim(this.key, INGEST_LOG_GROUP, this.consumer, this.options.claimIdleMs, '0-0', 'COUNT', this.options.readCount)) as [
        string,
        Entry[],
        string[],
      ];
      if (claimed.length > 0) {
        this.logger.warn({ entries: claimed.length }, 'took over ingest log entries a stopped worker had read');
        return claimed;
      }
      await this.forgetIdleConsumers();
    }
    const read = await this.reader.xreadgroup(
      'GROUP',
      INGEST_LOG_GROUP,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      this.options.blockMs,
      'STREAMS',
      this.key,
      '>',
    );
    return entriesOf(read);
  }

  /** Entries to read: about maxAlertsPerMove alerts' worth (reading a flood's entries beyond that only to read them again costs the event loop). */
  private readCount(): number {
    return Math.max(1, Math.min(this.options.readCount, Math.ceil(this.options.maxAlertsPerMove / this.alertsPerEntry)));
  }

  private waitingJobs(): Promise<number> {
    return this.reader.llen(this.producer.queue(this.queueName).keys.wait!);
  }

  /** Every worker start names a new consumer; those of stopped workers, with nothing left pending, are removed after an hour. */
  private async forgetIdleConsumers(): Promise<void> {
    const consumers = (await this.reader.xinfo('CONSUMERS', this.key, INGEST_LOG_GROUP)) as unknown[][];
    for (const fields of consumers) {
      const info = new Map<unknown, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
      if (info.get('name') !== this.consumer && Number(info.get('pending')) === 0 && Number(info.get('idle')) > this.options.forgetConsumersAfterMs) {
        await this.reader.xgroup('DELCONSUMER', this.key, INGEST_LOG_GROUP, String(info.get('name')));
      }
    }
  }

  /** Moves the entries, or as many as maxAlertsPerMove allows (then not movedAll); at least one. */
  private async move(read: Entry[]): Promise<{ movedAll: boolean; alerts: number }> {
    const readAt = Date.now();
    const alerts = new JobCut(this.options.keyOf);
    const rejected: QueuedRejection[] = [];
    const unreadable: Entry[] = [];
    const entries: Entry[] = [];
    for (const entry of read) {
      if (alerts.size >= this.options.maxAlertsPerMove) break;
      // the event loop is shared with this worker's other queues (a P0's paging among them)
      if (entries.length > 0) await yieldToEventLoop();
      entries.push(entry);
      const [id, fields] = entry;
      // an entry deleted after it was read (moved by a mover presumed dead) has no fields: only its acknowledgement is left
      if (fields === null) continue;
      let body;
      try {
        body = readIngestLogEntry(fields);
      } catch (err) {
        this.logger.error({ err, entry: id }, 'an ingest log entry could not be read; it is kept in the dead-letter stream');
        unreadable.push(entry);
        continue;
      }
      for (const alert of body.alerts) alerts.add(alert);
      for (const r of body.rejected) rejected.push(r);
    }
    const jobs: TriageBatchPayload[] = alerts.jobs(this.options).map((cut) => ({ batchId: randomUUID(), alerts: cut, rejected: [] }));
    if (rejected.length > 0) {
      if (jobs.length === 0) jobs.push({ batchId: randomUUID(), alerts: [], rejected: [] });
      jobs[0]!.rejected = rejected;
    }

    const queue = this.producer.queue(this.queueName);
    const multi = (await queue.getBackend().client).multi();
    for (const [i, payload] of jobs.entries()) {
      if (i > 0) await yieldToEventLoop();
      void new Job(queue, JobName.triageBatch, payload, { ...DURABLE_JOB_OPTIONS, jobId: payload.batchId }).addJob(multi);
    }
    for (const [id, fields] of unreadable) multi.runCommand('xadd', [`${this.key}:dead`, '*', 'entry', id, ...(fields ?? [])]);
    const ids = entries.map(([id]) => id);
    multi.runCommand('xack', [this.key, INGEST_LOG_GROUP, ...ids]);
    multi.runCommand('xdel', [this.key, ...ids]);
    // Another mover may take entries over once they have been idle claimIdleMs: never commit that late.
    if (Date.now() - readAt > this.options.claimIdleMs / 2) throw new Error('moving took too long; the entries are left to be read again');
    const results = await multi.exec();
    if (results === null) throw new Error('the move transaction was aborted');
    for (const [err] of results) if (err) throw err;
    this.alertsPerEntry = 0.5 * this.alertsPerEntry + 0.5 * Math.max(1, alerts.size / entries.length);
    return { movedAll: entries.length === read.length, alerts: alerts.size };
  }
}

function entriesOf(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [, entries] = reply[0] as [string, Entry[]];
  return entries ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));
