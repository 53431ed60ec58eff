import { ForbiddenException, Injectable, UnauthorizedException, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Inject } from '@nestjs/common';
import type { AppEnv } from '@klaxon/config';
import { APP_ENV } from '@klaxon/config';
import { AuthService, type SignedInUser } from './auth.service';
import { SESSION_COOKIE } from './session-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type AuthenticatedRequest = FastifyRequest & { user: SignedInUser };

/**
 * Needs a signed-in user. A mutating request must come from the UI's own
 * origin (the Origin header), which with the SameSite cookie stands in for a
 * CSRF token.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly origin: string;

  constructor(
    private readonly auth: AuthService,
    @Inject(APP_ENV) env: AppEnv,
  ) {
    this.origin = new URL(env.http.publicUrl).origin;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token) throw new UnauthorizedException('sign in first');
    if (!SAFE_METHODS.has(req.method)) assertSameOrigin(req, this.origin);
    const user = await this.auth.userForSession(token);
    if (!user) throw new UnauthorizedException('the session has expired; sign in again');
    req.user = user;
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
