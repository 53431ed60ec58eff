import { defineConfig } from 'prisma/config';

// The datasource URL is only needed by Prisma's own migrate/db commands;
// Klaxon applies migrations itself (npm run migrate) and passes the URL to the
// client through @prisma/adapter-pg.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/klaxon' },
});
