import { BadRequestException, Body, Controller, Delete, ForbiddenException, Get, Param, Post, UseGuards } from '@nestjs/common';
import { InvalidJsonBody } from '../http/body-parsers';
import { ApiTokenService, type ApiTokenView } from './api-token.service';
import type { SignedInUser } from './auth.service';
import { ActingVia, CurrentUser, SessionGuard, type AuthVia } from './session.guard';

/**
 * `GET/POST /api/v1/tokens`, `DELETE /api/v1/tokens/:id`: one's own personal
 * API tokens. Managed from a signed-in session only, so a leaked token cannot
 * mint more tokens or hide itself.
 */
@Controller('api/v1/tokens')
@UseGuards(SessionGuard)
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Get()
  async list(@CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<{ items: ApiTokenView[] }> {
    sessionOnly(via);
    return { items: await this.tokens.list(user) };
  }

  /** 201 with the token itself: the only time it is shown. */
  @Post()
  create(@Body() body: unknown, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<{ token: string; item: ApiTokenView }> {
    sessionOnly(via);
    if (body instanceof InvalidJsonBody) throw new BadRequestException(body.error);
    const name = typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined;
    return this.tokens.create(user, name);
  }

  @Delete(':id')
  revoke(@Param('id') id: string, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<ApiTokenView> {
    sessionOnly(via);
    return this.tokens.revoke(user, id);
  }
}

function sessionOnly(via: AuthVia): void {
  if (via !== 'web') throw new ForbiddenException('personal API tokens are managed from a signed-in session, not with a token');
}
