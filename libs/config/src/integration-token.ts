import { createHash } from 'node:crypto';
import type { IntegrationConfig, KlaxonConfig } from './klaxon-config.types';

/** Lowercase hex SHA-256: how integration tokens are kept once the file is loaded. */
export function hashIntegrationToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The integration a presented ingest token belongs to, or undefined. Hashing
 * first makes the Map lookup independent of how much of the token matches.
 */
export function findIntegrationByToken(config: KlaxonConfig, token: string): IntegrationConfig | undefined {
  if (token === '') return undefined;
  // Known tokens are remembered per loaded config (a reload starts afresh), so a busy
  // integration does not pay for a SHA-256 on every request; unknown ones are never kept.
  let known = knownTokens.get(config);
  if (!known) knownTokens.set(config, (known = new Map()));
  const cached = known.get(token);
  if (cached) return cached;
  const integration = config.lookup.integrationsByTokenHash.get(hashIntegrationToken(token));
  if (integration && known.size < 1000) known.set(token, integration);
  return integration;
}

const knownTokens = new WeakMap<KlaxonConfig, Map<string, IntegrationConfig>>();
