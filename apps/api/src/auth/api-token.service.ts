import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { controlCharError } from '@klaxon/alert-format';
import { ApiTokenRepository, type ApiTokenRecord } from '@klaxon/db';
import { AuthService, type SignedInUser } from './auth.service';
import { apiTokenHash, apiTokenPrefix, newApiToken } from './api-token';

/** What the API shows of a token: never the token or its hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const MAX_ACTIVE_TOKENS = 50;
const MAX_NAME_LENGTH = 100;

/** Personal API tokens (SPEC §10): made and revoked by their user, shown once, stored hashed. */
@Injectable()
export class ApiTokenService {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly auth: AuthService,
  ) {}

  async create(user: SignedInUser, rawName: unknown): Promise<{ token: string; item: ApiTokenView }> {
    const name = typeof rawName === 'string' ? rawName.trim() : '';
    if (name === '' || [...name].length > MAX_NAME_LENGTH) throw new BadRequestException(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
    // a label shown in lists, held to the alert fields' rule; PostgreSQL cannot store a NUL in text at all
    const control = controlCharError('name', name);
    if (control) throw new BadRequestException(control.message);
    if ((await this.tokens.countActive(user.id)) >= MAX_ACTIVE_TOKENS) {
      throw new ConflictException(`you have ${MAX_ACTIVE_TOKENS} tokens already; revoke one first`);
    }
    const token = newApiToken();
    const record = await this.tokens.create(user.id, name, apiTokenHash(token), apiTokenPrefix(token));
    return { token, item: view(record) };
  }

  async list(user: SignedInUser): Promise<ApiTokenView[]> {
    return (await this.tokens.listForUser(user.id)).map(view);
  }

  async revoke(user: SignedInUser, id: string): Promise<ApiTokenView> {
    const record = /^[0-9a-f-]{36}$/i.test(id) ? await this.tokens.revoke(user.id, id, new Date()) : null;
    if (!record) throw new NotFoundException(`token ${id.slice(0, 40)} does not exist`);
    return view(record);
  }

  /** The user a bearer token acts as, or null: unknown, revoked, or its user may no longer act (SPEC §6). */
  async authenticate(token: string): Promise<SignedInUser | null> {
    const record = await this.tokens.findActive(apiTokenHash(token), new Date());
    return record ? this.auth.publicUser(record.userId) : null;
  }
}

function view(record: ApiTokenRecord): ApiTokenView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}
