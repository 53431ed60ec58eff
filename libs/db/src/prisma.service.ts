import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export const DATABASE_URL = Symbol('DATABASE_URL');

/** The Prisma client over node-postgres. A failed connect stops start-up. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DATABASE_URL) connectionString: string) {
    super({ adapter: new PrismaPg({ connectionString, max: 10 }) });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    await this.$queryRawUnsafe('SELECT 1');
  }

  /** Last of all at shutdown: running jobs and requests finish first (they close before this hook). */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.$queryRawUnsafe('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
