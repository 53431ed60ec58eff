import type { EscalationPolicyConfig } from '@klaxon/config';

/** Where an alert is in its escalation policy: step index, and how many times the steps have run before. */
export interface EscalationPosition {
  step: number;
  round: number;
}

/**
 * The step after `at` and how long to wait for it (SPEC §6): the next step of
 * the policy after this step's `next`; after the last step, step 0 again
 * while `repeat` allows (waiting the last step's `next`); null when the
 * policy is done.
 */
export function nextEscalation(policy: EscalationPolicyConfig, at: EscalationPosition): (EscalationPosition & { delayMs: number }) | null {
  const current = policy.steps[at.step];
  if (!current || current.nextMs === undefined) return null;
  if (at.step + 1 < policy.steps.length) return { step: at.step + 1, round: at.round, delayMs: current.nextMs };
  if (at.round < policy.repeat) return { step: 0, round: at.round + 1, delayMs: current.nextMs };
  return null;
}

/** The BullMQ job id of the timer that starts `position` for an alert: deterministic, so an ack can remove it (no `:`). */
export function escalationJobId(alertId: string, position: EscalationPosition): string {
  return `escalate-${alertId}-${position.round}-${position.step}`;
}
