/**
 * The REST API (SPEC §10), same-origin under /api/v1 with the session cookie.
 * A 401 from any call (other than signing in) means the session ended: the
 * app is told once, and shows the sign-in form again.
 */

export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';

export interface SignedInUser {
  id: string;
  name: string;
  role: 'admin' | 'responder';
  email: string | null;
}

export interface AlertItem {
  number: number;
  priority: string;
  status: AlertStatus;
  host: string;
  ip: string;
  message: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  acknowledgedBy: string | null;
  acknowledgedVia: string | null;
  resolvedBy: string | null;
  resolvedVia: string | null;
  silenced: boolean;
  tier: string | null;
  policy: string | null;
  source: string;
}

export interface TimelineEvent {
  at: string;
  type: string;
  actor: string | null;
  via: string | null;
  detail: Record<string, unknown>;
}

export interface NotificationItem {
  id: string;
  userId: string | null;
  channel: string;
  address: string;
  kind: string;
  status: string;
  error: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export interface AlertDetail extends AlertItem {
  events: TimelineEvent[];
  notifications: NotificationItem[];
}

export interface SilenceMatchers {
  host?: string;
  ip?: string;
  message?: string;
  messageRegex?: string;
  priority?: string[];
  fingerprint?: string;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: string;
  endsAt: string | null;
  untilAlertId: string | null;
  author: string;
  comment: string;
  origin: string;
  expiredAt: string | null;
}

export interface OnCallPerson {
  user: string;
  name: string;
  until: string;
  override: boolean;
}

export interface OnCallView {
  schedules: {
    schedule: string;
    timezone: string;
    now: OnCallPerson & { since: string };
    next: (OnCallPerson & { from: string }) | null;
  }[];
  policies: { policy: string; step: number; targets: { kind: string; id: string; onCall?: string }[] }[];
}

export interface RejectedInput {
  id: number;
  receivedAt: string;
  integration: string;
  endpoint: string;
  line: number | null;
  input: string;
  error: string;
}

export interface ChannelHealth {
  channel: string;
  sent: number;
  delivered: number;
  failed: number;
  pending: number;
  lastSentAt: string | null;
  lastError: { at: string; error: string } | null;
}

export interface IntegrationHealth {
  integration: string;
  rejected: number;
  lastRejectedAt: string | null;
}

export interface DeliveryHealth {
  since: string;
  channels: ChannelHealth[];
  integrations: IntegrationHealth[];
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A refused call, with the API's message (and a list of problems when it gave them). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onSessionEnded: () => void = () => undefined;

/** Who to tell when a call answers 401 (the app: back to the sign-in form). */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

async function call<T>(method: string, path: string, body?: unknown, options: { signIn?: boolean } = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'Klaxon cannot be reached; check your connection.');
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const fields = (parsed ?? {}) as { message?: unknown; problems?: unknown; errors?: unknown; retryAfterSeconds?: unknown };
    if (res.status === 401 && !options.signIn) onSessionEnded();
    const message = Array.isArray(fields.message) ? fields.message.join('; ') : typeof fields.message === 'string' ? fields.message : `${res.status} ${res.statusText}`;
    const list = Array.isArray(fields.problems) ? fields.problems : Array.isArray(fields.errors) ? fields.errors : [];
    throw new ApiError(res.status, message, list.map(String));
  }
  return parsed as T;
}

export interface AlertQuery {
  status?: string;
  priority?: string;
  q?: string;
  limit?: number;
}

export const api = {
  me: () => call<{ user: SignedInUser }>('GET', '/auth/me'),
  login: (username: string, password: string) => call<{ user: SignedInUser }>('POST', '/auth/login', { username, password }, { signIn: true }),
  logout: () => call<null>('POST', '/auth/logout'),

  alerts(query: AlertQuery) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return call<{ items: AlertItem[]; nextCursor: string | null }>('GET', `/alerts?${params}`);
  },
  alert: (number: number) => call<AlertDetail>('GET', `/alerts/${number}`),
  acknowledge: (number: number) => call<AlertItem>('POST', `/alerts/${number}/ack`),
  acknowledgeMany: (numbers: number[]) => call<{ results: { number: number; ok: boolean; error?: string }[] }>('POST', '/alerts/ack', { numbers }),
  resolve: (number: number) => call<AlertItem>('POST', `/alerts/${number}/resolve`),
  escalate: (number: number) => call<AlertItem & { escalatedTo: { step: number; round: number } }>('POST', `/alerts/${number}/escalate`),
  silenceAlert: (number: number, duration: string) => call<{ silence: Silence }>('POST', `/alerts/${number}/silence`, { duration }),

  silences: (ended: boolean) => call<{ items: Silence[] }>('GET', `/silences${ended ? '?ended=true' : ''}`),
  createSilence: (body: { matchers: SilenceMatchers; duration?: string; endsAt?: string; comment: string }) => call<Silence>('POST', '/silences', body),
  expireSilence: (id: string) => call<Silence>('DELETE', `/silences/${encodeURIComponent(id)}`),

  oncall: () => call<OnCallView>('GET', '/oncall'),
  createOverride: (schedule: string, body: { user: string; from: string; to: string }) =>
    call<unknown>('POST', `/schedules/${encodeURIComponent(schedule)}/overrides`, body),

  rejected: (cursor: string | null) => call<{ items: RejectedInput[]; nextCursor: string | null }>('GET', `/rejected?limit=100${cursor ? `&cursor=${cursor}` : ''}`),
  deliveryHealth: () => call<DeliveryHealth>('GET', '/health/delivery'),

  tokens: () => call<{ items: ApiToken[] }>('GET', '/tokens'),
  createToken: (name: string) => call<{ token: string; item: ApiToken }>('POST', '/tokens', { name }),
  revokeToken: (id: string) => call<ApiToken>('DELETE', `/tokens/${encodeURIComponent(id)}`),
};
