import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { tryParseDuration } from '@klaxon/config';
import { SilencesService } from '../silences/silences.service';
import { AlertRepository, type AlertDetail, type AlertSummary } from '@klaxon/db';
import type { SignedInUser } from '../auth/auth.service';
import { ActingVia, CurrentUser, SessionGuard, type AuthVia } from '../auth/session.guard';
import { InvalidJsonBody } from '../http/body-parsers';
import { AlertActionsService } from './alert-actions.service';
import { AlertQueryError, parseAlertListQuery } from './alert-list-query';

type AlertListItem = Omit<AlertSummary, 'id' | 'fingerprint' | 'labels' | 'source'> & { source: string };

/** The alert list and one alert with its timeline (SPEC §10), for the UI and scripts. */
@Controller('api/v1/alerts')
@UseGuards(SessionGuard)
export class AlertsController {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly actions: AlertActionsService,
    private readonly silences: SilencesService,
  ) {}

  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<{ items: AlertListItem[]; nextCursor: string | null }> {
    let filter;
    try {
      filter = parseAlertListQuery(query);
    } catch (err) {
      if (err instanceof AlertQueryError) throw new BadRequestException(err.message);
      throw err;
    }
    const page = await this.alerts.list(filter);
    return { items: page.items.map(listItem), nextCursor: page.nextCursor === null ? null : String(page.nextCursor) };
  }

  @Post('ack')
  @HttpCode(200)
  async acknowledgeMany(@Body() body: unknown, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia) {
    if (body instanceof InvalidJsonBody) throw new BadRequestException(body.error);
    const numbers = (body as { numbers?: unknown } | null)?.numbers;
    if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > 500) {
      throw new BadRequestException('numbers must be a list of 1 to 500 alert numbers');
    }
    const parsed = numbers.map((n) => alertNumber(String(n)));
    return { results: await this.actions.acknowledgeMany(parsed, user.id, via) };
  }

  @Post(':number/ack')
  @HttpCode(200)
  async acknowledge(@Param('number') raw: string, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<AlertListItem> {
    return listItem(await this.actions.acknowledge(alertNumber(raw), user.id, via));
  }

  @Post(':number/resolve')
  @HttpCode(200)
  async resolve(@Param('number') raw: string, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<AlertListItem> {
    return listItem(await this.actions.resolve(alertNumber(raw), user.id, via));
  }

  @Post(':number/escalate')
  @HttpCode(200)
  async escalate(@Param('number') raw: string, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia): Promise<AlertListItem & { escalatedTo: { step: number; round: number } }> {
    const { alert, next } = await this.actions.escalate(alertNumber(raw), user.id, via);
    // 1-based, as on the timeline's `escalated` event
    return { ...listItem(alert), escalatedTo: { step: next.step + 1, round: next.round } };
  }

  @Post(':number/silence')
  @HttpCode(200)
  async silence(@Param('number') raw: string, @Body() body: unknown, @CurrentUser() user: SignedInUser, @ActingVia() via: AuthVia) {
    const number = alertNumber(raw);
    const requested = body instanceof InvalidJsonBody || body === undefined || body === null ? undefined : (body as { duration?: unknown }).duration;
    let durationMs: number | 'until-ok' = 3_600_000;
    if (requested === 'until-ok') {
      durationMs = 'until-ok';
    } else if (requested !== undefined) {
      const parsed = typeof requested === 'string' ? tryParseDuration(requested) : undefined;
      if (parsed === undefined || parsed <= 0 || parsed > 30 * 86_400_000) {
        throw new BadRequestException('duration must be like 30m, 2h or 1d (at most 30d), or "until-ok"');
      }
      durationMs = parsed;
    }
    const alert = await this.alerts.findByNumber(number);
    if (!alert) throw new NotFoundException(`alert #${number} does not exist`);
    if (alert.status === 'resolved') throw new ConflictException(`#${number} is already resolved`);
    const silence = await this.silences.silenceAlert(alert, durationMs, user.id, via);
    return { silence };
  }

  @Get(':number')
  async get(@Param('number') raw: string): Promise<Omit<AlertDetail, 'id'>> {
    const number = alertNumber(raw);
    const alert = await this.alerts.findByNumber(number);
    if (!alert) throw new NotFoundException(`alert #${number} does not exist`);
    const { id: _id, ...rest } = alert;
    return rest;
  }
}

/** `4711` or `#4711` → 4711; anything else is a 400 that names it. */
function alertNumber(raw: string): number {
  const number = Number(raw.replace(/^#/, ''));
  if (!Number.isSafeInteger(number) || number < 1) throw new BadRequestException(`"${raw.slice(0, 40)}" is not an alert number`);
  return number;
}

function listItem(alert: AlertSummary): AlertListItem {
  const { id: _id, fingerprint: _fp, labels: _labels, ...rest } = alert;
  return rest;
}
