import { FjordDriver } from './fjord.js';
import type { FjordDriverOptions } from './fjord-cluster.js';
import { FjordKafkaDriver } from './fjord-kafka.js';
import { NatsDriver } from './nats.js';
import { RedisDriver } from './redis.js';
import type { SystemDriver, SystemName } from './types.js';

/**
 * Starts one system on free 127.0.0.1 ports in a temp dir (installing a peer if needed);
 * `fjord` says how to start Fjord (both of its systems) and is ignored for the peers.
 */
export function startSystem(
  name: SystemName,
  fjord: FjordDriverOptions,
  log: (line: string) => void,
): Promise<SystemDriver> {
  switch (name) {
    case 'fjord':
      return FjordDriver.start(fjord);
    case 'fjord-kafka':
      return FjordKafkaDriver.start(fjord);
    case 'redis':
      return RedisDriver.start(log);
    case 'nats':
      return NatsDriver.start(log);
  }
}

/** Durability and client notes of a system that could not be started (for the report). */
export const DESCRIPTIONS: Record<SystemName, { durability: string; client: string }> = {
  fjord: { durability: "broker flush policy 'os'", client: '@fjord/sdk' },
  'fjord-kafka': { durability: "broker flush policy 'os'", client: '@platformatic/kafka' },
  redis: { durability: 'appendonly yes, appendfsync no', client: 'ioredis' },
  nats: { durability: 'JetStream file storage, default sync interval', client: 'nats.js' },
};
