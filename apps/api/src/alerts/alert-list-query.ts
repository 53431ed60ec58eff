import { PRIORITIES } from '@klaxon/alert-format';
import type { AlertListFilter, AlertStatus } from '@klaxon/db';

const STATUSES: readonly AlertStatus[] = ['firing', 'acknowledged', 'resolved'];
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

export class AlertQueryError extends Error {}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  const raw = Array.isArray(value) ? value.join(',') : String(value);
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * `GET /api/v1/alerts` query → filter (SPEC §10). Without `status`, the open
 * ones. Unknown values are errors that name the parameter, not silently empty.
 */
export function parseAlertListQuery(query: Record<string, unknown>): AlertListFilter {
  const statuses = list(query.status).map((s) => s.toLowerCase());
  for (const s of statuses) {
    if (!STATUSES.includes(s as AlertStatus)) throw new AlertQueryError(`status "${s}" is not one of ${STATUSES.join(', ')}`);
  }
  const priorities = list(query.priority).map((p) => p.toUpperCase());
  for (const p of priorities) {
    if (!(PRIORITIES as readonly string[]).includes(p)) throw new AlertQueryError(`priority "${p}" is not P0–P9`);
  }
  let silenced: boolean | null = null;
  if (query.silenced !== undefined) {
    if (query.silenced !== 'true' && query.silenced !== 'false') throw new AlertQueryError('silenced must be true or false');
    silenced = query.silenced === 'true';
  }
  let limit = DEFAULT_LIMIT;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new AlertQueryError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  let after: number | null = null;
  if (query.cursor !== undefined && query.cursor !== '') {
    after = Number(query.cursor);
    if (!Number.isSafeInteger(after) || after < 1) throw new AlertQueryError('cursor is not one this API gave out');
  }
  if (query.q !== undefined && typeof query.q !== 'string') throw new AlertQueryError('q must be given once');
  // PostgreSQL cannot compare text with NUL in it; no alert holds control characters anyway
  const text = typeof query.q === 'string' ? query.q.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
  const q = text !== '' ? text.slice(0, 200) : null;
  return {
    statuses: statuses.length > 0 ? (statuses as AlertStatus[]) : ['firing', 'acknowledged'],
    priorities,
    q,
    silenced,
    limit,
    after,
  };
}
