import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { SessionGuard } from '../auth/session.guard';
import { DeliveryHealthService, type DeliveryHealth } from './delivery-health.service';

const MAX_HOURS = 30 * 24;

/** `GET /api/v1/health/delivery?hours=24`: sent, failed and the last error per channel, for the UI. */
@Controller('api/v1/health')
@UseGuards(SessionGuard)
export class DeliveryHealthController {
  constructor(private readonly health: DeliveryHealthService) {}

  @Get('delivery')
  delivery(@Query('hours') rawHours?: string): Promise<DeliveryHealth> {
    const hours = rawHours === undefined || rawHours === '' ? 24 : Number(rawHours);
    if (!Number.isInteger(hours) || hours < 1 || hours > MAX_HOURS) throw new BadRequestException(`hours must be a whole number from 1 to ${MAX_HOURS}`);
    return this.health.report(new Date(Date.now() - hours * 3600_000));
  }
}
