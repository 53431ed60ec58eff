import type { Priority } from '@klaxon/alert-format';

/** Where a silence was made (SPEC §4); stored as the `ActionVia` of its row. */
export const SILENCE_ORIGINS = ['web', 'api', 'sms'] as const;
export type SilenceOrigin = (typeof SILENCE_ORIGINS)[number];

/** The matcher names a silence may use, in the order messages list them. */
export const SILENCE_MATCHER_KEYS = ['host', 'ip', 'message', 'messageRegex', 'priority', 'fingerprint'] as const;
export type SilenceMatcherKey = (typeof SILENCE_MATCHER_KEYS)[number];

/**
 * What a silence silences. Every matcher given must hold; a silence without
 * any matcher matches nothing (and is refused when made).
 */
export interface SilenceMatchers {
  /** host glob (`db-*`, `web-0?`, `web-{01,02}`), case-insensitive */
  host?: string;
  /** an exact IPv4/IPv6 address, or a CIDR range like `10.0.0.0/24` or `2001:db8::/32` */
  ip?: string;
  /** a substring of the message, case-insensitive */
  message?: string;
  /** a regular expression on the message: `/disk (full|\d+%)/i` or a plain pattern */
  messageRegex?: string;
  /** any of these priorities */
  priority?: readonly Priority[];
  /** exactly this alert fingerprint: how an SMS or alert-page silence targets one alert */
  fingerprint?: string;
}

/** A silence as stored (the `silences` table). */
export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: Date;
  /** null only for "silence until OK", which then needs untilAlertId */
  endsAt: Date | null;
  /** "silence until OK": the silence ends when this alert resolves (expiredAt is then set) */
  untilAlertId: string | null;
  /** user id of who made it */
  author: string;
  comment: string;
  origin: SilenceOrigin;
  /** when it was ended early (expired in the UI, or its until-OK alert resolved) */
  expiredAt: Date | null;
}

/** What silence matching looks at in an alert. */
export interface SilenceableAlert {
  host: string;
  /** IPv4 or IPv6, or '' when the sender gave none */
  ip: string;
  message: string;
  priority: string;
  fingerprint: string;
}
