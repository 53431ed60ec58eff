import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { RejectedInputRepository, type RejectedInputRecord } from '@klaxon/db';
import { SessionGuard } from '../auth/session.guard';

/** `GET /api/v1/rejected`: what ingest refused and why, newest first. */
@Controller('api/v1/rejected')
@UseGuards(SessionGuard)
export class RejectedInputsController {
  constructor(private readonly rejected: RejectedInputRepository) {}

  @Get()
  async list(@Query('limit') rawLimit?: string, @Query('cursor') rawCursor?: string): Promise<{ items: RejectedInputRecord[]; nextCursor: string | null }> {
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequestException('limit must be a whole number from 1 to 500');
    const before = rawCursor === undefined || rawCursor === '' ? null : Number(rawCursor);
    if (before !== null && (!Number.isSafeInteger(before) || before < 1)) throw new BadRequestException('cursor is not one this API gave out');
    const items = await this.rejected.list(limit, before);
    return { items, nextCursor: items.length === limit ? String(items[items.length - 1]!.id) : null };
  }
}
