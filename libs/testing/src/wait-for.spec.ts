import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value that is not undefined or false', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : false), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('keeps polling through errors and reports the last one on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('not yet');
        },
        { timeoutMs: 30, intervalMs: 5, what: 'the thing' },
      ),
    ).rejects.toThrow('timed out after 30 ms waiting for the thing (last: not yet)');
  });

  it('ends at once with the reason when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('the process exited')), 20);
    await expect(waitFor(() => false, { timeoutMs: 10_000, intervalMs: 5_000, signal: controller.signal })).rejects.toThrow('the process exited');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not poll when the signal is already aborted', async () => {
    const probe = jest.fn(() => true);
    await expect(waitFor(probe, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(probe).not.toHaveBeenCalled();
  });
});
