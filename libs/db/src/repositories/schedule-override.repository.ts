import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** A stored temporary override of a schedule ("I'll cover tonight"): `userId` is on call from `startsAt` (inclusive) to `endsAt` (exclusive). */
export interface ScheduleOverrideRecord {
  id: string;
  scheduleId: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
  /** the signed-in user who made it */
  createdBy: string;
  createdAt: Date;
}

/** Temporary schedule overrides (SPEC §6); the rotation itself lives in the config file. */
@Injectable()
export class ScheduleOverrideRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(scheduleId: string, userId: string, startsAt: Date, endsAt: Date, createdBy: string): Promise<ScheduleOverrideRecord> {
    const row = await this.prisma.scheduleOverride.create({ data: { scheduleId, userId, startsAt, endsAt, createdBy } });
    return record(row);
  }

  /**
   * The overrides of these schedules that overlap [from, to): ending after
   * `from` and starting before `to`, oldest created first. For "who is on
   * call at `now`" pass `to` = `now + 1 ms`.
   */
  async activeOrUpcoming(scheduleIds: readonly string[], from: Date, to: Date): Promise<ScheduleOverrideRecord[]> {
    if (scheduleIds.length === 0) return [];
    const rows = await this.prisma.scheduleOverride.findMany({
      where: { scheduleId: { in: [...new Set(scheduleIds)] }, endsAt: { gt: from }, startsAt: { lt: to } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(record);
  }
}

function record(row: ScheduleOverrideRecord): ScheduleOverrideRecord {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    userId: row.userId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

/** Overrides grouped by schedule id, as `stepTargets` and the rotation functions take them. */
export function overridesBySchedule(overrides: readonly ScheduleOverrideRecord[]): Map<string, ScheduleOverrideRecord[]> {
  const out = new Map<string, ScheduleOverrideRecord[]>();
  for (const o of overrides) {
    const list = out.get(o.scheduleId);
    if (list) list.push(o);
    else out.set(o.scheduleId, [o]);
  }
  return out;
}
