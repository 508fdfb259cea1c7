import { AuthorizationError, type Fjord, type FjordError } from '@fjord/sdk';
import { type Cluster, randomName, sleep, startCluster } from '@fjord/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secureFjord } from './security-helpers.js';

// The ACL matrix (issue #13, "Done when"): principal × resource × operation, each row setting
// its own ACLs on names of its own, acting through the SDK as that principal, and expecting
// the call allowed or refused with exactly Kafka's code: 29 TOPIC_, 30 GROUP_, 31
// CLUSTER_AUTHORIZATION_FAILED. One cluster for every row.
//
// Propagation: brokers learn ACLs with their next heartbeat, so an allowed call that a broker
// serves is retried (on an AuthorizationError only) for a few seconds. A refused call is
// checked once: every row has a user of its own with no earlier grant, so a refusal cannot be
// a stale state that has not yet seen an allow, and deny + allow rows create both ACLs in one
// request.

const TOPIC_AUTHORIZATION_FAILED = 29;
const GROUP_AUTHORIZATION_FAILED = 30;
const CLUSTER_AUTHORIZATION_FAILED = 31;
const PROPAGATION_MS = 15_000;

type Expectation =
  | 'allowed'
  | typeof TOPIC_AUTHORIZATION_FAILED
  | typeof GROUP_AUTHORIZATION_FAILED
  | typeof CLUSTER_AUTHORIZATION_FAILED;

/** The names one row works on: fresh for every row. */
interface RowNames {
  topic: string;
  group: string;
  /** A prefix of `topic`. */
  prefix: string;
  principal: string;
}

interface Row {
  name: string;
  /** ACLs granted (or denied) before the act. */
  acls: (n: RowNames) => AclSpec[];
  /** Who acts: the row's user (default) or the admin super user. */
  as?: 'user' | 'admin';
  /** What the admin prepares first (the topic always exists unless `noTopic`). */
  noTopic?: boolean;
  setup?: (n: RowNames, admin: Fjord) => Promise<void>;
  act: (n: RowNames, client: Fjord) => Promise<unknown>;
  expect: Expectation;
}

interface AclSpec {
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER';
  resourceName: string;
  patternType?: 'LITERAL' | 'PREFIXED';
  operation: string;
  permission?: 'ALLOW' | 'DENY';
  principal?: string;
  host?: string;
}

const topicAcl = (n: RowNames, operation: string, extra: Partial<AclSpec> = {}): AclSpec => ({
  resourceType: 'TOPIC',
  resourceName: n.topic,
  operation,
  ...extra,
});
const groupAcl = (n: RowNames, operation: string): AclSpec => ({
  resourceType: 'GROUP',
  resourceName: n.group,
  operation,
});
const clusterAcl = (operation: string): AclSpec => ({
  resourceType: 'CLUSTER',
  resourceName: 'kafka-cluster',
  operation,
});

/** Not idempotent: InitProducerId's own check (IDEMPOTENT_WRITE or WRITE on a topic) has its row. */
async function produce(n: RowNames, client: Fjord): Promise<void> {
  const producer = client.producer({ acks: 'all', idempotent: false });
  try {
    await producer.send({ topic: n.topic, messages: [{ value: 'row' }] });
  } finally {
    await producer.close();
  }
}

async function produceIdempotently(n: RowNames, client: Fjord): Promise<void> {
  const producer = client.producer({ acks: 'all', idempotent: true });
  try {
    await producer.send({ topic: n.topic, messages: [{ value: 'row' }] });
  } finally {
    await producer.close();
  }
}

async function consume(n: RowNames, client: Fjord): Promise<void> {
  const reader = client.consumer({ autoOffsetReset: 'earliest' });
  try {
    await reader.assign([{ topic: n.topic, partition: 0 }]);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) if ((await reader.poll(500)).length > 0) return;
    throw new Error(`no record read from ${n.topic}`);
  } finally {
    await reader.close();
  }
}

async function commitInGroup(n: RowNames, client: Fjord): Promise<void> {
  const member = client.consumer({ groupId: n.group, autoOffsetReset: 'earliest' });
  try {
    await member.subscribe([n.topic]);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if ((await member.poll(500)).length > 0) {
        await member.commit();
        return;
      }
    }
    throw new Error(`no record read from ${n.topic} in group ${n.group}`);
  } finally {
    await member.close();
  }
}

/** A record in the row's topic, written by the admin, for the reading rows. */
async function seed(n: RowNames, admin: Fjord): Promise<void> {
  await produce(n, admin);
}

/** The group exists, empty, with a committed offset (an admin member joined, committed and left). */
async function groupWithOffsets(n: RowNames, admin: Fjord): Promise<void> {
  await seed(n, admin);
  await commitInGroup(n, admin);
}

/** The SDK's ACL admin calls, as helper "admincli" names them (KafkaJS's shapes). */
interface AclAdmin {
  createAcls(request: { acl: object[] }): Promise<unknown>;
  describeAcls(filter: object): Promise<unknown>;
}
const aclAdmin = (client: Fjord) => client.admin() as unknown as AclAdmin;

const ROWS: Row[] = [
  // produce
  {
    name: 'produce with WRITE on the topic',
    acls: (n) => [topicAcl(n, 'WRITE')],
    act: produce,
    expect: 'allowed',
  },
  {
    name: 'produce with READ only',
    acls: (n) => [topicAcl(n, 'READ')],
    act: produce,
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  { name: 'produce without any ACL', acls: () => [], act: produce, expect: TOPIC_AUTHORIZATION_FAILED },
  {
    name: 'produce idempotently with WRITE on the topic (KIP-679: enough for InitProducerId)',
    acls: (n) => [topicAcl(n, 'WRITE')],
    act: produceIdempotently,
    expect: 'allowed',
  },
  {
    name: 'produce idempotently with READ only (InitProducerId refused)',
    acls: (n) => [topicAcl(n, 'READ')],
    act: produceIdempotently,
    expect: CLUSTER_AUTHORIZATION_FAILED,
  },
  {
    name: 'produce with a PREFIXED WRITE covering the topic',
    acls: (n) => [
      { resourceType: 'TOPIC', resourceName: n.prefix, patternType: 'PREFIXED', operation: 'WRITE' },
    ],
    act: produce,
    expect: 'allowed',
  },
  {
    name: 'produce with a PREFIXED WRITE and a literal DENY WRITE on the topic (deny wins)',
    acls: (n) => [
      { resourceType: 'TOPIC', resourceName: n.prefix, patternType: 'PREFIXED', operation: 'WRITE' },
      topicAcl(n, 'WRITE', { permission: 'DENY' }),
    ],
    act: produce,
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  {
    name: 'produce with ALL on the topic and DENY ALL for User:* (deny wins over the own grant)',
    acls: (n) => [topicAcl(n, 'ALL'), topicAcl(n, 'ALL', { permission: 'DENY', principal: 'User:*' })],
    act: produce,
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  {
    name: 'produce with WRITE granted from another host only',
    acls: (n) => [topicAcl(n, 'WRITE', { host: '10.9.9.9' })],
    act: produce,
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  {
    name: 'the super user produces without any ACL',
    acls: () => [],
    as: 'admin',
    act: produce,
    expect: 'allowed',
  },
  // consume
  {
    name: 'consume with READ on the topic',
    acls: (n) => [topicAcl(n, 'READ')],
    setup: seed,
    act: consume,
    expect: 'allowed',
  },
  {
    name: 'consume with READ for User:* (wildcard principal)',
    acls: (n) => [topicAcl(n, 'READ', { principal: 'User:*' })],
    setup: seed,
    act: consume,
    expect: 'allowed',
  },
  {
    name: 'consume with WRITE only',
    acls: (n) => [topicAcl(n, 'WRITE')],
    setup: seed,
    act: consume,
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  // commit (a group member)
  {
    name: 'commit with READ on the group and the topic',
    acls: (n) => [topicAcl(n, 'READ'), groupAcl(n, 'READ')],
    setup: seed,
    act: commitInGroup,
    expect: 'allowed',
  },
  {
    name: 'commit with READ on the topic but no group ACL',
    acls: (n) => [topicAcl(n, 'READ')],
    setup: seed,
    act: commitInGroup,
    expect: GROUP_AUTHORIZATION_FAILED,
  },
  // create topic
  {
    name: 'create a topic with CREATE on the cluster (and no DESCRIBE: createTopics does not wait to see it)',
    acls: () => [clusterAcl('CREATE')],
    noTopic: true,
    act: (n, c) => c.admin().createTopics([{ name: n.topic, partitions: 1, replicationFactor: 1 }]),
    expect: 'allowed',
  },
  {
    name: 'create a topic with CREATE on a prefix of its name',
    acls: (n) => [
      { resourceType: 'TOPIC', resourceName: n.prefix, patternType: 'PREFIXED', operation: 'CREATE' },
      { resourceType: 'TOPIC', resourceName: n.prefix, patternType: 'PREFIXED', operation: 'DESCRIBE' },
    ],
    noTopic: true,
    act: (n, c) => c.admin().createTopics([{ name: n.topic, partitions: 1, replicationFactor: 1 }]),
    expect: 'allowed',
  },
  {
    name: 'create a topic without CREATE',
    acls: (n) => [topicAcl(n, 'WRITE')],
    noTopic: true,
    act: (n, c) => c.admin().createTopics([{ name: n.topic, partitions: 1, replicationFactor: 1 }]),
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  // delete topic
  {
    name: 'delete a topic with DELETE on it',
    acls: (n) => [topicAcl(n, 'DELETE')],
    act: (n, c) => c.admin().deleteTopics([n.topic]),
    expect: 'allowed',
  },
  {
    name: 'delete a topic with ALTER only',
    acls: (n) => [topicAcl(n, 'ALTER')],
    act: (n, c) => c.admin().deleteTopics([n.topic]),
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  // alter configs
  {
    name: 'alter topic configs with ALTER_CONFIGS',
    acls: (n) => [topicAcl(n, 'ALTER_CONFIGS')],
    act: (n, c) => c.admin().alterTopicConfigs([{ topic: n.topic, set: { 'retention.ms': '3600000' } }]),
    expect: 'allowed',
  },
  {
    name: 'alter topic configs with DESCRIBE_CONFIGS only',
    acls: (n) => [topicAcl(n, 'DESCRIBE_CONFIGS')],
    act: (n, c) => c.admin().alterTopicConfigs([{ topic: n.topic, set: { 'retention.ms': '3600000' } }]),
    expect: TOPIC_AUTHORIZATION_FAILED,
  },
  // group admin
  {
    name: 'describe a group with DESCRIBE on it',
    acls: (n) => [groupAcl(n, 'DESCRIBE')],
    setup: groupWithOffsets,
    act: (n, c) => c.admin().describeGroup(n.group),
    expect: 'allowed',
  },
  {
    name: 'describe a group without a group ACL',
    acls: (n) => [topicAcl(n, 'DESCRIBE')],
    setup: groupWithOffsets,
    act: (n, c) => c.admin().describeGroup(n.group),
    expect: GROUP_AUTHORIZATION_FAILED,
  },
  {
    name: 'delete a group with DELETE on it',
    acls: (n) => [groupAcl(n, 'DELETE')],
    setup: groupWithOffsets,
    act: (n, c) => c.admin().deleteGroup(n.group),
    expect: 'allowed',
  },
  {
    name: 'delete a group with READ only',
    acls: (n) => [groupAcl(n, 'READ')],
    setup: groupWithOffsets,
    act: (n, c) => c.admin().deleteGroup(n.group),
    expect: GROUP_AUTHORIZATION_FAILED,
  },
  {
    name: 'reset group offsets with READ on the group and the topic',
    acls: (n) => [groupAcl(n, 'READ'), topicAcl(n, 'READ')],
    setup: groupWithOffsets,
    act: (n, c) =>
      c.admin().resetGroupOffsets(n.group, [{ topic: n.topic, offsets: [{ partition: 0, offset: 0n }] }]),
    expect: 'allowed',
  },
  {
    name: 'reset group offsets without a group ACL',
    acls: (n) => [topicAcl(n, 'READ')],
    setup: groupWithOffsets,
    act: (n, c) =>
      c.admin().resetGroupOffsets(n.group, [{ topic: n.topic, offsets: [{ partition: 0, offset: 0n }] }]),
    expect: GROUP_AUTHORIZATION_FAILED,
  },
  // ACL admin
  {
    name: 'create ACLs with ALTER on the cluster',
    acls: () => [clusterAcl('ALTER')],
    act: (n, c) =>
      aclAdmin(c).createAcls({
        acl: [
          {
            resourceType: 'TOPIC',
            resourceName: n.topic,
            resourcePatternType: 'LITERAL',
            principal: 'User:someone-else',
            host: '*',
            operation: 'READ',
            permissionType: 'ALLOW',
          },
        ],
      }),
    expect: 'allowed',
  },
  {
    name: 'create ACLs without ALTER on the cluster',
    acls: () => [clusterAcl('DESCRIBE')],
    act: (n, c) =>
      aclAdmin(c).createAcls({
        acl: [
          {
            resourceType: 'TOPIC',
            resourceName: n.topic,
            resourcePatternType: 'LITERAL',
            principal: 'User:someone-else',
            host: '*',
            operation: 'READ',
            permissionType: 'ALLOW',
          },
        ],
      }),
    expect: CLUSTER_AUTHORIZATION_FAILED,
  },
  {
    name: 'describe ACLs with DESCRIBE on the cluster',
    acls: (n) => [clusterAcl('DESCRIBE'), topicAcl(n, 'READ')],
    act: async (n, c) => {
      const answer = await aclAdmin(c).describeAcls({
        resourceType: 'TOPIC',
        resourceName: n.topic,
        resourcePatternType: 'LITERAL',
      });
      if (!JSON.stringify(answer).includes(n.principal))
        throw new Error(`describeAcls did not list ${n.principal}: ${JSON.stringify(answer)}`);
    },
    expect: 'allowed',
  },
  {
    name: 'describe ACLs without a cluster ACL',
    acls: (n) => [topicAcl(n, 'ALL')],
    act: (n, c) => aclAdmin(c).describeAcls({ resourceType: 'TOPIC', resourceName: n.topic }),
    expect: CLUSTER_AUTHORIZATION_FAILED,
  },
];

describe('the ACL matrix, through the SDK against a secure cluster', () => {
  let cluster: Cluster;
  let admin: Fjord;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 1, secure: true });
    admin = secureFjord(cluster, 'acl-matrix-admin');
  }, 120_000);
  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
  });

  it.each(ROWS.map((row, i) => [`${i + 1}. ${row.name}`, row] as const))(
    '%s',
    async (_name, row) => {
      const id = randomName('m');
      // A user of its own per row: no grant of an earlier row (a cluster ACL) applies here.
      const login = await cluster.createUser(`${id}.user`);
      const principal = `User:${login.username}`;
      const names: RowNames = { topic: `${id}.topic`, group: `${id}.group`, prefix: `${id}.`, principal };
      if (!row.noTopic)
        await admin.admin().createTopics([{ name: names.topic, partitions: 1, replicationFactor: 1 }]);
      await row.setup?.(names, admin);
      const acls = row.acls(names);
      if (acls.length > 0) {
        await cluster.createAcls(
          acls.map((acl) => ({
            resourceType: acl.resourceType,
            resourceName: acl.resourceName,
            patternType: acl.patternType ?? 'LITERAL',
            principal: acl.principal ?? principal,
            host: acl.host ?? '*',
            operation: acl.operation,
            permission: acl.permission ?? 'ALLOW',
          })),
        );
      }
      const user = secureFjord(cluster, 'acl-matrix-user', login, { requestTimeoutMs: 10_000 });
      const client = row.as === 'admin' ? admin : user;
      try {
        if (row.expect === 'allowed') {
          await allowedEventually(() => row.act(names, client));
        } else {
          const error = (await row.act(names, client).then(
            () => undefined,
            (e: unknown) => e,
          )) as FjordError | undefined;
          expect(error, 'the call was allowed').toBeInstanceOf(AuthorizationError);
          expect(error?.errorCode, error?.message).toBe(row.expect);
          expect(error?.retriable).toBe(false);
        }
      } finally {
        await user.close();
      }
    },
    60_000,
  );
});

/** Runs `act` until it passes; only an AuthorizationError (a grant not yet propagated) is retried. */
async function allowedEventually(act: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + PROPAGATION_MS;
  for (;;) {
    try {
      await act();
      return;
    } catch (error) {
      if (!(error instanceof AuthorizationError) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}
