import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AlertRepository, ReplyCodeRepository, SilenceRepository, type ActionVia, type AlertActionResult, type AlertSummary } from '@klaxon/db';
import { JobName, JobProducer, NOTIFY_QUEUE, smsAfterJobId, voiceCallJobId, type TierName } from '@klaxon/queue';
import { ConfigStore } from '@klaxon/config';
import { escalationJobId, nextEscalation, type EscalationPosition } from '@klaxon/escalation';

/** What escalating by hand did, or why nothing happened. */
export type EscalateResult =
  | { ok: true; alert: AlertSummary; next: EscalationPosition }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'already' | 'silenced' | 'not-paged' | 'last-step'; alert: AlertSummary };

/** Acknowledge, resolve and escalate, attributed to whoever acted and how (SPEC §10). */
@Injectable()
export class AlertActionsService {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly replyCodes: ReplyCodeRepository,
    private readonly silences: SilenceRepository,
    private readonly producer: JobProducer,
    private readonly config: ConfigStore,
  ) {}

  async acknowledge(number: number, actor: string, via: ActionVia): Promise<AlertSummary> {
    return settled(number, await this.tryAcknowledge(number, actor, via));
  }

  async resolve(number: number, actor: string, via: ActionVia): Promise<AlertSummary> {
    return settled(number, await this.tryResolve(number, actor, via));
  }

  /**
   * Acknowledge without exceptions: the result says whether it happened or why not (already closed, no
   * such alert), for answers like SMS replies that explain instead of failing.
   */
  async tryAcknowledge(number: number, actor: string, via: ActionVia): Promise<AlertActionResult> {
    const result = await this.alerts.acknowledge(number, actor, via);
    if (result.ok) await this.stopEscalation(result.alert);
    return result;
  }

  /** Resolve without exceptions, with the same effects as resolve() when it happens. */
  async tryResolve(number: number, actor: string, via: ActionVia): Promise<AlertActionResult> {
    const result = await this.alerts.resolve(number, actor, via);
    if (!result.ok) return result;
    const alert = result.alert;
    await this.stopEscalation(alert);
    // As when the source sends OK: codes go into quarantine, and those who were paged hear it recovered.
    await this.replyCodes.releaseForAlerts([alert.id]);
    await this.silences.expireUntil([alert.id]);
    if (alert.tier !== null) {
      // this resolve happens once (the update above is conditional); an alert reopened by flapping may resolve again later
      await this.producer.enqueue(NOTIFY_QUEUE[alert.tier as TierName], JobName.sendRecovery, { alertId: alert.id }, { jobId: `recovery-${alert.id}-${Date.now()}` });
    }
    return result;
  }

  async escalate(number: number, actor: string, via: ActionVia): Promise<{ alert: AlertSummary; next: EscalationPosition }> {
    const result = await this.tryEscalate(number, actor, via);
    if (result.ok) return { alert: result.alert, next: result.next };
    if (result.reason === 'not-found') throw new NotFoundException(`alert #${number} does not exist`);
    switch (result.reason) {
      case 'already':
        return settled(number, { ok: false, reason: 'already', alert: result.alert }) as never;
      case 'silenced':
        throw new ConflictException(`#${number} is silenced`);
      case 'not-paged':
        throw new ConflictException(`#${number} has not been paged yet`);
      case 'last-step':
        throw new ConflictException(`#${number} is already at the last escalation step`);
    }
  }

  /**
   * Moves a firing alert to its next escalation step at once (SPEC §9, §10): the pending timer of that
   * step is removed and its page is queued to run now. The worker's page puts `escalated` on the
   * timeline, naming `actor` and `via`, so there is one such event per step change.
   */
  async tryEscalate(number: number, actor: string, via: ActionVia): Promise<EscalateResult> {
    const found = await this.alerts.findByNumber(number);
    if (!found) return { ok: false, reason: 'not-found' };
    const { events: _events, notifications: _notifications, ...alert } = found;
    if (alert.status !== 'firing') return { ok: false, reason: 'already', alert };
    if (alert.silenced) return { ok: false, reason: 'silenced', alert };
    const policy = alert.policy === null ? undefined : this.config.config.lookup.escalationPolicies.get(alert.policy);
    if (!policy || !alert.escalation || alert.tier === null) return { ok: false, reason: 'not-paged', alert };
    const next = nextEscalation(policy, alert.escalation);
    if (!next) return { ok: false, reason: 'last-step', alert };
    const queue = NOTIFY_QUEUE[alert.tier as TierName];
    const timerId = escalationJobId(alert.id, next);
    await this.producer.queue(queue).remove(timerId);
    await this.producer.enqueue(
      queue,
      JobName.escalateAlert,
      { alertId: alert.id, step: next.step, round: next.round, by: { actor, via: via === 'source' ? 'api' : via } },
      { jobId: `${timerId}-now` },
    );
    return { ok: true, alert, next: { step: next.step, round: next.round } };
  }

  /**
   * Removes the pending timer of the alert's next step and the current step's late call and SMS. A job already
   * running re-checks the alert and pages nobody, so this only saves work.
   */
  private async stopEscalation(alert: AlertSummary): Promise<void> {
    const policy = alert.policy === null ? undefined : this.config.config.lookup.escalationPolicies.get(alert.policy);
    if (!alert.escalation || alert.tier === null) return;
    const queue = this.producer.queue(NOTIFY_QUEUE[alert.tier as TierName]);
    // the current step's voiceAfter call and smsAfter text (SPEC §5): nobody needs them once someone acted
    await Promise.all([queue.remove(voiceCallJobId(alert.id, alert.escalation)), queue.remove(smsAfterJobId(alert.id, alert.escalation))]);
    if (!policy) return;
    const next = nextEscalation(policy, alert.escalation);
    if (next) await queue.remove(escalationJobId(alert.id, next));
  }

  /** Many at once: each number answered on its own, none failing the others. */
  async acknowledgeMany(numbers: readonly number[], actor: string, via: ActionVia): Promise<{ number: number; ok: boolean; error?: string }[]> {
    const results = [];
    for (const number of numbers) {
      try {
        await this.acknowledge(number, actor, via);
        results.push({ number, ok: true });
      } catch (err) {
        results.push({ number, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return results;
  }
}

function settled(number: number, result: AlertActionResult): AlertSummary {
  if (result.ok) return result.alert;
  if (result.reason === 'not-found') throw new NotFoundException(`alert #${number} does not exist`);
  const { alert } = result;
  const by = alert.status === 'resolved' ? [alert.resolvedBy, alert.resolvedVia] : [alert.acknowledgedBy, alert.acknowledgedVia];
  throw new ConflictException(`#${number} is already ${alert.status}${by[0] ? ` by ${by[0]}` : ''}${by[1] ? ` via ${by[1]}` : ''}`);
}
