import { ForbiddenException, Injectable, UnauthorizedException, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import type { AppEnv } from '@klaxon/config';
import { APP_ENV } from '@klaxon/config';
import { AuthService, type SignedInUser } from './auth.service';
import { SESSION_COOKIE, sessionCookieOptions } from './session-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type AuthenticatedRequest = FastifyRequest & { user: SignedInUser };

/**
 * Needs a signed-in user. A mutating request must come from the UI's own
 * origin (the Origin header), which with the SameSite cookie stands in for a
 * CSRF token. When the session's expiry slides forward, so does the cookie's.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly origin: string;
  private readonly secureCookie: boolean;

  constructor(
    private readonly auth: AuthService,
    @Inject(APP_ENV) env: AppEnv,
  ) {
    const url = new URL(env.http.publicUrl);
    this.origin = url.origin;
    this.secureCookie = url.protocol === 'https:';
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token) throw new UnauthorizedException('sign in first');
    if (!SAFE_METHODS.has(req.method)) assertSameOrigin(req, this.origin);
    const session = await this.auth.resumeSession(token);
    if (!session) throw new UnauthorizedException('the session has expired; sign in again');
    if (session.renewed) {
      void context.switchToHttp().getResponse<FastifyReply>().setCookie(SESSION_COOKIE, token, sessionCookieOptions(this.secureCookie, session.expiresAt));
    }
    req.user = session.user;
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
