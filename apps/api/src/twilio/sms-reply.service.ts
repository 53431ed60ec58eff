import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  ackAllConfirmation,
  alreadyDone,
  answersHelp,
  confirmation,
  helpText,
  listText,
  noNextStep,
  notFound,
  parseSmsReply,
  startConfirmation,
  stopConfirmation,
  type ReplyLabel,
  type ReplyTarget,
} from '@klaxon/alert-format';
import { APP_ENV, ConfigStore, type AppEnv } from '@klaxon/config';
import { AlertRepository, SmsReplyRepository, type AlertActionResult, type SmsReplyAlert } from '@klaxon/db';
import { maskPhone } from '@klaxon/observability';
import { REDIS, smsOptOutKey } from '@klaxon/queue';
import { AlertActionsService } from '../alerts/alert-actions.service';
import { SilencesService } from '../silences/silences.service';
import { LOGGER } from '../app-tokens';

/** How long a run of help answers is remembered without a command in between. */
const HELP_RUN_TTL_SECONDS = 24 * 60 * 60;

/** Redis key of the number of help answers a phone has had in a row. */
export function smsHelpRunKey(prefix: string, phone: string): string {
  return `${prefix}:sms-help:${phone}`;
}

/**
 * Acts on one inbound SMS reply (SPEC §9) and says what happened in one line; null means answer nothing
 * (a sender who is not a user, or too many help answers in a row).
 */
@Injectable()
export class SmsReplyService {
  private readonly prefix: string;

  constructor(
    private readonly replies: SmsReplyRepository,
    private readonly actions: AlertActionsService,
    private readonly silences: SilencesService,
    private readonly alerts: AlertRepository,
    private readonly config: ConfigStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_ENV) env: AppEnv,
  ) {
    this.prefix = env.redis.queuePrefix;
  }

  async handle(from: string, body: string): Promise<string | null> {
    const user = this.config.config.lookup.usersByPhone.get(from);
    if (!user) {
      this.logger.warn({ from: maskPhone(from) }, 'SMS reply from a phone that belongs to no user: ignored');
      return null;
    }
    const command = parseSmsReply(body);
    if (command.kind === 'help' || command.kind === 'unknown') return this.help(from);
    await this.redis.del(smsHelpRunKey(this.prefix, from));
    this.logger.info({ user: user.id, from: maskPhone(from), kind: command.kind }, 'SMS reply');
    switch (command.kind) {
      case 'ack':
      case 'resolve':
        return this.act(command.kind, from, command.target, user.id);
      case 'silence':
        return this.silence(from, command.target, command.durationMs, user.id);
      case 'escalate':
        return this.escalate(from, command.target, user.id);
      case 'ack-all':
        return this.ackAll(from, user.id);
      case 'list':
        return listText((await this.replies.openHeld(from)).map((a) => ({ code: a.code!, priority: a.priority, host: a.host, message: a.message })));
      case 'stop':
        await this.redis.set(smsOptOutKey(this.prefix, from), new Date().toISOString());
        return stopConfirmation();
      case 'start':
        await this.redis.del(smsOptOutKey(this.prefix, from));
        return startConfirmation();
    }
  }

  private async help(from: string): Promise<string | null> {
    const key = smsHelpRunKey(this.prefix, from);
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, HELP_RUN_TTL_SECONDS).exec()) as [[Error | null, number]];
    if (!answersHelp(Number(count) - 1)) {
      this.logger.info({ from: maskPhone(from) }, 'SMS help not answered: too many in a row');
      return null;
    }
    return helpText();
  }

  private async act(kind: 'ack' | 'resolve', from: string, target: ReplyTarget, actor: string): Promise<string> {
    const alert = await this.find(from, target);
    const label = labelOf(target, alert);
    if (!alert) return notFound(label);
    const result: AlertActionResult =
      kind === 'ack' ? await this.actions.tryAcknowledge(alert.number, actor, 'sms') : await this.actions.tryResolve(alert.number, actor, 'sms');
    if (result.ok) return confirmation(kind, label ?? `#${alert.number}`, result.alert);
    if (result.reason === 'not-found') return notFound(label);
    const closed = result.alert;
    return closed.status === 'resolved'
      ? alreadyDone(label ?? `#${alert.number}`, 'resolved', closed.resolvedBy ?? undefined, closed.resolvedVia ?? undefined)
      : alreadyDone(label ?? `#${alert.number}`, 'acknowledged', closed.acknowledgedBy ?? undefined, closed.acknowledgedVia ?? undefined);
  }

  /** `1e`: the alert's next escalation step is paged at once. */
  private async escalate(from: string, target: ReplyTarget, actor: string): Promise<string> {
    const found = await this.find(from, target);
    const label = labelOf(target, found);
    if (!found) return notFound(label);
    const name = label ?? `#${found.number}`;
    const result = await this.actions.tryEscalate(found.number, actor, 'sms');
    if (result.ok) return confirmation('escalate', name, result.alert, { escalatedTo: `step ${result.next.step + 1}` });
    if (result.reason === 'not-found') return notFound(label);
    const alert = result.alert;
    switch (result.reason) {
      case 'already':
        return alert.status === 'resolved'
          ? alreadyDone(name, 'resolved', alert.resolvedBy ?? undefined, alert.resolvedVia ?? undefined)
          : alreadyDone(name, 'acknowledged', alert.acknowledgedBy ?? undefined, alert.acknowledgedVia ?? undefined);
      case 'silenced':
        return `${name} is silenced: nobody is paged`;
      case 'not-paged':
        return `${name} has not been paged yet`;
      case 'last-step':
        return noNextStep(name);
    }
  }

  /** `1s 30m`: silences that alert's fingerprint, so it and its next occurrences page nobody for that long. */
  private async silence(from: string, target: ReplyTarget, durationMs: number, actor: string): Promise<string> {
    const found = await this.find(from, target);
    const label = labelOf(target, found);
    if (!found) return notFound(label);
    const alert = await this.alerts.findByNumber(found.number);
    if (!alert) return notFound(label);
    if (alert.status === 'resolved') return alreadyDone(label ?? `#${alert.number}`, 'resolved', alert.resolvedBy ?? undefined, alert.resolvedVia ?? undefined);
    await this.silences.silenceAlert(alert, durationMs, actor, 'sms');
    return confirmation('silence', label ?? `#${alert.number}`, alert, { durationMs });
  }

  private async find(from: string, target: ReplyTarget): Promise<SmsReplyAlert | null> {
    switch (target.by) {
      case 'code':
        return this.replies.byCode(from, target.code);
      case 'number':
        return this.replies.byNumber(from, target.number);
      case 'last':
        return this.replies.last(from);
    }
  }

  private async ackAll(from: string, actor: string): Promise<string> {
    const acknowledged: number[] = [];
    for (const alert of await this.replies.openHeld(from)) {
      if (alert.status !== 'firing') continue;
      const result = await this.actions.tryAcknowledge(alert.number, actor, 'sms');
      if (result.ok) acknowledged.push(alert.code!);
    }
    return ackAllConfirmation(acknowledged);
  }
}

/** The code or `#number` the reply used; for the last alert, its code on this phone, else its number. */
function labelOf(target: ReplyTarget, alert: SmsReplyAlert | null): ReplyLabel | undefined {
  if (target.by === 'code') return target.code;
  if (target.by === 'number') return `#${target.number}`;
  if (!alert) return undefined;
  return alert.code ?? `#${alert.number}`;
}
