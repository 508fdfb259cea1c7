import { EARLIEST_TIMESTAMP, ErrorCode, LATEST_TIMESTAMP, topicNameProblem, type v1 } from '@fjord/protocol';
import type { UnaryInvoker } from '../cluster/connections.js';
import { lookupOffsets, type PartitionOffset } from '../cluster/list-offsets.js';
import type { Cluster } from '../cluster/metadata.js';
import {
  FjordError,
  type FjordProtocolError,
  InvalidArgumentError,
  LeaderNotAvailableError,
  protocolError,
  RequestTimeoutError,
  throwAll,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { type Clock, type RetryPolicy, retry, systemClock } from '../retry.js';
import type { AclEntry, AclFilter } from './acl-shapes.js';
import { type ElectionRetry, electionRetry } from './election-retry.js';
import {
  GroupAdmin,
  type GroupDescription,
  type GroupListing,
  type GroupOffsetReset,
  type GroupPartitionOffset,
} from './group-admin.js';
import {
  type DeleteAclsResult,
  type DescribeAclsResult,
  SecurityAdmin,
  type UserScramCredentialAlteration,
  type UserScramCredentialsDescription,
} from './security-admin.js';

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** Number of partitions, at least 1. */
  partitions: number;
  /** Copies of each partition (default 1). */
  replicationFactor?: number;
  /** Topic config overrides with Kafka's names, e.g. `{ 'retention.ms': '604800000' }`. */
  configs?: Record<string, string>;
}

/** A topic in {@link Admin.listTopics}. */
export interface TopicListing {
  name: string;
  /** Topic id (UUID); a recreated topic gets a new one. */
  id: string;
  partitions: number;
}

/** A topic in {@link Admin.describeTopics}. */
export interface TopicDescription {
  name: string;
  id: string;
  /** Effective configuration (defaults filled in), Kafka config names. */
  configs: Record<string, string>;
  partitions: PartitionDescription[];
}

/** A partition in {@link TopicDescription}. */
export interface PartitionDescription {
  partition: number;
  /** Leader broker id, -1 while offline. */
  leader: number;
  replicas: number[];
  isr: number[];
  /**
   * Eligible leader replicas (KIP-966): replicas outside the ISR that still hold every
   * committed record (they left it while it was below min.insync.replicas), so they may be
   * elected when no ISR member is alive.
   */
  elr: number[];
  leaderEpoch: number;
}

/** What {@link Admin.describeCluster} returns. */
export interface ClusterDescription {
  clusterId: string;
  /** The coordinator's advertised `host:port`. */
  coordinator: string;
  brokers: Array<{ id: number; host: string; port: number; alive: boolean }>;
  /** Partitions whose ISR is smaller than their replica set, or that have no leader. */
  underReplicated: UnderReplicatedPartition[];
}

/** What {@link Admin.describeQuorum} returns. */
export interface QuorumDescription {
  /** The leading coordinator's id, -1 while none is known (an election is running). */
  leaderId: number;
  /** The Raft term of the answer. */
  term: number;
  /** The answering coordinator's commit index. */
  commitIndex: number;
  /** Every voter, sorted by id. */
  coordinators: QuorumCoordinator[];
}

/** One voter of {@link QuorumDescription.coordinators}. */
export interface QuorumCoordinator {
  id: number;
  /** host:port for clients and brokers. */
  address: string;
  leader: boolean;
  /** The voter's last log index as the leader last heard it; -1 when unknown. */
  logEnd: number;
  /** Entries the voter is behind the leader's log end; -1 when unknown. */
  lag: number;
}

/** A partition in {@link ClusterDescription.underReplicated}. */
export interface UnderReplicatedPartition {
  topic: string;
  partition: number;
  /** Leader broker id, -1 while offline. */
  leader: number;
  replicas: number[];
  isr: number[];
}

/** One partition's outcome in {@link Admin.electLeaders}. */
export interface ElectionResult {
  topic: string;
  partition: number;
  /** The leader afterwards. */
  leader: number;
  /** 'elected', or why not: the preferred replica already leads, or is down / not in the ISR. */
  outcome: 'elected' | 'already-preferred' | 'preferred-not-available';
}

/** Config changes of one topic; all apply together or none does. */
export interface TopicConfigChange {
  topic: string;
  /** Configs to set. */
  set?: Record<string, string>;
  /** Configs to reset to their default. */
  delete?: string[];
}

/** Which offset {@link Admin.listOffsets} looks up. */
export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export type { PartitionOffset } from '../cluster/list-offsets.js';

/** What an {@link Admin} needs. */
export interface AdminDeps {
  cluster: Cluster;
  retry: RetryPolicy;
  logger: Logger;
  clock?: Clock;
}

/** Cluster administration: topics, configs, offsets, groups, ACLs and SCRAM users. Get one from `fjord.admin()`. */
export class Admin {
  readonly #cluster: Cluster;
  readonly #retry: RetryPolicy;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #groups: GroupAdmin;
  readonly #security: SecurityAdmin;
  readonly #throughElections: ElectionRetry;

  /** @internal Applications get the admin client from `fjord.admin()`. */
  constructor(deps: AdminDeps) {
    this.#cluster = deps.cluster;
    this.#retry = deps.retry;
    this.#logger = deps.logger;
    this.#clock = deps.clock ?? systemClock;
    this.#throughElections = electionRetry(this.#retry, this.#clock, () => deps.cluster.requestTimeoutMs);
    this.#groups = new GroupAdmin(deps.cluster, this, this.#throughElections);
    this.#security = new SecurityAdmin(deps.cluster, this.#throughElections);
  }

  /**
   * Creates ACLs (KafkaJS's `createAcls({ acl: [...] })`; Kafka's CreateAcls). Each entry names
   * a resource (`resourceType`, `resourceName`, `resourcePatternType` LITERAL or PREFIXED), a
   * `principal` (`User:alice`, `User:*`), a `host` (`*` by default), an `operation` and a
   * `permissionType` ALLOW or DENY. Enumerations are the upper-case names (`'TOPIC'`,
   * `AclResourceTypes.TOPIC`) or KafkaJS's numbers. Input mistakes throw InvalidArgumentError
   * before anything is sent; an ACL the cluster refuses throws its error (the others are
   * created). Needs ALTER on the Cluster.
   *
   * ```ts
   * await admin.createAcls({ acl: [{ resourceType: 'TOPIC', resourceName: 'orders',
   *   resourcePatternType: 'LITERAL', principal: 'User:alice', host: '*',
   *   operation: 'WRITE', permissionType: 'ALLOW' }] });
   * ```
   */
  createAcls(request: { acl: readonly AclEntry[] }): Promise<void> {
    return this.#security.createAcls(request);
  }

  /**
   * The ACLs that match `filter` (Kafka's DescribeAcls), grouped by resource pattern as
   * KafkaJS answers; enumerations in the answer are the upper-case names. A field left out
   * matches anything; `resourcePatternType: 'MATCH'` selects every ACL that applies to the
   * named resource (literal, `*` and prefixes). Needs DESCRIBE on the Cluster.
   */
  describeAcls(filter: AclFilter): Promise<DescribeAclsResult> {
    return this.#security.describeAcls(filter);
  }

  /**
   * Deletes every ACL that matches any of `filters` (Kafka's DeleteAcls) and returns, per
   * filter, the ACLs it deleted. Needs ALTER on the Cluster.
   */
  deleteAcls(request: { filters: readonly AclFilter[] }): Promise<DeleteAclsResult> {
    return this.#security.deleteAcls(request);
  }

  /**
   * Sets or deletes users' SCRAM credentials (Kafka's AlterUserScramCredentials, KIP-554). An
   * upsertion's password is salted on this side with a random salt and PBKDF2 (4096
   * iterations unless `iterations` says otherwise, 4096..16384): only the salted password
   * travels, and the cluster stores keys derived from it. Needs ALTER on the Cluster.
   *
   * ```ts
   * await admin.alterUserScramCredentials([
   *   { operation: 'upsert', user: 'alice', mechanism: 'scram-sha-512', password: 'alice-secret' },
   * ]);
   * ```
   */
  alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<void> {
    return this.#security.alterUserScramCredentials(alterations);
  }

  /**
   * The SCRAM mechanisms and iteration counts of `users` (every user with a credential when
   * none is named); never a salt or key. A named user without credentials throws
   * ResourceNotFoundError. Needs DESCRIBE on the Cluster.
   */
  describeUserScramCredentials(users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
    return this.#security.describeUserScramCredentials(users);
  }

  /** Every consumer group with its state and member count. */
  listGroups(): Promise<GroupListing[]> {
    return this.#groups.listGroups();
  }

  /** A group's state, epochs, assignor and members with their assignments (GroupIdNotFoundError if unknown). */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#groups.describeGroup(groupId);
  }

  /** A group's committed offsets with the log end offset and lag of each partition. */
  listGroupOffsets(groupId: string): Promise<GroupPartitionOffset[]> {
    return this.#groups.listGroupOffsets(groupId);
  }

  /**
   * Moves a group's committed offsets (also backwards): per topic to `'earliest'`,
   * `'latest'`, `{ timestamp }` or explicit offsets. Refused with NonEmptyGroupError while
   * the group has members; GroupIdNotFoundError for an unknown group.
   */
  resetGroupOffsets(groupId: string, resets: readonly GroupOffsetReset[]): Promise<void> {
    return this.#groups.resetGroupOffsets(groupId, resets);
  }

  /** Deletes an empty group and its offsets (NonEmptyGroupError while it has members). */
  deleteGroup(groupId: string): Promise<void> {
    return this.#groups.deleteGroup(groupId);
  }

  /**
   * Creates topics and waits until the coordinator reports a leader for every partition of
   * every created topic (bounded by `requestTimeoutMs`). Throws the error of a failing topic
   * (e.g. TopicAlreadyExistsError), or a FjordAggregateError listing each when several fail;
   * the other topics are created regardless.
   */
  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    const problems = validateNewTopics(topics);
    if (problems.length > 0) throw new InvalidArgumentError(`invalid topics: ${problems.join('; ')}`);
    const response = await this.#coordinator<v1.CreateTopicsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.createTopics(
          {
            topics: topics.map((t) => ({
              name: t.name,
              partitions: t.partitions,
              replicationFactor: t.replicationFactor ?? 1,
              configs: t.configs ?? {},
            })),
            validateOnly: false,
          },
          metadata,
          options,
          callback,
        ),
    );
    const failures = topicErrors(response.topics);
    const created = topics.map((t) => t.name).filter((name) => !failures.some((f) => f.topic === name));
    this.#logger.info('topics created', { topics: created });
    if (created.length > 0) await this.#waitForLeaders(created);
    throwAll('some topics could not be created', failures);
  }

  /** Deletes topics; throws UnknownTopicOrPartitionError (or an aggregate) for topics that do not exist. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    assertTopicNames(names);
    const response = await this.#coordinator<v1.DeleteTopicsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.deleteTopics({ topics: [...names] }, metadata, options, callback),
    );
    for (const name of names) this.#cluster.invalidate(name);
    throwAll('some topics could not be deleted', topicErrors(response.topics));
  }

  /** Every topic with its id and partition count. */
  async listTopics(): Promise<TopicListing[]> {
    const response = await this.#coordinator<v1.ListTopicsResponse__Output>(
      (client) => (metadata, options, callback) => client.listTopics({}, metadata, options, callback),
    );
    return response.topics.map((t) => ({ name: t.name, id: t.topicId, partitions: t.partitions }));
  }

  /** Partitions, leaders, ISR and effective configs of each topic; throws for unknown topics. */
  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    assertTopicNames(names);
    const response = await this.#coordinator<v1.DescribeTopicsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.describeTopics({ topics: [...names] }, metadata, options, callback),
    );
    throwAll(
      'some topics could not be described',
      response.topics
        .filter((t) => t.errorCode !== ErrorCode.NONE)
        .map((t) => protocolError(t.errorCode, t.errorMessage, { topic: t.name })),
    );
    return response.topics.map((t) => ({
      name: t.name,
      id: t.topicId,
      configs: { ...t.configs },
      partitions: t.partitions
        .map((p) => ({
          partition: p.partition,
          leader: p.leader,
          replicas: [...p.replicas],
          isr: [...p.isr],
          elr: [...p.elr],
          leaderEpoch: p.leaderEpoch,
        }))
        .sort((a, b) => a.partition - b.partition),
    }));
  }

  /**
   * One call to the coordinator quorum's leader, retried while the quorum has no leader
   * (see {@link electionRetry}) for up to `requestTimeoutMs`.
   */
  #coordinator<Res>(
    invoke: (client: v1.CoordinatorServiceClient) => UnaryInvoker<Res>,
    accept?: (response: Res, address: string) => void,
  ): Promise<Res> {
    return this.#throughElections(() => this.#cluster.coordinator<Res>(invoke, accept));
  }

  /** Cluster id, coordinator address, and brokers with liveness. */
  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.#coordinator<v1.DescribeClusterResponse__Output>(
      (client) => (metadata, options, callback) => client.describeCluster({}, metadata, options, callback),
      (answer, address) =>
        this.#cluster.acceptMetadataVersion(answer.clusterId, answer.metadataVersion, address),
    );
    return {
      clusterId: response.clusterId,
      coordinator: response.coordinator,
      brokers: response.brokers
        .map((b) => ({ id: b.id, host: b.host, port: b.port, alive: b.alive }))
        .sort((a, b) => a.id - b.id),
      underReplicated: response.underReplicated.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        leader: p.leader,
        replicas: [...p.replicas],
        isr: [...p.isr],
      })),
    };
  }

  /**
   * The coordinator quorum: every voter with its address, whether it leads, its log end and
   * how far it is behind the leader (-1 when unknown). Asked of the leader when one is known
   * (only the leader tracks the others' progress), else of any coordinator that answers.
   */
  async describeQuorum(): Promise<QuorumDescription> {
    const quorum = this.#cluster.quorum;
    const describeAt = (address: string) =>
      this.#cluster.coordinatorAt<v1.DescribeQuorumResponse__Output>(
        address,
        (client) => (metadata, options, callback) => client.describeQuorum({}, metadata, options, callback),
      );
    const candidates = [...new Set([...(quorum.leader ? [quorum.leader] : []), ...quorum.addresses])];
    let answer: v1.DescribeQuorumResponse__Output | undefined;
    let answeredAt = '';
    let last: FjordError | undefined;
    for (const address of candidates) {
      try {
        answer = await describeAt(address);
        answeredAt = address;
        break;
      } catch (error) {
        last = FjordError.from(error, address);
        if (!last.retriable) throw last;
      }
    }
    if (!answer) throw last as FjordError;
    quorum.learn(answer, answeredAt);
    const leaderId = answer.leaderId;
    const leader = answer.voters.find((v) => v.id === leaderId);
    if (leader && answer.nodeId !== leaderId) {
      // A follower does not know the others' log ends; the leader does.
      const fromLeader = await describeAt(leader.address).catch(() => undefined);
      if (fromLeader && fromLeader.nodeId === fromLeader.leaderId && quorum.learn(fromLeader, leader.address))
        answer = fromLeader;
    }
    return {
      leaderId: answer.leaderId,
      term: Number(answer.term),
      commitIndex: Number(answer.commitIndex),
      coordinators: answer.voters
        .map((v) => ({
          id: v.id,
          address: v.address,
          leader: v.leader,
          logEnd: Number(v.logEnd),
          lag: Number(v.lag),
        }))
        .sort((a, b) => a.id - b.id),
    };
  }

  /**
   * Preferred leader election: leadership of each partition returns to its first replica
   * when that replica is alive and in the ISR. No topics = every partition of the cluster.
   * Throws UnknownTopicOrPartitionError for unknown topics.
   */
  async electLeaders(topics: readonly string[] = []): Promise<ElectionResult[]> {
    assertTopicNames(topics);
    const response = await this.#coordinator<v1.ElectLeadersResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.electLeaders(
          { topics: topics.map((topic) => ({ topic, partitions: [] })) },
          metadata,
          options,
          callback,
        ),
    );
    const failures = response.partitions
      .filter((p) => p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      .map((p) => protocolError(p.errorCode, p.errorMessage, { topic: p.topic }));
    throwAll('leaders could not be elected', failures);
    for (const topic of topics) this.#cluster.invalidate(topic);
    return response.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      leader: p.leader,
      outcome:
        p.errorCode === ErrorCode.NONE
          ? 'elected'
          : p.errorCode === ErrorCode.ELECTION_NOT_NEEDED
            ? 'already-preferred'
            : 'preferred-not-available',
    }));
  }

  /** Sets and removes topic configs; each topic's changes apply together or not at all. */
  async alterTopicConfigs(changes: readonly TopicConfigChange[]): Promise<void> {
    assertTopicNames(changes.map((c) => c.topic));
    const request = changes.map((c) => ({
      topic: c.topic,
      changes: [
        ...Object.entries(c.set ?? {}).map(([name, value]) => ({
          name,
          value: String(value),
          delete: false,
        })),
        ...(c.delete ?? []).map((name) => ({ name, value: '', delete: true })),
      ],
    }));
    const response = await this.#coordinator<v1.AlterTopicConfigsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.alterTopicConfigs({ topics: request }, metadata, options, callback),
    );
    throwAll('some topic configs could not be changed', topicErrors(response.topics));
  }

  /**
   * Offsets of every partition of `topic`: `'earliest'` (log start), `'latest'` (high
   * watermark: the offset the next record will get), or `{ timestamp }`: the first offset whose
   * record timestamp is >= timestamp (ms), -1n when there is none. Asks each leader broker once.
   */
  async listOffsets(topic: string, spec: OffsetSpec): Promise<PartitionOffset[]> {
    assertTopicNames([topic]);
    const timestamp = specTimestamp(spec);
    return retry(
      async () => {
        const metadata = await this.#cluster.topic(topic);
        const partitions = metadata.partitions.map((p) => p.partition);
        try {
          const found = await lookupOffsets(this.#cluster, metadata, partitions, timestamp);
          return partitions.map((partition) => found.get(partition) as PartitionOffset);
        } catch (error) {
          if (FjordError.from(error).retriable) this.#cluster.invalidate(topic);
          throw error;
        }
      },
      {
        policy: this.#retry,
        deadline: this.#clock.now() + this.#cluster.requestTimeoutMs,
        clock: this.#clock,
      },
    );
  }

  // Like KafkaJS's waitForLeaders: a topic is usable once every partition has a leader with a
  // known address.
  async #waitForLeaders(names: readonly string[]): Promise<void> {
    await retry(
      async () => {
        const response = await this.#cluster.fetchMetadata(names);
        for (const name of names) {
          const info = response.topics.find((t) => t.name === name);
          // Created, but the caller may not DESCRIBE it (CREATE without DESCRIBE): nothing to wait for.
          if (info?.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED) continue;
          // A topic just created may not be visible yet on a lagging coordinator view: wait.
          if (!info || info.errorCode !== ErrorCode.NONE) {
            throw new LeaderNotAvailableError('the topic is not visible in metadata yet', { topic: name });
          }
          const known = new Set(response.brokers.map((b) => b.id));
          const offline = info.partitions.filter((p) => p.leader < 0 || !known.has(p.leader));
          if (offline.length > 0) {
            throw new LeaderNotAvailableError(
              `partitions ${offline.map((p) => p.partition).join(', ')} have no leader yet`,
              { topic: name },
            );
          }
        }
      },
      {
        policy: this.#retry,
        deadline: this.#clock.now() + this.#cluster.requestTimeoutMs,
        clock: this.#clock,
        exhausted: (last) =>
          new RequestTimeoutError(`topics were created but have no leaders yet: ${last.message}`, undefined, {
            cause: last,
          }),
      },
    );
  }
}

function specTimestamp(spec: OffsetSpec): number {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  if (
    typeof spec === 'object' &&
    spec !== null &&
    Number.isSafeInteger(spec.timestamp) &&
    spec.timestamp >= 0
  ) {
    return spec.timestamp;
  }
  throw new InvalidArgumentError(`offset spec must be 'earliest', 'latest' or { timestamp: ms >= 0 }`);
}

function topicErrors(results: readonly v1.TopicResult__Output[]): FjordProtocolError[] {
  return results
    .filter((r) => r.errorCode !== ErrorCode.NONE)
    .map((r) => protocolError(r.errorCode, r.errorMessage, { topic: r.name }));
}

function assertTopicNames(names: readonly unknown[]): void {
  if (!Array.isArray(names)) throw new InvalidArgumentError('expected an array of topic names');
  const problems = names.map((n) => topicNameProblem(n)).filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '));
}

/** Client-side checks of createTopics input, so obvious mistakes fail before a request is sent. */
export function validateNewTopics(topics: readonly NewTopic[]): string[] {
  if (!Array.isArray(topics) || topics.length === 0) return ['expected a non-empty array of topics'];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, t] of topics.entries()) {
    const nameProblem = topicNameProblem(t?.name);
    if (nameProblem) problems.push(`topics[${i}]: ${nameProblem}`);
    else if (seen.has(t.name)) problems.push(`topics[${i}]: "${t.name}" is listed twice`);
    else seen.add(t.name);
    if (!Number.isInteger(t?.partitions) || t.partitions < 1) {
      problems.push(`topics[${i}]: partitions must be an integer >= 1`);
    }
    if (
      t?.replicationFactor !== undefined &&
      (!Number.isInteger(t.replicationFactor) || t.replicationFactor < 1)
    ) {
      problems.push(`topics[${i}]: replicationFactor must be an integer >= 1`);
    }
    if (t?.configs !== undefined && Object.values(t.configs).some((v) => typeof v !== 'string')) {
      problems.push(`topics[${i}]: config values must be strings`);
    }
  }
  return problems;
}
