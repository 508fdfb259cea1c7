import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VALID_OPERATIONS } from './acl-validation.js';
import {
  type ResourceSource,
  RPC_AUTHORIZATION,
  type RpcCheck,
  rpcAuthorization,
} from './rpc-authorization.js';

const PROTO_DIR = fileURLToPath(new URL('../../../../proto/fjord/v1/', import.meta.url));

interface ProtoField {
  readonly type: string;
  readonly repeated: boolean;
}

const STREAMS_AUTHORIZED_PER_MESSAGE = new Set(['fjord.v1.BrokerService/FetchStream']);

/** Reads services and messages from the repository's protos (flat messages, as ours are). */
function readProtos() {
  const rpcs = new Map<string, string>();
  const messages = new Map<string, Map<string, ProtoField>>();
  for (const file of readdirSync(PROTO_DIR).filter((name) => name.endsWith('.proto'))) {
    const text = readFileSync(join(PROTO_DIR, file), 'utf8').replace(/\/\/.*$/gm, '');
    const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
    for (const service of text.matchAll(/service\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
      for (const rpc of (service[2] as string).matchAll(/rpc\s+(\w+)\s*\(\s*(stream\s+)?(\w+)\s*\)/g)) {
        const name = `${pkg}.${service[1]}/${rpc[1]}`;
        // A streaming RPC is in the table when its handler authorizes each message by it
        // (FetchStream); one that is served before authorization (Authenticate) is not.
        if (rpc[2] === undefined || STREAMS_AUTHORIZED_PER_MESSAGE.has(name))
          rpcs.set(name, rpc[3] as string);
      }
    }
    for (const message of text.matchAll(/message\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
      const fields = new Map<string, ProtoField>();
      for (const f of (message[2] as string).matchAll(
        /^\s*(repeated\s+)?([\w.<>, ]+?)\s+(\w+)\s*=\s*\d+;/gm,
      )) {
        fields.set(f[3] as string, { type: (f[2] as string).trim(), repeated: f[1] !== undefined });
      }
      messages.set(message[1] as string, fields);
    }
  }
  return { rpcs, messages };
}

const { rpcs, messages } = readProtos();

/** Follows `topics[].topic` through the messages; returns the final field's scalar type. */
function resolvePath(messageName: string, path: string): string {
  let current = messageName;
  const steps = path.split('.');
  let type = '';
  steps.forEach((step, i) => {
    const repeated = step.endsWith('[]');
    const name = repeated ? step.slice(0, -2) : step;
    const fieldInfo = messages.get(current)?.get(name);
    if (!fieldInfo) throw new Error(`${messageName}: no field '${name}' in ${current} (path ${path})`);
    if (fieldInfo.repeated !== repeated)
      throw new Error(`${messageName}: '${name}' repeated=${fieldInfo.repeated} but path says ${repeated}`);
    type = fieldInfo.type;
    if (i < steps.length - 1) current = type;
  });
  return type;
}

function sources(check: RpcCheck): ResourceSource[] {
  return [check.resource, ...(check.orElse ? [check.orElse.resource] : [])];
}

describe('RPC authorization table', () => {
  it('has read the protos', () => {
    expect(rpcs.size).toBeGreaterThanOrEqual(24);
    expect(rpcs.get('fjord.v1.BrokerService/Fetch')).toBe('FetchRequest');
  });

  it('has an entry for every RPC of every service in the protos, and none for RPCs that do not exist', () => {
    expect([...rpcs.keys()].filter((rpc) => !(rpc in RPC_AUTHORIZATION))).toEqual([]);
    expect(Object.keys(RPC_AUTHORIZATION).filter((rpc) => !rpcs.has(rpc))).toEqual([]);
  });

  it.each([...rpcs.entries()])(
    '%s names only fields its request %s has, with operations valid for the resource',
    (rpc, request) => {
      const entry = rpcAuthorization(`/${rpc}`);
      const branches =
        'field' in entry.checks ? [entry.checks.whenTrue, entry.checks.whenFalse] : [entry.checks];
      if ('field' in entry.checks) expect(resolvePath(request, entry.checks.field)).toMatch(/^int(32|64)$/);
      if (entry.brokerIdField) expect(resolvePath(request, entry.brokerIdField)).toBe('int32');
      for (const checks of branches) {
        expect(checks.length).toBeGreaterThan(0);
        for (const check of checks) {
          expect(VALID_OPERATIONS[check.resourceType]).toContain(check.operation);
          if (check.orElse)
            expect(VALID_OPERATIONS[check.orElse.resourceType]).toContain(check.orElse.operation);
          for (const source of sources(check)) {
            if (source.kind === 'field') expect(resolvePath(request, source.path)).toBe('string');
          }
        }
      }
    },
  );

  it('makes exactly the broker RPCs broker-only, each with the broker id it claims', () => {
    const brokerOnly = Object.entries(RPC_AUTHORIZATION)
      .filter(([, entry]) => entry.brokerOnly)
      .map(([rpc, entry]) => [rpc.split('/')[1], entry.brokerIdField]);
    expect(brokerOnly).toEqual([
      ['RegisterBroker', 'broker_id'],
      ['BrokerHeartbeat', 'broker_id'],
      ['AlterPartition', 'broker_id'],
      ['ControlledShutdown', 'broker_id'],
      ['DescribeSecurityState', undefined],
    ]);
    for (const entry of Object.values(RPC_AUTHORIZATION).filter((e) => e.brokerOnly)) {
      expect(entry.checks).toEqual([
        {
          operation: 'CLUSTER_ACTION',
          resourceType: 'CLUSTER',
          resource: { kind: 'cluster' },
          onDenied: 'refuse-call',
        },
      ]);
    }
  });

  it('sends a replica fetch (replica_id >= 0) to CLUSTER_ACTION and a consumer fetch to READ Topic', () => {
    const fetch = rpcAuthorization('/fjord.v1.BrokerService/Fetch').checks;
    expect(fetch).toMatchObject({
      field: 'replica_id',
      whenTrue: [{ operation: 'CLUSTER_ACTION', resourceType: 'CLUSTER' }],
      whenFalse: [{ operation: 'READ', resourceType: 'TOPIC', resource: { path: 'topics[].topic' } }],
    });
  });

  it('maps the Kafka APIs as Kafka does', () => {
    const ops = (rpc: string) => {
      const checks = rpcAuthorization(rpc).checks;
      return ('field' in checks ? checks.whenFalse : checks).map(
        (c) =>
          `${c.operation} ${c.resourceType}${c.orElse ? ` | ${c.orElse.operation} ${c.orElse.resourceType}` : ''}`,
      );
    };
    expect(ops('fjord.v1.BrokerService/Produce')).toEqual(['WRITE TOPIC']);
    expect(ops('fjord.v1.CoordinatorService/CreateTopics')).toEqual(['CREATE TOPIC | CREATE CLUSTER']);
    expect(ops('fjord.v1.GroupCoordinatorService/OffsetCommit')).toEqual(['READ GROUP', 'READ TOPIC']);
    expect(ops('fjord.v1.CoordinatorService/AlterTopicConfigs')).toEqual(['ALTER_CONFIGS TOPIC']);
    expect(ops('fjord.v1.GroupCoordinatorService/DeleteGroup')).toEqual(['DELETE GROUP']);
    expect(ops('fjord.v1.ProducerIdService/InitProducerId')).toEqual([
      'IDEMPOTENT_WRITE CLUSTER | WRITE TOPIC',
    ]);
  });

  it('refuses to look up an RPC it does not know', () => {
    expect(() => rpcAuthorization('/fjord.v1.BrokerService/Nope')).toThrow(
      /no authorization rule for RPC 'fjord.v1.BrokerService\/Nope'/,
    );
  });
});
