import type { Redis } from 'ioredis';

/** Messages every Klaxon process hears (Redis pub/sub; not durable — for nudges, not for work). */
export type BroadcastMessage = { type: 'config-reload'; by: string };

/**
 * Pub/sub between api and worker processes: one subscriber connection per
 * process, messages as JSON on one channel under the queue prefix.
 */
export class ClusterBroadcast {
  private readonly channel: string;
  private subscriber: Redis | null = null;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:broadcast`;
  }

  async publish(message: BroadcastMessage): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(message));
  }

  async subscribe(handler: (message: BroadcastMessage) => void): Promise<void> {
    this.subscriber = this.publisher.duplicate({ connectionName: 'klaxon-broadcast', enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      try {
        handler(JSON.parse(text) as BroadcastMessage);
      } catch {
        // a malformed message from another version: ignore it
      }
    });
    await this.subscriber.subscribe(this.channel);
  }

  close(): void {
    this.subscriber?.disconnect();
  }
}
