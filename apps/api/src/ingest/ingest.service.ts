import { HttpException, HttpStatus, Inject, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { ParsedBody, Rejection } from '@klaxon/alert-format';
import { ConfigStore, findIntegrationByToken } from '@klaxon/config';
import { KlaxonMetrics } from '@klaxon/observability';
import { IngestBackedUpError, IngestBatcher, neverReachedRedis, toQueuedAlert, type IngestLane, type QueuedAlert, type QueuedRejection } from '@klaxon/queue';
import { LOGGER } from '../app-tokens';
import { ingestLaneOf } from './ingest-lane';

export type IngestEndpoint = 'lines' | 'alertmanager' | 'open-falcon';

export interface IngestResponse {
  accepted: number;
  rejected: Rejection[];
  ids: string[];
  error?: string;
  /** on a 4xx: what was wrong, in one line (the `message` every error of the API has) */
  message?: string;
}

/** Validated alerts in, durable jobs out: ingest never waits on PostgreSQL. */
@Injectable()
export class IngestService {
  constructor(
    private readonly batcher: IngestBatcher,
    private readonly config: ConfigStore,
    private readonly metrics: KlaxonMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The integration whose token the request carries (Bearer header or ?token=); 401 otherwise. */
  authenticate(authorization: string | undefined, queryToken: unknown): string {
    // `?token=a&token=b` arrives as an array: only a single token is one
    let token = typeof queryToken === 'string' ? queryToken : undefined;
    if (queryToken !== undefined && token === undefined) throw this.unauthorized('give the integration token once');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw this.unauthorized('the Authorization header must be "Bearer <integration token>"');
      token = match[1];
    }
    if (token === undefined || token === '') throw this.unauthorized('an integration token is required (Authorization: Bearer <token> or ?token=)');
    const integration = findIntegrationByToken(this.config.config, token);
    if (!integration) throw this.unauthorized('unknown integration token');
    return integration.id;
  }

  /** Enqueues what was accepted and what was rejected; resolves once both are durable in Redis. */
  async accept(integration: string, endpoint: IngestEndpoint, body: ParsedBody): Promise<{ status: number; body: IngestResponse }> {
    const receivedAt = Date.now();
    const alerts: QueuedAlert[] = new Array(body.alerts.length);
    const ids: string[] = new Array(body.alerts.length);
    for (let i = 0; i < body.alerts.length; i++) {
      const id = randomUUID();
      ids[i] = id;
      alerts[i] = toQueuedAlert(body.alerts[i]!, id, receivedAt, integration);
    }
    const rejected: QueuedRejection[] = body.rejected.map((r) => ({
      receivedAt,
      integration,
      endpoint,
      line: r.line,
      input: r.input,
      error: r.error,
    }));
    const counters = this.countersFor(endpoint);
    counters.received.inc(alerts.length + rejected.length);
    if (alerts.length > 0 || rejected.length > 0) {
      try {
        await this.batcher.submit(alerts, rejected, this.laneOf);
      } catch (err) {
        this.logger.error({ err, integration, endpoint, alerts: alerts.length }, 'could not enqueue alerts');
        this.metrics.requestsRefused.inc({ status: '503' });
        // Redis may have taken the alerts and died before it answered: then say so, not "nothing"
        throw new ServiceUnavailableException(err instanceof IngestBackedUpError || neverReachedRedis(err) ? QUEUE_UNAVAILABLE : QUEUE_FAILED);
      }
    }
    if (alerts.length > 0) counters.accepted.inc(alerts.length);
    if (rejected.length > 0) counters.rejected.inc(rejected.length);
    const response: IngestResponse = { accepted: alerts.length, rejected: body.rejected, ids };
    if (alerts.length > 0) return { status: HttpStatus.ACCEPTED, body: response };
    if (rejected.length === 0) response.error = 'the body holds no alerts';
    response.message = nothingAccepted(body.rejected);
    return { status: HttpStatus.BAD_REQUEST, body: response };
  }

  /** A body refused as a whole from a known integration is still kept in the rejected-input log. */
  async rejectWhole(integration: string, endpoint: IngestEndpoint, input: string, error: string, status: number): Promise<never> {
    const rejection: Rejection = { line: 0, input: input.length > 200 ? `${input.slice(0, 200)}…` : input, error };
    await this.batcher
      .submit([], [{ receivedAt: Date.now(), integration, endpoint, line: null, input: rejection.input, error }])
      .catch((err: unknown) => this.logger.warn({ err }, 'could not log a rejected body'));
    this.metrics.requestsRefused.inc({ status: String(status) });
    const body: IngestResponse = { accepted: 0, rejected: [rejection], ids: [], error, message: error };
    throw new HttpException(body, status);
  }

  /** Per-endpoint metric children, made once: looking labels up on every request is measurable here. */
  private readonly counters = new Map<IngestEndpoint, { received: Counter.Internal; accepted: Counter.Internal; rejected: Counter.Internal }>();

  private countersFor(endpoint: IngestEndpoint) {
    let counters = this.counters.get(endpoint);
    if (!counters) {
      counters = {
        received: this.metrics.alertsReceived.labels(endpoint),
        accepted: this.metrics.alertsAccepted.labels(endpoint),
        rejected: this.metrics.alertsRejected.labels(endpoint),
      };
      this.counters.set(endpoint, counters);
    }
    return counters;
  }

  private readonly laneOf = (alert: QueuedAlert): IngestLane => ingestLaneOf(this.config.config.lookup.tierByPriority.get(alert.priority));

  private unauthorized(message: string): UnauthorizedException {
    this.metrics.requestsRefused.inc({ status: '401' });
    return new UnauthorizedException(message);
  }
}

/** 503: the alerts never reached the queue */
export const QUEUE_UNAVAILABLE = 'the queue is unavailable; nothing was accepted, retry later';
/** 503: the queue failed while it took the alerts, so some may be in */
export const QUEUE_FAILED = 'the queue failed while taking these alerts, so they may have been accepted; retry: a repeat of an alert is folded into it, not paged again';

/** The one-line reason for a 400 that accepted nothing: the first rejection, and how many more there were. */
function nothingAccepted(rejected: Rejection[]): string {
  const first = rejected[0];
  if (first === undefined) return 'the body holds no alerts';
  return rejected.length === 1 ? first.error : `${first.error} (and ${rejected.length - 1} more rejected)`;
}
