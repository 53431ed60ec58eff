import type { EscalationPolicyConfig } from '@klaxon/config';
import { escalationJobId, nextEscalation } from './escalation-steps';

const policy = (repeat: number, nexts: (number | undefined)[]): EscalationPolicyConfig => ({
  id: 'ops',
  repeat,
  steps: nexts.map((nextMs) => ({ notify: [{ kind: 'user', id: 'alice' }], ...(nextMs === undefined ? {} : { nextMs }) })),
});

describe('nextEscalation', () => {
  it.each([
    ['the next step after this one\'s wait', policy(0, [600_000, 900_000]), { step: 0, round: 0 }, { step: 1, round: 0, delayMs: 600_000 }],
    ['nothing after the last step when repeat is 0', policy(0, [600_000, undefined]), { step: 1, round: 0 }, null],
    ['step 0 again, waiting the last step\'s next, while repeat allows', policy(2, [600_000, 900_000]), { step: 1, round: 0 }, { step: 0, round: 1, delayMs: 900_000 }],
    ['the second repeat', policy(2, [600_000, 900_000]), { step: 1, round: 1 }, { step: 0, round: 2, delayMs: 900_000 }],
    ['nothing once the repeats are used', policy(2, [600_000, 900_000]), { step: 1, round: 2 }, null],
    ['a one-step policy repeating', policy(1, [300_000]), { step: 0, round: 0 }, { step: 0, round: 1, delayMs: 300_000 }],
    ['an unknown step', policy(0, [600_000]), { step: 5, round: 0 }, null],
  ])('gives %s', (_why, p, at, expected) => {
    expect(nextEscalation(p, at)).toEqual(expected);
  });
});

it('names the timer job deterministically, without colons', () => {
  const id = escalationJobId('6f1c', { step: 1, round: 2 });
  expect(id).toBe('escalate-6f1c-2-1');
  expect(id).not.toContain(':');
});
