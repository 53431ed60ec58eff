import { Injectable } from '@nestjs/common';
import { ConfigStore, parseLocalDateTime, type ScheduleConfig } from '@klaxon/config';
import { localWallTimeToInstant, validateOverride } from '@klaxon/escalation';
import { ScheduleOverrideRepository, overridesBySchedule, type ScheduleOverrideRecord } from '@klaxon/db';
import { lookAheadMs, onCallView, scheduleOnCall, type OnCallView, type ScheduleOnCallView } from './oncall.view';

export class UnknownScheduleError extends Error {}

export class InvalidOverrideError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export interface OverrideInput {
  user?: unknown;
  from?: unknown;
  to?: unknown;
}

export interface CreatedOverride {
  override: { id: string; schedule: string; user: string; from: string; to: string; createdBy: string; createdAt: string };
  oncall: ScheduleOnCallView;
}

/** The API's field names for the problems validateOverride reports. */
const FIELD_NAMES: Record<string, string> = { userId: 'user', startsAt: 'from', endsAt: 'to' };

@Injectable()
export class OncallService {
  constructor(
    private readonly config: ConfigStore,
    private readonly overrides: ScheduleOverrideRepository,
  ) {}

  async view(now = new Date()): Promise<OnCallView> {
    const config = this.config.config;
    const stored = await this.overrides.activeOrUpcoming(
      config.schedules.map((s) => s.id),
      now,
      new Date(now.getTime() + lookAheadMs(config)),
    );
    return onCallView(config, overridesBySchedule(stored), now);
  }

  /** Validates and stores an override; answers with it and the schedule's new on-call now and next. */
  async createOverride(scheduleId: string, input: OverrideInput, createdBy: string, now = new Date()): Promise<CreatedOverride> {
    const config = this.config.config;
    const schedule = config.lookup.schedules.get(scheduleId);
    if (!schedule) throw new UnknownScheduleError(`schedule "${scheduleId}" does not exist`);
    const request = {
      userId: typeof input.user === 'string' ? input.user : (undefined as unknown as string),
      startsAt: instantOf(input.from, schedule),
      endsAt: instantOf(input.to, schedule),
    };
    const problems = validateOverride(request, schedule, config.lookup.users, { now }).map((p) => {
      const colon = p.indexOf(':');
      const field = p.slice(0, colon);
      return (FIELD_NAMES[field] ?? field) + p.slice(colon).replace(' after startsAt (', ' after from (');
    });
    if (problems.length > 0) throw new InvalidOverrideError(problems);
    const saved = await this.overrides.create(schedule.id, request.userId, request.startsAt, request.endsAt, createdBy);
    const stored = await this.overrides.activeOrUpcoming([schedule.id], now, new Date(now.getTime() + lookAheadMs(config)));
    return { override: overrideView(saved), oncall: scheduleOnCall(config, schedule, stored, now) };
  }
}

/**
 * An ISO 8601 instant (`2026-03-01T18:00:00Z`, `…+08:00`); a local date and
 * time without an offset (`2026-03-01T18:00`) is read in the schedule's time
 * zone, like a rotation's `start`. Anything else is an invalid date.
 */
function instantOf(value: unknown, schedule: ScheduleConfig): Date {
  if (typeof value !== 'string' || value.trim() === '') return new Date(Number.NaN);
  const text = value.trim();
  const local = parseLocalDateTime(text);
  if (local) return localWallTimeToInstant(local, schedule.timezone);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return new Date(Number.NaN);
  return new Date(text);
}

function overrideView(o: ScheduleOverrideRecord): CreatedOverride['override'] {
  return {
    id: o.id,
    schedule: o.scheduleId,
    user: o.userId,
    from: o.startsAt.toISOString(),
    to: o.endsAt.toISOString(),
    createdBy: o.createdBy,
    createdAt: o.createdAt.toISOString(),
  };
}
