export * from './jobs';
export { JobProducer, DURABLE_JOB_OPTIONS, cappedExponentialBackoff } from './job-producer';
export { createRedisConnection } from './redis-connection';
export { IngestBatcher, IngestBackedUpError, type BatcherOptions } from './ingest-batcher';
export { QueueModule, REDIS, type QueueModuleOptions } from './queue.module';
export { ClusterBroadcast, type BroadcastMessage } from './cluster-broadcast';
export { startQueueWorker, type TypedJob } from './queue-worker';
export { smsOptOutKey, optedOutPhones } from './sms-opt-out';
export { takeWindowSlot, smsBudgetKey, rateLimitKey, type WindowLimit, type WindowTake } from './sliding-window';
