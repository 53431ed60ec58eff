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
  return config.lookup.integrationsByTokenHash.get(hashIntegrationToken(token));
}
