import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { v1 } from '@fjord/protocol';
import { pino } from 'pino';
import { BrokerSessions } from '../liveness/broker-sessions.js';
import { ManualClock } from '../liveness/clock.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { metadataRecord } from '../metadata/records.js';
import { openMetadataStore } from '../quorum/open-metadata-store.js';
import { type RandomSource, systemRandom } from '../random-source.js';
import type { AuthorizationSettings } from '../security/authorization-settings.js';
import { CoordinatorSecurityState } from '../security/coordinator-security-state.js';
import type { CoordinatorContext } from './coordinator-context.js';
import { registerBroker } from './register-broker.js';

/** `--authorizer none`, the default. */
export const NO_AUTHORIZER: AuthorizationSettings = {
  authorizer: 'none',
  superUsers: [],
  allowEveryoneIfNoAclFound: false,
};

/** `--authorizer standard` with `User:admin` as the one super user. */
export const STANDARD_AUTHORIZER: AuthorizationSettings = {
  authorizer: 'standard',
  superUsers: ['User:admin'],
  allowEveryoneIfNoAclFound: false,
};

/** A handler context over a fresh, initialised metadata store; `close()` removes it. */
export interface HandlerTestContext {
  readonly ctx: CoordinatorContext;
  readonly store: MetadataStore;
  close(): Promise<void>;
}

/**
 * Opens a metadata store in a new temp directory (named after `name`), initialises the
 * cluster, and builds the context request handlers take: a manual clock that never moves,
 * a 10 s session timeout, and `random` for ids and placement.
 */
export async function openHandlerContext(
  name: string,
  random: RandomSource = systemRandom,
  authorization: AuthorizationSettings = NO_AUTHORIZER,
): Promise<HandlerTestContext> {
  const dataDir = await mkdtemp(join(tmpdir(), `fjord-coordinator-${name}-`));
  const logger = pino({ level: 'silent' });
  const opened = await openMetadataStore({ dataDir, snapshotEveryRecords: 100_000, logger });
  const store = opened.store;
  await store.propose((p) => p.append(metadataRecord({ type: 'InitCluster', clusterId: 'c' })));
  const ctx: CoordinatorContext = {
    store,
    sessions: new BrokerSessions(new ManualClock(), 10_000),
    random,
    logger,
    heartbeatIntervalMs: 2_000,
    sessionTimeoutMs: 10_000,
    coordinatorAddress: () => '127.0.0.1:7400',
    quorum: {
      replica: opened.replica,
      voters: () => [{ id: 1, address: '127.0.0.1:7400' }],
      voterAddress: (id) => (id === 1 ? '127.0.0.1:7400' : undefined),
    },
    security: new CoordinatorSecurityState(store, authorization),
  };
  return {
    ctx,
    store,
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers broker `brokerId` at 127.0.0.1:(7400 + id), incarnation `i<id>`, clean shutdown. */
export function registerTestBroker(
  ctx: CoordinatorContext,
  brokerId: number,
): Promise<v1.RegisterBrokerResponse> {
  return registerBroker(ctx, {
    brokerId,
    host: '127.0.0.1',
    port: 7400 + brokerId,
    incarnationId: `i${brokerId}`,
    previousShutdownClean: true,
    kafkaHost: '',
    kafkaPort: 0,
    listeners: [],
    kafkaListeners: [],
  });
}
