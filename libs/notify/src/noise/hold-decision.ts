import type { TierConfig } from '@klaxon/config';
import { quietHoursEnd, type QuietHoursUser } from './quiet-hours';

/*
 * Whether a notification waits before any provider limit applies (SPEC §5):
 * - quiet hours hold SMS and voice of tiers that defer, until they end in the person's own time zone;
 * - a tier's grouping window holds everything for one destination until the window ends, so the alerts
 *   within it go as one message (the first page opens the window); voice calls are never grouped.
 */

export interface HoldInput {
  channel: string;
  tier: Pick<TierConfig, 'quietHours' | 'groupWindowMs'>;
  /** the person, for SMS and voice (IM channels are shared destinations) */
  user?: QuietHoursUser;
  now: Date;
}

/** When quiet hours let this SMS or call go, or null when they do not hold it. */
export function quietHoursHold({ channel, tier, user, now }: HoldInput): Date | null {
  if ((channel !== 'sms' && channel !== 'voice') || tier.quietHours !== 'defer' || user === undefined) return null;
  return quietHoursEnd(user, now);
}

/** Whether the tier's grouping window applies to this channel. */
export function isGrouped(channel: string, tier: Pick<TierConfig, 'groupWindowMs'>): boolean {
  return channel !== 'voice' && tier.groupWindowMs > 0;
}

export interface Holdable {
  channel: string;
  address: string;
  userId: string | null;
  kind: string;
}

export interface HoldGroup<R> {
  records: R[];
  at: Date;
  reason: 'quiet hours' | 'grouping window';
}

/**
 * Splits one page's notifications into those that go now and those held, grouped by destination and
 * release time (each group is one flush). `windowEnd` gives the end of the destination's open grouping
 * window (the caller opens it in the shared store); `userOf` the person, for quiet hours.
 * Flapping notices are never grouped: they already replace a page per cycle.
 */
export async function planHolds<R extends Holdable>(
  records: readonly R[],
  ctx: {
    tier: HoldInput['tier'];
    now: Date;
    userOf: (userId: string) => QuietHoursUser | undefined;
    windowEnd: (record: R) => Promise<Date>;
  },
): Promise<{ sendNow: R[]; held: HoldGroup<R>[] }> {
  const sendNow: R[] = [];
  const held = new Map<string, HoldGroup<R>>();
  for (const record of records) {
    const user = record.userId === null ? undefined : ctx.userOf(record.userId);
    let at = quietHoursHold({ channel: record.channel, tier: ctx.tier, now: ctx.now, ...(user ? { user } : {}) });
    let reason: HoldGroup<R>['reason'] = 'quiet hours';
    if (at === null && record.kind !== 'flapping' && isGrouped(record.channel, ctx.tier)) {
      at = await ctx.windowEnd(record);
      reason = 'grouping window';
    }
    if (at === null) {
      sendNow.push(record);
      continue;
    }
    const key = `${record.channel}\n${record.address}\n${at.getTime()}`;
    const group = held.get(key) ?? { records: [], at, reason };
    group.records.push(record);
    held.set(key, group);
  }
  return { sendNow, held: [...held.values()] };
}
