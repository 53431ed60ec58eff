import type { AlertItem } from '../api';

/** The alert's state in words: firing, acknowledged by whom, resolved by whom, silenced. */
export function stateText(alert: AlertItem): string {
  if (alert.status === 'acknowledged') return alert.acknowledgedBy ? `Acknowledged by ${alert.acknowledgedBy}` : 'Acknowledged';
  if (alert.status === 'resolved') return alert.resolvedBy ? `Resolved by ${alert.resolvedBy}` : 'Resolved';
  return alert.silenced ? 'Silenced' : 'Firing';
}

export function StatusBadge({ alert }: { alert: AlertItem }) {
  const kind = alert.status === 'firing' && alert.silenced ? 'silenced' : alert.status;
  return <span className={`state state-${kind}`}>{stateText(alert)}</span>;
}
