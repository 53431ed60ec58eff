import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process; each app exposes its registry at /metrics. */
export class KlaxonMetrics {
  readonly registry = new Registry();

  readonly alertsReceived = new Counter({
    name: 'klaxon_alerts_received_total',
    help: 'Alert lines or items received by ingest, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  readonly alertsAccepted = new Counter({
    name: 'klaxon_alerts_accepted_total',
    help: 'Alerts accepted and enqueued by ingest, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  readonly alertsRejected = new Counter({
    name: 'klaxon_alerts_rejected_total',
    help: 'Alert lines or items rejected by ingest, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  readonly requestsRefused = new Counter({
    name: 'klaxon_ingest_requests_refused_total',
    help: 'Ingest requests refused as a whole, by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'klaxon_queue_depth',
    help: 'Jobs in a queue, by queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  readonly triaged = new Counter({
    name: 'klaxon_alerts_triaged_total',
    help: 'Alerts applied by triage, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly notificationsSent = new Counter({
    name: 'klaxon_notifications_sent_total',
    help: 'Notifications sent, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly notificationsFailed = new Counter({
    name: 'klaxon_notifications_failed_total',
    help: 'Notifications that failed, by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly endToEndLatency = new Histogram({
    name: 'klaxon_end_to_end_latency_seconds',
    help: 'From ingest accepting an alert to the stage named by `stage` (triaged, paged)',
    labelNames: ['stage'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }
}
