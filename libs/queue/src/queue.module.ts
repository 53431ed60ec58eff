import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { IngestBatcher } from './ingest-batcher';
import { JobProducer } from './job-producer';
import { QueueName } from './jobs';
import { createRedisConnection } from './redis-connection';

export const REDIS = Symbol('REDIS');

export interface QueueModuleOptions {
  redisUrl: string;
  prefix: string;
  /** a name for the Redis connection, seen in CLIENT LIST */
  name: string;
}

/** Closes the batcher, the queues and the connection in that order at shutdown. */
@Injectable()
class QueueShutdown implements OnApplicationShutdown {
  constructor(
    private readonly batcher: IngestBatcher,
    private readonly producer: JobProducer,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
    await this.producer.close();
    this.redis.disconnect();
  }
}

/** The producer side of the queues: a Redis connection, the typed producer and the ingest batcher. */
@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    return {
      module: QueueModule,
      providers: [
        { provide: REDIS, useFactory: () => createRedisConnection(options.redisUrl, 'producer', options.name) },
        {
          provide: JobProducer,
          useFactory: (redis: Redis) => {
            const producer = new JobProducer(redis, options.prefix);
            // open every queue up front, so /metrics reports all their depths
            for (const name of Object.values(QueueName)) producer.queue(name);
            return producer;
          },
          inject: [REDIS],
        },
        { provide: IngestBatcher, useFactory: (producer: JobProducer) => new IngestBatcher(producer), inject: [JobProducer] },
        QueueShutdown,
      ],
      exports: [REDIS, JobProducer, IngestBatcher],
    };
  }
}
