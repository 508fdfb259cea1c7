import { FjordDriver, type FjordDriverOptions } from './fjord.js';
import { NatsDriver } from './nats.js';
import { RedisDriver } from './redis.js';
import type { SystemDriver, SystemName } from './types.js';

/**
 * Starts one system on free 127.0.0.1 ports in a temp dir (installing a peer if needed);
 * `fjord` says how to start Fjord and is ignored for the peers.
 */
export function startSystem(
  name: SystemName,
  fjord: FjordDriverOptions,
  log: (line: string) => void,
): Promise<SystemDriver> {
  switch (name) {
    case 'fjord':
      return FjordDriver.start(fjord);
    case 'redis':
      return RedisDriver.start(log);
    case 'nats':
      return NatsDriver.start(log);
  }
}

/** Durability and client notes of a system that could not be started (for the report). */
export const DESCRIPTIONS: Record<SystemName, { durability: string; client: string }> = {
  fjord: { durability: "broker flush policy 'os'", client: '@fjord/sdk' },
  redis: { durability: 'appendonly yes, appendfsync no', client: 'ioredis' },
  nats: { durability: 'JetStream file storage, default sync interval', client: 'nats.js' },
};
