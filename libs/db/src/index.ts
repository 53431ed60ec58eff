export { DbModule } from './db.module';
export { PrismaService, DATABASE_URL } from './prisma.service';
export * from './repositories/alert.repository';
export * from './repositories/notification.repository';
export * from './repositories/rejected-input.repository';
export * from './repositories/reply-code.repository';
export * from './repositories/session.repository';
export * from './domain';
export { applyMigrations, ensureDatabase, MigrationError } from './migrations';
