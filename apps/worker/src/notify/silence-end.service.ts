import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { SilenceRepository } from '@klaxon/db';
import { JobName, JobProducer, NOTIFY_QUEUE, type TierName } from '@klaxon/queue';
import type { Priority } from '@klaxon/alert-format';
import { activeSilenceFor } from '@klaxon/triage';
import { LOGGER } from '../worker-tokens';

/** When a silence ends while its alerts still fire, paging starts then (SPEC §4). */
@Injectable()
export class SilenceEndService {
  constructor(
    private readonly silences: SilenceRepository,
    private readonly producer: JobProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async ended(silenceId: string): Promise<void> {
    const now = new Date();
    const silence = await this.silences.findById(silenceId);
    // a silence whose end was moved later is still running: its new timer will come
    if (silence && silence.expiredAt === null && (silence.endsAt === null || silence.endsAt > now)) return;
    const others = (await this.silences.current(now)).filter((s) => s.id !== silenceId);
    const held = await this.silences.firingAlertsHeldBy(silenceId);
    const free = held.filter((a) => !activeSilenceFor(others, { ...a, priority: a.priority as Priority }, now));
    const unsilenced = new Set(await this.silences.unsilence(free.map((a) => a.id), silenceId));
    await Promise.all(
      free
        .filter((a) => unsilenced.has(a.id) && a.tier !== null)
        .map((a) =>
          this.producer.enqueue(NOTIFY_QUEUE[a.tier as TierName], JobName.pageAlert, { alertId: a.id, step: 0, round: 0 }, { jobId: `page-${a.id}-0-0-${a.tier}-after-${silenceId}` }),
        ),
    );
    this.logger.info({ silenceId, held: held.length, paging: unsilenced.size }, 'silence ended');
  }
}
