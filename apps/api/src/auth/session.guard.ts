import { ForbiddenException, Injectable, UnauthorizedException, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import type { AppEnv } from '@klaxon/config';
import { APP_ENV } from '@klaxon/config';
import { ApiTokenService } from './api-token.service';
import { bearerToken } from './api-token';
import { AuthService, type SignedInUser } from './auth.service';
import { SESSION_COOKIE, sessionCookieOptions } from './session-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How the caller proved who they are: a session cookie (the UI) or a personal API token (a script). */
export type AuthVia = 'web' | 'api';

export type AuthenticatedRequest = FastifyRequest & {
  user: SignedInUser;
  authVia: AuthVia;
  /** Whether the credential the request came with still holds (for long-lived responses: the event stream). */
  stillAuthorized: () => Promise<boolean>;
};

/**
 * Needs a signed-in user: a session cookie, or `Authorization: Bearer <personal
 * API token>` (SPEC §10), which acts as the token's user. A mutating request
 * with the cookie must come from the UI's own origin (the Origin header),
 * which with the SameSite cookie stands in for a CSRF token; a bearer token is
 * never sent by a browser on its own, so it needs no such check. When the
 * session's expiry slides forward, so does the cookie's.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly origin: string;
  private readonly secureCookie: boolean;

  constructor(
    private readonly auth: AuthService,
    private readonly apiTokens: ApiTokenService,
    @Inject(APP_ENV) env: AppEnv,
  ) {
    const url = new URL(env.http.publicUrl);
    this.origin = url.origin;
    this.secureCookie = url.protocol === 'https:';
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== null) {
      const user = await this.apiTokens.authenticate(bearer);
      if (!user) throw new UnauthorizedException('the API token is not valid (unknown or revoked)');
      req.user = user;
      req.authVia = 'api';
      req.stillAuthorized = async () => (await this.apiTokens.authenticate(bearer)) !== null;
      return true;
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token) throw new UnauthorizedException('sign in first');
    if (!SAFE_METHODS.has(req.method)) assertSameOrigin(req, this.origin);
    const session = await this.auth.resumeSession(token);
    if (!session) throw new UnauthorizedException('the session has expired; sign in again');
    if (session.renewed) {
      void context.switchToHttp().getResponse<FastifyReply>().setCookie(SESSION_COOKIE, token, sessionCookieOptions(this.secureCookie, session.expiresAt));
    }
    req.user = session.user;
    req.authVia = 'web';
    req.stillAuthorized = () => this.auth.sessionStands(token);
    return true;
  }
}

/** Refuses a state-changing request whose Origin is missing or not the UI's own. */
export function assertSameOrigin(req: FastifyRequest, publicOrigin: string): void {
  const origin = req.headers.origin;
  if (origin === publicOrigin) return;
  // Also accept the origin the request was addressed to (a direct, non-proxied call).
  const host = req.headers.host;
  if (origin !== undefined && host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return;
  throw new ForbiddenException(origin === undefined ? 'the Origin header is required' : `origin ${origin} is not allowed`);
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): SignedInUser => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
});

/** `via` for what the caller does: `web` with a session, `api` with a personal API token (for the timeline). */
export const ActingVia = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthVia => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().authVia;
});
