import type { Logger } from '@fjord/server-kit';
import type { ConfiguredVoter } from '../config/quorum-voters.js';
import type { BrokerSessions } from '../liveness/broker-sessions.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { RaftMetadataReplica } from '../quorum/raft-metadata-replica.js';
import type { RandomSource } from '../random-source.js';
import type { CoordinatorSecurityState } from '../security/coordinator-security-state.js';

/** What the request handlers work with; every side effect goes through one of these. */
export interface CoordinatorContext {
  store: MetadataStore;
  sessions: BrokerSessions;
  random: RandomSource;
  logger: Logger;
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  /**
   * The coordinator's advertised `host:port` on a listener (the port is known only after
   * binding); undefined or an unknown name: the first listener's.
   */
  coordinatorAddress(listenerName?: string): string;
  /**
   * This coordinator's voter of the metadata quorum, every voter as configured, and each
   * voter's address on a listener (the one a call came in on; undefined: the quorum
   * listener's), undefined when that voter has no address there (see VoterEndpoints.addressOn).
   */
  quorum: {
    replica: RaftMetadataReplica;
    voters(): readonly ConfiguredVoter[];
    voterAddress(id: number, listenerName: string | undefined): string | undefined;
  };
  /** The authorizer settings, ACLs, credentials and broker bindings of the committed state. */
  security: CoordinatorSecurityState;
}
