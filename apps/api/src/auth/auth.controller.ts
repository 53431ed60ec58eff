import { BadRequestException, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppEnv } from '@klaxon/config';
import { APP_ENV } from '@klaxon/config';
import { InvalidJsonBody } from '../http/body-parsers';
import { AuthService, type SignedInUser } from './auth.service';
import { CurrentUser, SessionGuard, assertSameOrigin } from './session.guard';
import { SESSION_COOKIE, sessionCookieOptions } from './session-token';
import { SignInThrottledError } from './sign-in-throttled.error';

@Controller('api/v1/auth')
export class AuthController {
  private readonly secureCookie: boolean;
  private readonly origin: string;

  constructor(
    private readonly auth: AuthService,
    @Inject(APP_ENV) env: AppEnv,
  ) {
    const url = new URL(env.http.publicUrl);
    this.secureCookie = url.protocol === 'https:';
    this.origin = url.origin;
  }

  @Post('login')
  @HttpCode(200)
  async login(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ user: SignedInUser }> {
    // Login CSRF: a page elsewhere must not sign a browser in to our account.
    if (req.headers.origin !== undefined) assertSameOrigin(req, this.origin);
    const { username, password } = credentials(req.body);
    try {
      const { user, token, expiresAt } = await this.auth.login(username, password, req.ip);
      void reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(this.secureCookie, expiresAt));
      return { user };
    } catch (error) {
      if (error instanceof SignInThrottledError) void reply.header('retry-after', String(error.retryAfterSeconds));
      throw error;
    }
  }

  /**
   * Signs out whatever state the session is in: an expired or unknown one
   * still gets its cookie cleared, so the browser is not left holding it.
   */
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      // A page elsewhere must not sign the browser out either.
      assertSameOrigin(req, this.origin);
      await this.auth.logout(token);
    }
    void reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(this.secureCookie, new Date(0)));
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentUser() user: SignedInUser): { user: SignedInUser } {
    return { user };
  }
}

function credentials(body: unknown): { username: string; password: string } {
  if (body instanceof InvalidJsonBody) throw new BadRequestException(body.error);
  const { username, password } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof username !== 'string' || username.trim() === '') throw new BadRequestException('username is required');
  if (typeof password !== 'string' || password === '') throw new BadRequestException('password is required');
  if (username.length > 256 || password.length > 1024) throw new BadRequestException('username or password is too long');
  return { username, password };
}
