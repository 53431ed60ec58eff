import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { HousekeepingRepository } from '@klaxon/db';
import { REDIS } from '@klaxon/queue';
import type { WorkerDuties } from '../worker-role';
import { LOGGER, WORKER_DUTIES } from '../worker-tokens';

/** How often the tables that only grow are pruned; one worker does it each time. */
export const HOUSEKEEPING_EVERY_MS = 15 * 60_000;
/**
 * Applied triage batch ids are kept 7 days: a triage job retries for about 3 h
 * (DURABLE_JOB_OPTIONS), and a failed one retried by hand within a week is
 * still recognised as applied.
 */
export const TRIAGE_BATCH_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * A fingerprint's memory (newest OK, flap cycles) is kept 7 days after it went
 * quiet: far beyond any reordering of queued reports (retries last about 3 h)
 * and any flap window.
 */
export const QUIET_FINGERPRINT_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Keeps PostgreSQL from growing without bound: applied triage batch ids (one
 * row per ingest flush), the memory of fingerprints quiet for a week, and
 * expired sessions, at startup and every 15 minutes.
 * A Redis key taken with NX makes one worker of many do it each time.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** ends a wait for the Redis connection (at shutdown) */
  private stopWaiting: (() => void) | null = null;

  constructor(
    private readonly housekeeping: HousekeepingRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(WORKER_DUTIES) private readonly duties: WorkerDuties,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.duties.housekeeping) return;
    const tick = () => {
      this.running ??= this.runOnce().finally(() => (this.running = null));
    };
    tick();
    this.timer = setInterval(tick, HOUSEKEEPING_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopWaiting?.();
    await this.running;
  }

  /** Prunes once, unless another worker did within the interval; never throws (the next tick tries again). */
  async runOnce(now = new Date()): Promise<void> {
    try {
      // at startup the connection may still be opening (commands are not queued offline)
      if (!(await this.redisReady())) return;
      const mine = await this.redis.set(`${this.env.redis.queuePrefix}:housekeeping`, String(now.getTime()), 'PX', HOUSEKEEPING_EVERY_MS - 5_000, 'NX');
      if (mine === null) return;
      const batches = await this.housekeeping.pruneTriageBatches(new Date(now.getTime() - TRIAGE_BATCH_RETENTION_MS));
      const fingerprints = await this.housekeeping.pruneQuietFingerprints(new Date(now.getTime() - QUIET_FINGERPRINT_RETENTION_MS));
      const sessions = await this.housekeeping.pruneExpiredSessions(now);
      if (batches + fingerprints + sessions > 0) this.logger.info({ triageBatches: batches, fingerprints, sessions }, 'housekeeping: pruned old rows');
    } catch (err) {
      this.logger.warn({ err }, 'housekeeping failed; will try again');
    }
  }

  private redisReady(): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timeout);
        this.redis.off('ready', onReady);
        this.stopWaiting = null;
        resolve(ready);
      };
      const onReady = () => done(true);
      const timeout = setTimeout(() => done(false), HOUSEKEEPING_EVERY_MS / 2);
      timeout.unref();
      this.redis.once('ready', onReady);
      this.stopWaiting = () => done(false);
    });
  }
}
