import type { KlaxonConfig, TierConfig, UserConfig } from '@klaxon/config';
import type { ResolvedTarget } from '@klaxon/triage';
import type { ChannelKind } from './notification-channel';

/*
 * Who is paged, and how, for one escalation step of one alert — pure, so the
 * rules are tested without queues or providers. Keys are deterministic: the
 * same step planned twice (a retried job) yields the same notifications.
 */

export interface PlannedNotification {
  key: string;
  userId: string | null;
  channel: ChannelKind;
  address: string;
  meta: { step: number; round: number; channelId?: string; mentions?: string[] };
}

export interface PageContext {
  alertId: string;
  tier: TierConfig;
  targets: readonly ResolvedTarget[];
  step: number;
  round: number;
}

/** The ways one person can be reached, in the order a failure falls back through them. */
export const CONTACT_ORDER = ['sms', 'voice', 'email'] as const;
export type ContactMethod = (typeof CONTACT_ORDER)[number];

export function addressOf(user: UserConfig, method: ContactMethod): string | undefined {
  return method === 'email' ? user.email : user.phone;
}

function pageKey(ctx: { alertId: string; round: number; step: number }, who: string, channel: string): string {
  return `page:${ctx.alertId}:${ctx.round}:${ctx.step}:${who}:${channel}`;
}

export function planPage(config: KlaxonConfig, ctx: PageContext): PlannedNotification[] {
  const planned: PlannedNotification[] = [];
  const meta = { step: ctx.step, round: ctx.round };
  const users = ctx.targets.flatMap((t) => (t.kind === 'user' ? [config.lookup.users.get(t.userId)].filter((u): u is UserConfig => u !== undefined) : []));

  for (const user of users) {
    for (const method of ctx.tier.channels) {
      if (method === 'im') continue; // IM goes to the step's channels, mentioning these people
      const address = addressOf(user, method);
      if (address === undefined) continue;
      planned.push({ key: pageKey(ctx, `user:${user.id}`, method), userId: user.id, channel: method, address, meta });
    }
  }

  if (ctx.tier.channels.includes('im')) {
    for (const target of ctx.targets) {
      if (target.kind !== 'channel') continue;
      const channel = config.lookup.channels.get(target.channelId);
      if (!channel) continue;
      const mentions = users.map((u) => u.im[channel.type]).filter((h): h is string => h !== undefined);
      planned.push({
        key: pageKey(ctx, `channel:${channel.id}`, channel.type),
        userId: null,
        channel: channel.type,
        address: channel.id,
        meta: { ...meta, channelId: channel.id, ...(mentions.length > 0 ? { mentions } : {}) },
      });
    }
  }
  return planned;
}

/**
 * After a person's method finally failed: the next method in CONTACT_ORDER
 * they have, that is available, and that this step has not used for them yet.
 */
export function planFallback(
  user: UserConfig,
  failed: { channel: string; step: number; round: number; alertId: string },
  available: ReadonlySet<ContactMethod>,
  usedKeys: ReadonlySet<string>,
): PlannedNotification | null {
  const from = CONTACT_ORDER.indexOf(failed.channel as ContactMethod);
  for (const method of CONTACT_ORDER.slice(from + 1)) {
    if (!available.has(method)) continue;
    const address = addressOf(user, method);
    if (address === undefined) continue;
    const key = pageKey(failed, `user:${user.id}`, method);
    if (usedKeys.has(key)) continue;
    return { key, userId: user.id, channel: method, address, meta: { step: failed.step, round: failed.round } };
  }
  return null;
}

/**
 * The recovery notice for one delivered page: same person, same channel, same address. An alert that
 * resolves again (it flapped and was reopened) gets a notice per resolution, told apart by its time.
 */
export function recoveryKey(alertId: string, pageNotificationId: string, resolvedAt?: Date | null): string {
  const base = `recovery:${alertId}:${pageNotificationId}`;
  return resolvedAt ? `${base}:${resolvedAt.getTime()}` : base;
}
