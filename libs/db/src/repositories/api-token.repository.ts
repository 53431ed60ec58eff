import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** A personal API token as the UI lists it: never the token itself, only its prefix. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const SELECT = { id: true, userId: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

/** How often using a token writes its `lastUsedAt` (every authenticated call reads it). */
const TOUCH_EVERY_MS = 60_000;

/** Personal API tokens (SPEC §10), stored by the SHA-256 of the token. */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(userId: string, name: string, tokenHash: string, prefix: string): Promise<ApiTokenRecord> {
    return this.prisma.apiToken.create({ data: { userId, name, tokenHash, prefix }, select: SELECT });
  }

  /** The user's tokens, newest first, revoked ones included (they show as revoked). */
  async listForUser(userId: string): Promise<ApiTokenRecord[]> {
    return this.prisma.apiToken.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], select: SELECT });
  }

  async countActive(userId: string): Promise<number> {
    return this.prisma.apiToken.count({ where: { userId, revokedAt: null } });
  }

  /** Revokes one of the user's tokens; null when it is not theirs (or does not exist). Revoking twice keeps the first time. */
  async revoke(userId: string, id: string, now: Date): Promise<ApiTokenRecord | null> {
    await this.prisma.apiToken.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: now } });
    return this.prisma.apiToken.findFirst({ where: { id, userId }, select: SELECT });
  }

  /**
   * The live token with this hash, or null (unknown or revoked). Marks it used,
   * at most once a minute, so a busy script does not write on every call.
   */
  async findActive(tokenHash: string, now: Date): Promise<ApiTokenRecord | null> {
    const token = await this.prisma.apiToken.findUnique({ where: { tokenHash }, select: SELECT });
    if (!token || token.revokedAt !== null) return null;
    if (token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await this.prisma.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { lastUsedAt: now } });
      return { ...token, lastUsedAt: now };
    }
    return token;
  }
}
