import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import type { Logger } from 'pino';
import { APP_ENV, type AppEnv } from '@klaxon/config';
import { LOGGER } from '../app-tokens';

/** The channel the `alerts_notify_change` trigger (migration 20261121150000) notifies on. */
export const ALERT_CHANGES_CHANNEL = 'klaxon_alert_changes';

export type AlertChangeEventName = 'opened' | 'changed' | 'resolved';

/** What the trigger sends: small on purpose (pg_notify payloads are capped at 8000 bytes). */
export interface AlertChange {
  event: AlertChangeEventName;
  number: number;
  status: string;
  priority: string;
  host: string;
  silenced: boolean;
}

export type AlertChangeHandler = (change: AlertChange) => void;

const EVENTS = new Set<string>(['opened', 'changed', 'resolved']);
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/** Parses a notification's payload; null for anything that is not one of ours. */
export function parseAlertChange(payload: string | undefined): AlertChange | null {
  if (!payload) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.event !== 'string' || !EVENTS.has(v.event)) return null;
  const number = Number(v.number);
  if (!Number.isSafeInteger(number)) return null;
  return {
    event: v.event as AlertChangeEventName,
    number,
    status: String(v.status),
    priority: String(v.priority),
    host: String(v.host),
    silenced: v.silenced === true,
  };
}

/**
 * One dedicated PostgreSQL connection per api process that LISTENs for alert
 * changes and fans them out to the open event streams. Works with any number
 * of api processes (each listens itself) and needs nothing from the worker:
 * the trigger on `alerts` notifies at commit. When the connection drops it
 * reconnects with exponential backoff; changes made while it was down are not
 * replayed (the UI re-reads the list when its EventSource reconnects).
 */
@Injectable()
export class AlertChangeListener implements OnModuleInit, OnApplicationShutdown {
  private readonly handlers = new Set<AlertChangeHandler>();
  private client: Client | null = null;
  private stopped = false;
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    // the first connection is awaited so a started api is already listening; later ones retry in the background
    try {
      await this.connect();
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'alert change listener could not connect; retrying');
      this.scheduleReconnect();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    this.handlers.clear();
    await client?.end().catch(() => undefined);
  }

  /** Calls `handler` for every change until the returned function is called. */
  subscribe(handler: AlertChangeHandler): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  get subscriberCount(): number {
    return this.handlers.size;
  }

  /** Whether the LISTEN connection is up (for tests and logs). */
  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.env.database.url, application_name: 'klaxon-api-stream' });
    let failed = false;
    const onDown = (err?: Error) => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ err: err ? errorMessage(err) : 'connection ended' }, 'alert change listener lost its PostgreSQL connection; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', onDown);
    try {
      await client.connect();
      client.on('notification', (msg: Notification) => this.dispatch(msg));
      await client.query(`LISTEN ${ALERT_CHANGES_CHANNEL}`);
    } catch (err) {
      failed = true;
      client.removeAllListeners('notification');
      await client.end().catch(() => undefined);
      throw err;
    }
    client.on('end', () => onDown());
    if (this.stopped) {
      failed = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.backoffMs > MIN_BACKOFF_MS) this.logger.info('alert change listener reconnected');
    this.backoffMs = MIN_BACKOFF_MS;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch((err: unknown) => {
        this.logger.warn({ err: errorMessage(err), retryInMs: this.backoffMs }, 'alert change listener could not reconnect');
        this.scheduleReconnect();
      });
    }, delay);
    this.retryTimer.unref();
  }

  private dispatch(msg: Notification): void {
    // during a storm every triaged alert notifies: with no stream open, not even the payload is parsed
    if (msg.channel !== ALERT_CHANGES_CHANNEL || this.handlers.size === 0) return;
    const change = parseAlertChange(msg.payload);
    if (!change) return;
    for (const handler of [...this.handlers]) {
      try {
        handler(change);
      } catch (err) {
        this.logger.warn({ err: errorMessage(err) }, 'an alert stream subscriber failed');
      }
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
