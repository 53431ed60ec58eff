import type { AlertSummary } from '@klaxon/db';
import type { AlertMessage } from '@klaxon/notify';

/** What a page or recovery notice says about an alert. */
export function alertMessageOf(alert: AlertSummary, status: 'PROBLEM' | 'OK', publicUrl: string, extra: Partial<AlertMessage> = {}): AlertMessage {
  return {
    status,
    number: alert.number,
    priority: alert.priority,
    host: alert.host,
    ip: alert.ip,
    message: alert.message,
    count: alert.count,
    firstSeenAt: alert.firstSeenAt,
    url: `${publicUrl.replace(/\/+$/, '')}/alerts/${alert.number}`,
    ...(status === 'OK' && alert.resolvedBy ? { actor: alert.resolvedBy } : {}),
    ...extra,
  };
}
