import * as argon2 from 'argon2';

export const TEST_INGEST_TOKEN = 'test-ingest-token-0123456789';
export const TEST_FALCON_TOKEN = 'test-falcon-token-0123456789';
export const TEST_PASSWORD = 'correct horse battery staple';

let hash: Promise<string> | undefined;
/** An argon2id hash of TEST_PASSWORD with cheap parameters, made once per test file. */
export function testPasswordHash(): Promise<string> {
  hash ??= argon2.hash(TEST_PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  return hash;
}

/** A small, valid config for end-to-end tests: alice (admin, can sign in), bob (responder), two integrations. */
export async function testConfigYaml(extra = ''): Promise<string> {
  const hash = await testPasswordHash();
  return `
users:
  - id: alice
    name: Alice Chen
    role: admin
    passwordHash: "${hash}"
    phone: "+15005550001"
    email: alice@example.com
    timezone: Asia/Shanghai
  - id: bob
    name: Bob Smith
    role: responder
    phone: "+15005550002"
    email: bob@example.com
    timezone: UTC
  - id: carol
    name: Carol DBA
    role: responder
    passwordHash: "${hash}"
    email: carol@example.com
    timezone: UTC

escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice], next: 10m }
      - { notify: [user:bob] }
  - id: dba
    steps:
      - { notify: [user:carol] }

routes:
  - match: { host: "db-*", priority: [P0, P1] }
    policy: dba
  - policy: ops

integrations:
  - id: monitoring
    token: ${TEST_INGEST_TOKEN}
  - id: falcon
    token: ${TEST_FALCON_TOKEN}
${extra}`;
}

/**
 * The smallest paging config: alice alone on call (one policy, one route) and
 * one integration. `head` comes first (tiers, delivery, budgets: what the test
 * is about); `alice` adds fields to her entry (e.g. a password hash to sign in).
 */
export function onePersonConfigYaml(options: { token: string; phone: string; head: string; alice?: string }): string {
  return `
${options.head.trim()}
users:
  - { id: alice, name: Alice, ${options.alice ? `${options.alice}, ` : ''}phone: "${options.phone}" }
escalationPolicies:
  - id: ops
    steps:
      - { notify: [user:alice] }
routes:
  - policy: ops
integrations:
  - { id: monitoring, token: ${options.token} }
`;
}
