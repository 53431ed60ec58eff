/** Small display helpers: ages, times, durations. */

/** `45s`, `12m`, `3h 5m`, `2d 4h` since `iso`. */
export function age(iso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function dateTime(iso: string | null | undefined): string {
  return iso ? timeFormat.format(new Date(iso)) : '—';
}

export function shortTime(iso: string | null | undefined): string {
  return iso ? shortFormat.format(new Date(iso)) : '—';
}

/** The priority's number (P0 → 0) for colour classes; 9 for anything unexpected. */
export function priorityRank(priority: string): number {
  const n = Number(priority.replace(/^P/i, ''));
  return Number.isInteger(n) && n >= 0 && n <= 9 ? n : 9;
}

/** CSS class of a priority's colour: p0, p1, p2, and p3 for P3–P9. */
export function priorityClass(priority: string): string {
  return `prio prio-${Math.min(priorityRank(priority), 3)}`;
}

/** A value for <input type="datetime-local"> `ms` from now, in the browser's zone. */
export function localInputValue(ms: number): string {
  const d = new Date(Date.now() + ms);
  d.setSeconds(0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
