import { BadRequestException, Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { AlertRepository, type AlertDetail, type AlertSummary } from '@klaxon/db';
import { SessionGuard } from '../auth/session.guard';
import { AlertQueryError, parseAlertListQuery } from './alert-list-query';

type AlertListItem = Omit<AlertSummary, 'id' | 'fingerprint' | 'labels' | 'source'> & { source: string };

/** The alert list and one alert with its timeline (SPEC §10), for the UI and scripts. */
@Controller('api/v1/alerts')
@UseGuards(SessionGuard)
export class AlertsController {
  constructor(private readonly alerts: AlertRepository) {}

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

  @Get(':number')
  async get(@Param('number') raw: string): Promise<Omit<AlertDetail, 'id'>> {
    const number = Number(raw.replace(/^#/, ''));
    if (!Number.isSafeInteger(number) || number < 1) throw new BadRequestException(`"${raw.slice(0, 40)}" is not an alert number`);
    const alert = await this.alerts.findByNumber(number);
    if (!alert) throw new NotFoundException(`alert #${number} does not exist`);
    const { id: _id, ...rest } = alert;
    return rest;
  }
}

function listItem(alert: AlertSummary): AlertListItem {
  const { id: _id, fingerprint: _fp, labels: _labels, ...rest } = alert;
  return rest;
}
