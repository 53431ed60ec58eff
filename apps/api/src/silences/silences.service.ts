import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { Priority } from '@klaxon/alert-format';
import { SilenceRepository } from '@klaxon/db';
import { JobName, JobProducer, QueueName } from '@klaxon/queue';
import { matches, parseSilenceInput, type Silence, type SilenceMatchers, type SilenceOrigin } from '@klaxon/triage';

/** Making and ending silences (SPEC §4), and what that does to firing alerts. */
@Injectable()
export class SilencesService {
  constructor(
    private readonly silences: SilenceRepository,
    private readonly producer: JobProducer,
  ) {}

  list(ended: boolean): Promise<Silence[]> {
    return this.silences.list(new Date(), ended);
  }

  /** From the API: the body validated with every problem named. */
  async createFromBody(body: unknown, author: string, origin: SilenceOrigin): Promise<Silence> {
    const input = parseSilenceInput(body, new Date());
    if (!input.ok) throw new BadRequestException({ message: input.errors.join('; '), errors: input.errors });
    const stored = { ...input.value.matchers, comment: input.value.comment };
    const nul = Object.entries(stored).find(([, value]) => typeof value === 'string' && value.includes('\u0000'));
    // PostgreSQL cannot store a NUL in text; no host, message or comment has one
    if (nul) {
      const message = `${nul[0] === 'comment' ? 'comment' : `matchers.${nul[0]}`}: must not contain a NUL character`;
      throw new BadRequestException({ message, errors: [message] });
    }
    return this.create({ ...input.value, untilAlertId: null, author, origin });
  }

  /**
   * Silences one alert's fingerprint for `durationMs` (an alert's page, an SMS
   * reply), or until the alert recovers ("silence until OK").
   */
  async silenceAlert(alert: { id: string; number: number; fingerprint: string }, durationMs: number | 'until-ok', author: string, origin: SilenceOrigin): Promise<Silence> {
    const now = new Date();
    const untilOk = durationMs === 'until-ok';
    return this.create({
      matchers: { fingerprint: alert.fingerprint },
      startsAt: now,
      endsAt: untilOk ? null : new Date(now.getTime() + durationMs),
      untilAlertId: untilOk ? alert.id : null,
      comment: untilOk ? `silenced from alert #${alert.number} until it recovers` : `silenced from alert #${alert.number}`,
      author,
      origin,
    });
  }

  async expire(id: string): Promise<Silence> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`silence ${id.slice(0, 40)} does not exist`);
    const silence = await this.silences.expire(id);
    if (!silence) throw new NotFoundException(`silence ${id} does not exist`);
    await this.producer.queue(QueueName.silences).remove(`silence-ended-${id}`);
    await this.producer.enqueue(QueueName.silences, JobName.silenceEnded, { silenceId: id }, { jobId: `silence-ended-${id}-expired` });
    return silence;
  }

  private async create(draft: {
    matchers: SilenceMatchers;
    startsAt: Date;
    endsAt: Date | null;
    untilAlertId: string | null;
    comment: string;
    author: string;
    origin: SilenceOrigin;
  }): Promise<Silence> {
    const silence = await this.silences.create(draft);
    const now = Date.now();
    if (silence.endsAt !== null) {
      // when it runs out, the alerts it holds that still fire page again
      await this.producer.enqueue(QueueName.silences, JobName.silenceEnded, { silenceId: silence.id }, {
        jobId: `silence-ended-${silence.id}`,
        delay: Math.max(0, silence.endsAt.getTime() - now),
      });
    }
    if (silence.startsAt.getTime() <= now) {
      // it also holds the alerts already firing that it matches: they stop paging and escalating
      const firing = await this.silences.firingUnsilenced();
      const held = firing.filter((a) => matches(silence.matchers, { ...a, priority: a.priority as Priority }));
      await this.silences.silenceAlerts(held.map((a) => a.id), silence.id, draft.author, draft.origin);
    }
    return silence;
  }
}
