import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import type { SignedInUser } from '../auth/auth.service';
import { CurrentUser, SessionGuard } from '../auth/session.guard';
import { InvalidJsonBody } from '../http/body-parsers';
import { InvalidOverrideError, OncallService, UnknownScheduleError, type CreatedOverride, type OverrideInput } from './oncall.service';
import type { OnCallView } from './oncall.view';

/**
 * Who is on call now and next, and temporary overrides (SPEC §6, §10).
 *
 * Who may override: any signed-in user, naming any configured user ("I'll
 * cover tonight", or a lead arranging cover for someone else). The override
 * records who made it (`createdBy`), like every other action.
 */
@Controller('api/v1')
@UseGuards(SessionGuard)
export class OncallController {
  constructor(private readonly oncall: OncallService) {}

  @Get('oncall')
  async now(): Promise<OnCallView> {
    return this.oncall.view();
  }

  @Post('schedules/:id/overrides')
  @HttpCode(201)
  async createOverride(@Param('id') scheduleId: string, @Body() body: unknown, @CurrentUser() user: SignedInUser): Promise<CreatedOverride> {
    if (body instanceof InvalidJsonBody) throw new BadRequestException(body.error);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestException('the body must be a JSON object {user, from, to}');
    try {
      return await this.oncall.createOverride(scheduleId, body as OverrideInput, user.id);
    } catch (err) {
      if (err instanceof UnknownScheduleError) throw new NotFoundException(err.message);
      if (err instanceof InvalidOverrideError) throw new BadRequestException({ message: err.message, problems: err.problems });
      throw err;
    }
  }
}
