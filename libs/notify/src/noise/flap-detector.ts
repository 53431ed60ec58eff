/**
 * Flap detection: an alert that keeps going PROBLEM → OK → PROBLEM. Repeated statuses (PROBLEM, PROBLEM)
 * are not changes and are ignored; transitions may come in any order.
 */

export type FlapStatus = 'PROBLEM' | 'OK';

export interface StatusTransition {
  status: FlapStatus;
  at: Date;
}

export interface FlapState {
  flapping: boolean;
  /** PROBLEM → OK → PROBLEM cycles with all three transitions within the window (overlapping cycles count) */
  cycles: number;
}

/** The status changes in time order, with repeats of the same status dropped (the first one kept). */
function changes(transitions: readonly StatusTransition[]): StatusTransition[] {
  const sorted = transitions
    .map((t, index) => ({ t, index }))
    .sort((a, b) => a.t.at.getTime() - b.t.at.getTime() || a.index - b.index)
    .map(({ t }) => t);
  const out: StatusTransition[] = [];
  for (const t of sorted) if (out[out.length - 1]?.status !== t.status) out.push(t);
  return out;
}

/**
 * Whether the alert is flapping: at least `threshold` cycles in the `windowMs` ending at `now` (by default the
 * latest transition). Transitions after `now` are ignored.
 */
export function flapState(
  transitions: readonly StatusTransition[],
  windowMs: number,
  threshold: number,
  now?: Date,
): FlapState {
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`threshold must be a positive integer, got ${threshold}`);
  const all = changes(transitions);
  const end = now?.getTime() ?? all[all.length - 1]?.at.getTime() ?? 0;
  const inWindow = all.filter((t) => t.at.getTime() <= end && t.at.getTime() > end - windowMs);
  let cycles = 0;
  for (let i = 2; i < inWindow.length; i++) {
    if (inWindow[i]?.status === 'PROBLEM' && inWindow[i - 1]?.status === 'OK' && inWindow[i - 2]?.status === 'PROBLEM') cycles++;
  }
  return { flapping: cycles >= threshold, cycles };
}

/** Since when the current status (as of `now`) has held: the last status change at or before `now`, or null if none. */
export function stableSince(transitions: readonly StatusTransition[], now: Date): Date | null {
  const upToNow = changes(transitions.filter((t) => t.at.getTime() <= now.getTime()));
  const last = upToNow[upToNow.length - 1];
  return last === undefined ? null : new Date(last.at.getTime());
}
