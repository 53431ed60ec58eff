import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppEnv } from '@klaxon/config';
import { ConfigStore } from '@klaxon/config';
import { SessionRepository } from '@klaxon/db';
import { REDIS } from '@klaxon/queue';
import { APP_ENV } from '@klaxon/config';
import { LoginThrottle } from './login-throttle';
import { SESSION_TTL_MS, newSessionToken, sessionTokenHash } from './session-token';
import { SignInThrottledError } from './sign-in-throttled.error';

export interface SignedInUser {
  id: string;
  name: string;
  role: 'admin' | 'responder';
  email: string | null;
}

export interface LiveSession {
  user: SignedInUser;
  expiresAt: Date;
  /** the expiry was just slid forward, so the cookie's should be too */
  renewed: boolean;
}

@Injectable()
export class AuthService {
  private readonly throttle: LoginThrottle;
  /** verified when the user is unknown or has no password, so the answer's timing does not tell */
  private readonly decoyHash = argon2.hash(randomBytes(16));

  constructor(
    private readonly config: ConfigStore,
    private readonly sessions: SessionRepository,
    @Inject(APP_ENV) private readonly env: AppEnv,
    @Inject(REDIS) redis: Redis,
  ) {
    this.throttle = new LoginThrottle(redis, env.redis.queuePrefix);
  }

  /** Signs in by user id or email; 401 without detail on a bad pair, 429 when throttled. */
  async login(username: string, password: string, address: string): Promise<{ user: SignedInUser; token: string; expiresAt: Date }> {
    const wanted = username.trim().toLowerCase();
    const user = this.config.config.users.find((u) => u.id.toLowerCase() === wanted || u.email?.toLowerCase() === wanted);
    // One counter per person, whichever of their names (id or email, any case or padding) is typed.
    const throttleKey = user ? `user:${user.id}` : `name:${wanted}`;
    const wait = await this.throttle.takeAttempt(address, throttleKey);
    if (wait > 0) throw new SignInThrottledError(wait);
    const hash = user?.passwordHash ?? (await this.decoyHash);
    const ok = await argon2.verify(hash, password).catch(() => false);
    if (!user || !user.passwordHash || !ok) throw new UnauthorizedException('invalid username or password');
    await this.throttle.succeeded(address, throttleKey);
    const token = newSessionToken();
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await this.sessions.create(sessionTokenHash(this.env.session.secret, token), user.id, expiresAt);
    return { user: this.publicUser(user.id)!, token, expiresAt };
  }

  async logout(token: string): Promise<void> {
    await this.sessions.delete(sessionTokenHash(this.env.session.secret, token));
  }

  /** The live session of a token, or null when it is unknown, expired, or its user left the config. */
  async resumeSession(token: string): Promise<LiveSession | null> {
    const now = new Date();
    const slideTo = new Date(now.getTime() + SESSION_TTL_MS);
    const session = await this.sessions.findLive(sessionTokenHash(this.env.session.secret, token), now, slideTo);
    const user = session ? this.publicUser(session.userId) : null;
    if (!session || !user) return null;
    // findLive returns `slideTo` as the expiry when it moved it (at most once a minute).
    return { user, expiresAt: session.expiresAt, renewed: session.expiresAt.getTime() === slideTo.getTime() };
  }

  /** Whether the session still stands (not signed out, not expired, its user still allowed in), without sliding it. */
  async sessionStands(token: string): Promise<boolean> {
    const userId = await this.sessions.liveUser(sessionTokenHash(this.env.session.secret, token), new Date());
    return userId !== null && this.publicUser(userId) !== null;
  }

  /**
   * The user as the API shows them, or null when they may not act through it
   * (not in the config, or without a passwordHash: SPEC §6), for sessions and
   * personal API tokens alike.
   */
  publicUser(id: string): SignedInUser | null {
    const user = this.config.config.users.find((u) => u.id === id);
    if (!user || !user.passwordHash) return null;
    return { id: user.id, name: user.name ?? user.id, role: user.role ?? 'responder', email: user.email ?? null };
  }
}
