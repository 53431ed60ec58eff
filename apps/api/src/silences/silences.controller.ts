import { BadRequestException, Body, Controller, Delete, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Silence } from '@klaxon/triage';
import type { SignedInUser } from '../auth/auth.service';
import { ActingVia, CurrentUser, SessionGuard, type AuthVia } from '../auth/session.guard';
import { InvalidJsonBody } from '../http/body-parsers';
import { SilencesService } from './silences.service';

/** `GET/POST/DELETE /api/v1/silences` (SPEC §10). */
@Controller('api/v1/silences')
@UseGuards(SessionGuard)
export class SilencesController {
  constructor(private readonly silences: SilencesService) {}

  @Get()
  async list(@Query('ended') ended?: string): Promise<{ items: Silence[] }> {
    return { items: await this.silences.list(ended === 'true') };
  }

  @Post()
  create(@Body() body: unknown, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<Silence> {
    if (body instanceof InvalidJsonBody) throw new BadRequestException(body.error);
    return this.silences.createFromBody(body, user.id, via);
  }

  @Delete(':id')
  expire(@Param('id') id: string): Promise<Silence> {
    return this.silences.expire(id);
  }
}
