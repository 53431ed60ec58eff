export { waitFor } from './wait-for';
export { freePort } from './free-port';
export { testEnv } from './test-env';
export { createTestDatabase, queryRows, type TestDatabase } from './test-database';
export { startKlaxon, deleteRedisKeys, type KlaxonStack, type KlaxonProcess, type StackOptions } from './klaxon-processes';
export { testConfigYaml, TEST_INGEST_TOKEN, TEST_FALCON_TOKEN, TEST_PASSWORD } from './test-config';
export { TestClient } from './http-client';
