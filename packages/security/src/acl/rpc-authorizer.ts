import { formatPrincipal, type KafkaPrincipal } from '../principal/kafka-principal.js';
import { CLUSTER_RESOURCE_NAME, type ResourceType } from './acl-model.js';
import {
  type ResourceSource,
  type RpcAuthorization,
  type RpcCheck,
  rpcAuthorization,
} from './rpc-authorization.js';
import type { StandardAuthorizer } from './standard-authorizer.js';

/** Who is calling, as the server established it. */
export interface RpcCaller {
  readonly principal: KafkaPrincipal;
  /** The client's IP address. */
  readonly host: string;
  /** The broker id this principal is, when it is a broker's principal. */
  readonly brokerId?: number;
}

/** Kafka's error for a refused resource type (codes 29, 30, 31, 53). */
export type AuthorizationErrorName =
  | 'TOPIC_AUTHORIZATION_FAILED'
  | 'GROUP_AUTHORIZATION_FAILED'
  | 'CLUSTER_AUTHORIZATION_FAILED'
  | 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED';

const ERROR_OF: Record<ResourceType, AuthorizationErrorName> = {
  TOPIC: 'TOPIC_AUTHORIZATION_FAILED',
  GROUP: 'GROUP_AUTHORIZATION_FAILED',
  CLUSTER: 'CLUSTER_AUTHORIZATION_FAILED',
  TRANSACTIONAL_ID: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
};

/** A resource of the request the caller may not use; the rest of the call goes ahead. */
export interface DeniedResource {
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly errorName: AuthorizationErrorName;
  /** Answer this resource with the error, or leave it out of the answer. */
  readonly effect: 'per-resource-error' | 'omit-from-answer';
}

/** The verdict on one call. */
export type RpcDecision =
  | { readonly refused: true; readonly errorName: AuthorizationErrorName; readonly message: string }
  | {
      readonly refused: false;
      readonly deniedResources: readonly DeniedResource[];
      /** For RPCs that list resources (ListTopics, ListGroups): whether the caller may see one. */
      readonly mayList: (resourceType: ResourceType, name: string) => boolean;
    };

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * The values at a table path (`topics[].topic`) in a request as @grpc/proto-loader decodes it
 * (camelCase field names). Missing fields give no values, as an empty repeated field would.
 */
export function valuesAt(request: unknown, path: string): unknown[] {
  let current: unknown[] = [request];
  for (const step of path.split('.')) {
    const repeated = step.endsWith('[]');
    const key = camelCase(repeated ? step.slice(0, -2) : step);
    current = current.flatMap((value) => {
      const next =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      if (next === undefined) return [];
      return repeated ? (Array.isArray(next) ? next : []) : [next];
    });
  }
  return current;
}

/** Longest resource name a refusal message quotes whole; Kafka's own names are at most 249 characters. */
const QUOTED_NAME_LENGTH = 256;

/**
 * A resource name for a refusal message: quoted, and for a name longer than
 * {@link QUOTED_NAME_LENGTH} (a group id has no length limit) its start and its length, so
 * that the message, sent in a gRPC trailer, stays small.
 */
export function quotedName(name: string): string {
  if (name.length <= QUOTED_NAME_LENGTH) return `'${name}'`;
  // Whole code points only: a lone surrogate cannot be percent-encoded into the trailer.
  const start = name.slice(0, QUOTED_NAME_LENGTH / 2).replace(/[\uD800-\uDBFF]$/, '');
  return `'${start}…' (${name.length} characters)`;
}

function refuse(errorName: AuthorizationErrorName, message: string): RpcDecision {
  return { refused: true, errorName, message };
}

/**
 * Decides one call from the {@link RPC_AUTHORIZATION} table: the checks of the RPC (or of the
 * branch its request selects), each against the authorizer, and for broker-only calls and
 * replica fetches also the claimed broker id, which must be the caller's own even for a super
 * user (one broker must not speak for another).
 *
 * Refusal messages name the RPC, the operation and the resource, never a value of the request
 * other than resource names.
 */
export function authorizeRpc(
  authorizer: StandardAuthorizer,
  caller: RpcCaller,
  path: string,
  request: unknown,
): RpcDecision {
  const entry: RpcAuthorization = rpcAuthorization(path);
  const rpc = path.replace(/^\//, '');
  let checks: readonly RpcCheck[];
  let brokerIdField = entry.brokerIdField;
  if ('field' in entry.checks) {
    const [value] = valuesAt(request, entry.checks.field);
    const selected = Number(value ?? -1) >= 0;
    checks = selected ? entry.checks.whenTrue : entry.checks.whenFalse;
    // A replica fetch claims the broker id in the selecting field.
    if (selected) brokerIdField = entry.checks.field;
  } else {
    checks = entry.checks;
  }
  const ask = (operation: RpcCheck['operation'], resourceType: ResourceType, name: string) =>
    authorizer.authorize({
      principal: caller.principal,
      host: caller.host,
      operation,
      resourceType,
      resourceName: name,
    }).allowed;

  const denied: DeniedResource[] = [];
  const listChecks: RpcCheck[] = [];
  for (const check of checks) {
    if (check.orElse && alternativeAllows(authorizer, caller, check, ask)) continue;
    const names = namesOf(check.resource, request);
    if (names === 'listed') {
      listChecks.push(check);
      continue;
    }
    for (const name of names) {
      if (ask(check.operation, check.resourceType, name)) continue;
      const errorName = ERROR_OF[check.resourceType];
      if (check.onDenied === 'refuse-call') {
        return refuse(
          errorName,
          `${rpc}: ${formatPrincipal(caller.principal)} may not ${check.operation} ${check.resourceType} ${quotedName(name)}`,
        );
      }
      denied.push({ resourceType: check.resourceType, name, errorName, effect: check.onDenied });
    }
  }
  if (brokerIdField !== undefined) {
    const [claimed] = valuesAt(request, brokerIdField);
    const own = caller.brokerId ?? (entry.bindsBrokerId ? Number(claimed) : undefined);
    if (own === undefined || Number(claimed) !== own) {
      return refuse(
        'CLUSTER_AUTHORIZATION_FAILED',
        `${rpc}: ${formatPrincipal(caller.principal)} may not act for broker ${String(claimed)}`,
      );
    }
  }
  return {
    refused: false,
    deniedResources: denied,
    mayList: (resourceType, name) =>
      listChecks.every(
        (check) => check.resourceType !== resourceType || ask(check.operation, resourceType, name),
      ),
  };
}

function namesOf(source: ResourceSource, request: unknown): string[] | 'listed' {
  if (source.kind === 'cluster') return [CLUSTER_RESOURCE_NAME];
  if (source.kind === 'each-listed') return 'listed';
  return [...new Set(valuesAt(request, source.path).map(String))];
}

function alternativeAllows(
  authorizer: StandardAuthorizer,
  caller: RpcCaller,
  check: RpcCheck,
  ask: (operation: RpcCheck['operation'], resourceType: ResourceType, name: string) => boolean,
): boolean {
  const alternative = check.orElse;
  if (!alternative) return false;
  if (check.orElseOnAnyResource) {
    return authorizer.authorizeByResourceType(
      caller.principal,
      caller.host,
      alternative.operation,
      alternative.resourceType,
    );
  }
  if (alternative.resource.kind !== 'cluster') return false;
  return ask(alternative.operation, alternative.resourceType, CLUSTER_RESOURCE_NAME);
}
