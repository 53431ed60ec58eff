import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { SessionRecord } from '../domain';

/** Sessions are stored by the hash of their token; the token itself lives only in the cookie. */
@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.prisma.session.create({ data: { id: tokenHash, userId, expiresAt } });
  }

  /** The live session for this token hash, its expiry slid forward when `slideTo` is later. */
  async findLive(tokenHash: string, now: Date, slideTo: Date): Promise<SessionRecord | null> {
    const row = await this.prisma.session.findUnique({ where: { id: tokenHash } });
    if (!row || row.expiresAt <= now) return null;
    // Touch at most once a minute: a session read is on every UI request.
    if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
      await this.prisma.session.update({ where: { id: tokenHash }, data: { lastSeenAt: now, expiresAt: slideTo } });
      return { userId: row.userId, expiresAt: slideTo };
    }
    return { userId: row.userId, expiresAt: row.expiresAt };
  }

  /** The user of the live session for this token hash, without touching it (an open event stream is not activity). */
  async liveUser(tokenHash: string, now: Date): Promise<string | null> {
    const row = await this.prisma.session.findUnique({ where: { id: tokenHash }, select: { userId: true, expiresAt: true } });
    return row && row.expiresAt > now ? row.userId : null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.prisma.session.deleteMany({ where: { id: tokenHash } });
  }
}
