/** How an alert reads in IM channels: the bracket line people know (SPEC §2) and a look per priority. */
import type { AlertMessage, OutboundMessage } from '../notification-channel';

export { alertLine } from '@klaxon/alert-format';

/** The message kinds that go to a URL (IM webhooks and the generic webhook). */
export type ImMessage = Extract<OutboundMessage, { url: string }>;

export interface AlertLook {
  emoji: string;
  /** hex colour for the side bar of IMs that have one */
  color: string;
}

const PROBLEM_LOOKS: Record<string, AlertLook> = {
  P0: { emoji: '🔴', color: '#E01E5A' },
  P1: { emoji: '🟠', color: '#F2952F' },
  P2: { emoji: '🟡', color: '#ECB22E' },
};
const LOW_LOOK: AlertLook = { emoji: '🔵', color: '#1D9BD1' };
const OK_LOOK: AlertLook = { emoji: '✅', color: '#2EB67D' };

export function alertLook(alert: AlertMessage): AlertLook {
  if (alert.status === 'OK') return OK_LOOK;
  return PROBLEM_LOOKS[alert.priority] ?? LOW_LOOK;
}

/** Cuts text to at most `max` characters (code points), ending in … when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
