import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { RejectedInputRecord } from '../domain';

@Injectable()
export class RejectedInputRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(limit: number, beforeId: number | null): Promise<RejectedInputRecord[]> {
    const rows = await this.prisma.rejectedInput.findMany({
      where: beforeId === null ? {} : { id: { lt: BigInt(beforeId) } },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map((r) => ({
      id: Number(r.id),
      receivedAt: r.receivedAt,
      integration: r.integration,
      endpoint: r.endpoint,
      line: r.line,
      input: r.input,
      error: r.error,
    }));
  }
}
