/**
 * Ingest sequence numbers: microseconds since the epoch, strictly increasing
 * within this process, so PROBLEM/OK order survives batching and reordering
 * by the queue (several lines in one millisecond still get distinct values).
 */
export class IngestClock {
  private last = 0;

  next(nowMs: number = Date.now()): number {
    const candidate = nowMs * 1000;
    this.last = candidate > this.last ? candidate : this.last + 1;
    return this.last;
  }
}
