import type { Redis } from 'ioredis';
import { QueueName, type QueuedAlert, type QueuedRejection } from './jobs';

/**
 * The ingest log: Redis streams that accepted alerts and rejections are
 * appended to, one entry per ingest group and lane. The urgent lane (tiers
 * that page at once) has a stream of its own, moved at once into the urgent
 * triage queue; the normal lane's is gathered. One append (numbering and XADD
 * in one script, one round trip) cost Redis 17 µs for a 200-byte entry and
 * 38 µs for 5 KB, where a BullMQ job cost it 49 µs with one alert plus an
 * INCRBY round trip (Redis 7.0, INFO commandstats, one call at a time). The
 * worker's mover turns the entries into triage jobs that keep each sender's
 * reports together (triage-job-cut.ts), which PostgreSQL applies far more
 * cheaply per alert than many small ones.
 *
 * Key names are persisted: never rename them.
 */
export type IngestLane = 'normal' | 'urgent';
/** each lane's log under the prefix; also its name in /metrics' queue depths */
export const INGEST_LOG_NAMES: Readonly<Record<IngestLane, string>> = { normal: 'ingest-log', urgent: 'ingest-log-urgent' };
export const ingestLogKey = (prefix: string, lane: IngestLane = 'normal'): string => `${prefix}:${INGEST_LOG_NAMES[lane]}`;
/** the triage queue each lane's movers fill */
export const TRIAGE_QUEUE_OF_LANE: Readonly<Record<IngestLane, QueueName>> = { normal: QueueName.triage, urgent: QueueName.triageUrgent };
/** both lanes' logs, normal first */
export const INGEST_LANES: readonly IngestLane[] = ['normal', 'urgent'];
/** both lanes' triage queues, normal first */
export const TRIAGE_QUEUES: readonly QueueName[] = INGEST_LANES.map((lane) => TRIAGE_QUEUE_OF_LANE[lane]);
export const ingestSeqKey = (prefix: string): string => `${prefix}:ingest-seq`;
/** the consumer group of the workers' movers */
export const INGEST_LOG_GROUP = 'movers';

/** What one entry holds; the alerts' `seq` is assigned from the entry's `first` when it is moved. */
export interface IngestLogBody {
  alerts: QueuedAlert[];
  rejected: QueuedRejection[];
}

/**
 * Reserves the entry's sequence numbers and appends it in one step, so the
 * numbers follow the order of the log and are taken after the requests arrived
 * and before any of them is answered.
 */
const APPEND_SCRIPT = `
local count = tonumber(ARGV[1])
local first = 0
if count > 0 then first = redis.call('INCRBY', KEYS[1], count) - count + 1 end
return redis.call('XADD', KEYS[2], '*', 'first', first, 'body', ARGV[2])`;

type WithAppend = Redis & { klaxonIngestAppend(seqKey: string, logKey: string, count: number, body: string): Promise<string> };

/** Appends one entry to the lane's log; resolves with its stream id once Redis holds it. */
export function appendToIngestLog(redis: Redis, prefix: string, body: IngestLogBody, lane: IngestLane = 'normal'): Promise<string> {
  const client = redis as WithAppend;
  if (typeof client.klaxonIngestAppend !== 'function') redis.defineCommand('klaxonIngestAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  // both lanes take their numbers from the one counter: PROBLEM/OK order holds across lanes and api processes
  return client.klaxonIngestAppend(ingestSeqKey(prefix), ingestLogKey(prefix, lane), body.alerts.length, JSON.stringify(body));
}

/** An entry as read back: its alerts numbered from `first`, in the order they were appended. */
export function readIngestLogEntry(fields: readonly string[]): IngestLogBody {
  let first = 0;
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'first') first = Number(fields[i + 1]);
    else if (fields[i] === 'body') raw = fields[i + 1];
  }
  if (raw === undefined) throw new Error('an ingest log entry without a body');
  const body = JSON.parse(raw) as IngestLogBody;
  for (let i = 0; i < body.alerts.length; i++) body.alerts[i]!.seq = first + i;
  return body;
}
