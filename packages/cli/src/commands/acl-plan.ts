import type { AclEntry, AclFilter, AclOperationType, AclResourceType, ResourcePatternType } from '@fjord/sdk';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../usage-error.js';

// kafka-acls.sh's flags turned into what the admin API takes, as AclCommand does it: one
// binding per (resource, principal, host, operation), hosts `*` unless given, operation All
// unless given, pattern type LITERAL unless given.

/** The flags of `fjord acls`, as commander hands them over. */
export interface AclFlags {
  add?: boolean;
  remove?: boolean;
  list?: boolean;
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  allowHost?: string[];
  denyHost?: string[];
  principal?: string[];
  operation?: AclOperationType[];
  topic?: string[];
  group?: string[];
  cluster?: boolean;
  transactionalId?: string[];
  resourcePatternType?: ResourcePatternType;
  producer?: boolean;
  consumer?: boolean;
  idempotent?: boolean;
  force?: boolean;
  json?: boolean;
}

/** What one `fjord acls` invocation does. */
export type AclPlan =
  | { action: 'add'; bindings: AclEntry[]; resources: AclFilter[] }
  | { action: 'remove'; filters: AclFilter[] }
  | { action: 'list'; filters: AclFilter[] };

/** A resource pattern named by the flags. */
interface Resource {
  resourceType: AclResourceType;
  resourceName: string;
}

const CLUSTER_NAME = 'kafka-cluster';

// Operations each resource type has (Kafka's AclEntry.supportedOperations).
const SUPPORTED_OPERATIONS: Record<Exclude<AclResourceType, 'ANY'>, readonly AclOperationType[]> = {
  TOPIC: [
    'READ',
    'WRITE',
    'CREATE',
    'DESCRIBE',
    'DELETE',
    'ALTER',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'ALL',
  ],
  GROUP: ['READ', 'DESCRIBE', 'DELETE', 'ALL'],
  CLUSTER: [
    'CREATE',
    'CLUSTER_ACTION',
    'DESCRIBE_CONFIGS',
    'ALTER_CONFIGS',
    'IDEMPOTENT_WRITE',
    'ALTER',
    'DESCRIBE',
    'ALL',
  ],
  TRANSACTIONAL_ID: ['DESCRIBE', 'WRITE', 'ALL'],
};

const OPERATION_NAMES: readonly AclOperationType[] = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
];

/** `--operation`: kafka-acls.sh's spelling (`Read`, `DescribeConfigs`), any case, `-`/`_` ignored. */
export function aclOperation(value: string): AclOperationType {
  const wanted = value.replace(/[-_\s]/g, '').toUpperCase();
  const found = OPERATION_NAMES.find((name) => name.replace(/_/g, '') === wanted);
  if (!found) {
    throw new InvalidArgumentError(
      'expected one of All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite.',
    );
  }
  return found;
}

/** `--resource-pattern-type`: literal, prefixed, match or any. */
export function resourcePatternType(value: string): ResourcePatternType {
  const upper = value.trim().toUpperCase();
  if (upper === 'LITERAL' || upper === 'PREFIXED' || upper === 'MATCH' || upper === 'ANY') return upper;
  throw new InvalidArgumentError('expected literal, prefixed, match or any.');
}

/** A principal flag value: `Type:name` (`User:alice`, `User:*`). */
export function principal(value: string): string {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new InvalidArgumentError('expected Type:name, e.g. User:alice or User:*.');
  }
  return value;
}

function resourcesOf(flags: AclFlags): Resource[] {
  return [
    ...(flags.topic ?? []).map((name) => ({ resourceType: 'TOPIC' as const, resourceName: name })),
    ...(flags.group ?? []).map((name) => ({ resourceType: 'GROUP' as const, resourceName: name })),
    ...(flags.cluster ? [{ resourceType: 'CLUSTER' as const, resourceName: CLUSTER_NAME }] : []),
    ...(flags.transactionalId ?? []).map((name) => ({
      resourceType: 'TRANSACTIONAL_ID' as const,
      resourceName: name,
    })),
  ];
}

/**
 * The bindings, or the filters, one `fjord acls` invocation stands for; a UsageError names
 * what kafka-acls.sh would refuse.
 */
export function planAcls(flags: AclFlags): AclPlan {
  const actions = (['add', 'remove', 'list'] as const).filter((a) => flags[a]);
  if (actions.length !== 1) {
    throw new UsageError('acls: give exactly one of --add, --remove, --list');
  }
  const action = actions[0] as 'add' | 'remove' | 'list';
  const patternType = flags.resourcePatternType ?? 'LITERAL';
  const resources = resourcesOf(flags);
  if ((flags.producer || flags.consumer) && action === 'list') {
    throw new UsageError('acls: --producer and --consumer go with --add or --remove');
  }
  if (flags.idempotent && !flags.producer) throw new UsageError('acls: --idempotent goes with --producer');
  if (flags.principal && action !== 'list') {
    throw new UsageError(
      'acls: --principal filters --list; with --add or --remove use --allow-principal/--deny-principal',
    );
  }
  if (action === 'list') {
    for (const flag of ['allowPrincipal', 'denyPrincipal', 'allowHost', 'denyHost', 'operation'] as const) {
      if (flags[flag]) throw new UsageError(`acls: --list takes --principal, not --${kebab(flag)}`);
    }
    if (patternType === 'MATCH' && resources.length === 0) {
      throw new UsageError(
        'acls: --resource-pattern-type match needs a resource (--topic, --group, ...) to match',
      );
    }
    const principals = flags.principal ?? [];
    const patterns = resources.length === 0 ? [undefined] : resources;
    const filters = patterns.flatMap((resource) =>
      (principals.length === 0 ? [undefined] : principals).map((p) => ({
        ...(resource ?? {}),
        ...(resource || flags.resourcePatternType ? { resourcePatternType: patternType } : {}),
        ...(p ? { principal: p } : {}),
      })),
    );
    return { action, filters };
  }
  if (resources.length === 0) {
    throw new UsageError('acls: name a resource: --topic, --group, --cluster or --transactional-id');
  }
  if (action === 'add' && (patternType === 'MATCH' || patternType === 'ANY')) {
    throw new UsageError(
      `acls: --resource-pattern-type ${patternType.toLowerCase()} is a filter; --add takes literal or prefixed`,
    );
  }
  const allow = flags.allowPrincipal ?? [];
  const deny = flags.denyPrincipal ?? [];
  if (action === 'add' && allow.length === 0 && deny.length === 0) {
    throw new UsageError('acls: --add needs --allow-principal or --deny-principal');
  }
  if (flags.allowHost && allow.length === 0)
    throw new UsageError('acls: --allow-host goes with --allow-principal');
  if (flags.denyHost && deny.length === 0)
    throw new UsageError('acls: --deny-host goes with --deny-principal');
  const operationsOf = rolesOrOperations(flags, resources);
  if (action === 'remove' && !flags.force) {
    throw new UsageError(
      'acls: --remove deletes without asking only with --force (fjord never prompts; check first with --list)',
    );
  }
  const entries: Array<{ principal: string; host: string; permissionType: 'ALLOW' | 'DENY' }> = [
    ...allow.flatMap((p) =>
      (flags.allowHost ?? ['*']).map((host) => ({ principal: p, host, permissionType: 'ALLOW' as const })),
    ),
    ...deny.flatMap((p) =>
      (flags.denyHost ?? ['*']).map((host) => ({ principal: p, host, permissionType: 'DENY' as const })),
    ),
  ];
  if (action === 'remove') {
    // Without principals kafka-acls.sh removes every ACL of the named resources.
    const filters: AclFilter[] =
      entries.length === 0
        ? resources.map((r) => ({ ...r, resourcePatternType: patternType }))
        : resources.flatMap((r) =>
            entries.flatMap((e) =>
              (flags.operation || flags.producer || flags.consumer ? operationsOf(r) : [undefined]).map(
                (operation) => ({
                  ...r,
                  resourcePatternType: patternType,
                  ...e,
                  ...(operation ? { operation } : {}),
                }),
              ),
            ),
          );
    return { action, filters };
  }
  const bindings: AclEntry[] = resources.flatMap((r) =>
    entries.flatMap((e) =>
      operationsOf(r).map((operation) => ({
        ...r,
        resourcePatternType: patternType as 'LITERAL' | 'PREFIXED',
        ...e,
        operation,
      })),
    ),
  );
  return {
    action,
    bindings,
    resources: resources.map((r) => ({ ...r, resourcePatternType: patternType })),
  };
}

// kafka-acls.sh's --producer (WRITE, DESCRIBE, CREATE on topics; IDEMPOTENT_WRITE on the
// Cluster with --idempotent) and --consumer (READ, DESCRIBE on topics, READ on groups), or the
// --operation list (default All), checked against what each resource type supports.
function rolesOrOperations(flags: AclFlags, resources: Resource[]): (r: Resource) => AclOperationType[] {
  if (flags.producer || flags.consumer) {
    if (flags.operation) throw new UsageError('acls: give --operation or --producer/--consumer, not both');
    const wrong = resources.find(
      (r) =>
        r.resourceType === 'TRANSACTIONAL_ID' ||
        (r.resourceType === 'CLUSTER' && !flags.idempotent) ||
        (r.resourceType === 'GROUP' && !flags.consumer),
    );
    if (wrong) {
      throw new UsageError(
        '--producer takes --topic (and --idempotent adds the Cluster); --consumer takes --topic and --group',
      );
    }
    if (flags.consumer && !resources.some((r) => r.resourceType === 'GROUP')) {
      throw new UsageError('acls: --consumer needs --group');
    }
    return (r) => {
      if (r.resourceType === 'TOPIC') {
        return [
          ...new Set([
            ...(flags.producer ? (['WRITE', 'DESCRIBE', 'CREATE'] as const) : []),
            ...(flags.consumer ? (['READ', 'DESCRIBE'] as const) : []),
          ]),
        ];
      }
      if (r.resourceType === 'GROUP') return ['READ'];
      return ['IDEMPOTENT_WRITE'];
    };
  }
  const operations: AclOperationType[] = [...new Set(flags.operation ?? (['ALL'] as const))];
  for (const r of resources) {
    const supported = SUPPORTED_OPERATIONS[r.resourceType as Exclude<AclResourceType, 'ANY'>] ?? [];
    const unsupported = operations.filter((o) => !supported.includes(o));
    if (unsupported.length > 0) {
      throw new UsageError(
        `acls: resource type ${r.resourceType} does not support ${unsupported.join(', ')}; it supports ${supported.join(', ')}`,
      );
    }
  }
  return () => operations;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
