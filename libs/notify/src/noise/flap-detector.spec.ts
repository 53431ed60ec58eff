import { flapState, stableSince, type FlapStatus, type StatusTransition } from './flap-detector';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;
/** transitions one minute apart starting at T0: `PO P` -> PROBLEM, OK, PROBLEM */
const seq = (statuses: string, stepMs = MIN, start = T0): StatusTransition[] =>
  [...statuses.replace(/\s/g, '')].map((c, i) => ({ status: (c === 'P' ? 'PROBLEM' : 'OK') as FlapStatus, at: new Date(start + i * stepMs) }));

describe('flapState', () => {
  const window = 30 * MIN;
  it.each<[string, StatusTransition[], number, { flapping: boolean; cycles: number }]>([
    ['no transitions', [], 3, { flapping: false, cycles: 0 }],
    ['a single problem', seq('P'), 1, { flapping: false, cycles: 0 }],
    ['a problem and a recovery is not a cycle', seq('PO'), 1, { flapping: false, cycles: 0 }],
    ['one cycle at threshold 1', seq('POP'), 1, { flapping: true, cycles: 1 }],
    ['threshold - 1 cycles: not flapping', seq('POPOP'), 3, { flapping: false, cycles: 2 }],
    ['threshold cycles: flapping', seq('POPOPOP'), 3, { flapping: true, cycles: 3 }],
    ['ending on OK does not add a cycle', seq('POPOPO'), 3, { flapping: false, cycles: 2 }],
    ['repeated statuses are not changes', seq('PPOOPP'), 1, { flapping: true, cycles: 1 }],
    ['a cycle needs all three inside the window', seq('POP', 16 * MIN), 1, { flapping: false, cycles: 0 }],
    ['old cycles slide out of the window', [...seq('POPOP', MIN, T0 - 2 * window), ...seq('OP')], 2, { flapping: false, cycles: 0 }],
    ['order of input does not matter', seq('POPOPOP').reverse(), 3, { flapping: true, cycles: 3 }],
  ])('%s', (_name, transitions, threshold, expected) => {
    expect(flapState(transitions, window, threshold)).toEqual(expected);
  });

  it('with an explicit now, the window ends then', () => {
    const t = seq('POPOPOP'); // T0 .. T0+6m
    expect(flapState(t, 10 * MIN, 3, new Date(T0 + 6 * MIN))).toEqual({ flapping: true, cycles: 3 });
    // 11 minutes on, the window (T0+1m, T0+11m] holds P O P O P: 2 cycles; a minute later O P O P: 1
    expect(flapState(t, 10 * MIN, 3, new Date(T0 + 11 * MIN))).toEqual({ flapping: false, cycles: 2 });
    expect(flapState(t, 10 * MIN, 1, new Date(T0 + 12 * MIN))).toEqual({ flapping: true, cycles: 1 });
    // long after, nothing is in the window
    expect(flapState(t, 10 * MIN, 1, new Date(T0 + 60 * MIN))).toEqual({ flapping: false, cycles: 0 });
    // transitions after now do not count
    expect(flapState(t, 10 * MIN, 1, new Date(T0 + MIN))).toEqual({ flapping: false, cycles: 0 });
  });

  it('rejects a bad window or threshold', () => {
    expect(() => flapState([], 0, 1)).toThrow(RangeError);
    expect(() => flapState([], MIN, 0)).toThrow(RangeError);
  });
});

describe('stableSince', () => {
  it.each<[string, StatusTransition[], number, number | null]>([
    ['no transitions', [], 10 * MIN, null],
    ['the last change', seq('POP'), 10 * MIN, T0 + 2 * MIN],
    ['a repeat of the same status does not reset it', seq('POPP'), 10 * MIN, T0 + 2 * MIN],
    ['transitions after now are ignored', seq('POPO'), 2 * MIN + 30_000, T0 + 2 * MIN],
    ['before any transition', seq('PO'), -1, null],
    ['unsorted input', seq('POP').reverse(), 10 * MIN, T0 + 2 * MIN],
  ])('%s', (_name, transitions, nowOffset, expected) => {
    expect(stableSince(transitions, new Date(T0 + nowOffset))?.getTime() ?? null).toBe(expected);
  });
});
