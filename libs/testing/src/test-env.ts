/**
 * Where tests find the shared services. `npm test` (scripts/test.mjs) exports
 * these after making sure PostgreSQL and Redis are up; the defaults match the
 * development machines.
 */
export function testEnv(): { databaseUrl: string; redisUrl: string } {
  // The one place tests read the environment, mirroring libs/config for the apps.
  const env = process.env;
  return {
    databaseUrl: env.KLAXON_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.KLAXON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
