import { ErrorCode, type v1 } from '@fjord/protocol';
import type { UnaryInvoker } from '../cluster/connections.js';
import type { Cluster } from '../cluster/metadata.js';
import { type FjordProtocolError, InvalidArgumentError, protocolError, throwAll } from '../errors.js';
import {
  type AclDescription,
  type AclEntry,
  type AclFilter,
  type AclResource,
  aclBindingToWire,
  aclFilterToWire,
  aclFromWire,
  groupByResource,
} from './acl-shapes.js';
import type { ElectionRetry } from './election-retry.js';
import {
  DEFAULT_SCRAM_ITERATIONS,
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramMechanismName,
  saltPassword,
  scramMechanismName,
} from './scram-salting.js';

/** What {@link Admin.describeAcls} returns (KafkaJS's shape, without its error fields: errors are thrown). */
export interface DescribeAclsResult {
  resources: AclResource[];
}

/** What {@link Admin.deleteAcls} returns: per filter, in order, the ACLs it deleted. */
export interface DeleteAclsResult {
  filterResponses: Array<{ matchingAcls: AclDescription[] }>;
}

/** A SCRAM mechanism as the SDK takes it: `scram-sha-256` or `scram-sha-512` (any case). */
export type ScramMechanismOption = ScramMechanismName | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * One change of {@link Admin.alterUserScramCredentials} (Kafka's UserScramCredentialUpsertion
 * and UserScramCredentialDeletion). The password is salted here, on the client: only
 * Hi(password, salt, iterations) is sent.
 */
export type UserScramCredentialAlteration =
  | {
      operation: 'upsert';
      user: string;
      mechanism: ScramMechanismOption;
      password: string;
      /** PBKDF2 iterations, 4096..16384 (default 4096, Kafka's). */
      iterations?: number;
    }
  | { operation: 'delete'; user: string; mechanism: ScramMechanismOption };

/** One user of {@link Admin.describeUserScramCredentials}: mechanisms and iterations, never a key. */
export interface UserScramCredentialsDescription {
  user: string;
  credentials: Array<{ mechanism: ScramMechanismName; iterations: number }>;
}

/** @internal ACL and SCRAM credential operations of the admin client. */
export class SecurityAdmin {
  constructor(
    private readonly cluster: Cluster,
    private readonly throughElections: ElectionRetry,
  ) {}

  async createAcls(request: { acl: readonly AclEntry[] }): Promise<void> {
    const entries = request?.acl;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new InvalidArgumentError('createAcls: expected { acl: [...] } with at least one ACL');
    }
    const problems: string[] = [];
    const creations = entries.map((entry, i) => aclBindingToWire(entry, `acl[${i}]`, problems));
    if (problems.length > 0) throw new InvalidArgumentError(`createAcls: ${problems.join('; ')}`);
    const response = await this.#call<v1.CreateAclsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.createAcls({ creations }, metadata, options, callback),
    );
    throwAll(
      'some ACLs could not be created',
      entryFailures(response.results, (i) => `acl[${i}]`),
    );
  }

  async describeAcls(filter: AclFilter): Promise<DescribeAclsResult> {
    const problems: string[] = [];
    const wire = aclFilterToWire(filter, 'filter', problems);
    if (problems.length > 0) throw new InvalidArgumentError(`describeAcls: ${problems.join('; ')}`);
    const response = await this.#call<v1.DescribeAclsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.describeAcls({ filter: wire }, metadata, options, callback),
    );
    if (response.errorCode !== ErrorCode.NONE) throw failure(response, 'describeAcls');
    return { resources: groupByResource(response.acls.map(aclFromWire)) };
  }

  async deleteAcls(request: { filters: readonly AclFilter[] }): Promise<DeleteAclsResult> {
    const filters = request?.filters;
    if (!Array.isArray(filters) || filters.length === 0) {
      throw new InvalidArgumentError('deleteAcls: expected { filters: [...] } with at least one filter');
    }
    const problems: string[] = [];
    const wire = filters.map((f, i) => aclFilterToWire(f, `filters[${i}]`, problems));
    if (problems.length > 0) throw new InvalidArgumentError(`deleteAcls: ${problems.join('; ')}`);
    const response = await this.#call<v1.DeleteAclsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.deleteAcls({ filters: wire }, metadata, options, callback),
    );
    throwAll(
      'some ACL filters failed',
      entryFailures(response.results, (i) => `filters[${i}]`),
    );
    return { filterResponses: response.results.map((r) => ({ matchingAcls: r.deleted.map(aclFromWire) })) };
  }

  async alterUserScramCredentials(alterations: readonly UserScramCredentialAlteration[]): Promise<void> {
    const checked = checkAlterations(alterations);
    const upsertions = checked
      .filter((a) => a.operation === 'upsert')
      .map((a) => {
        const { salt, saltedPassword } = saltPassword(a.mechanism, a.password, a.iterations);
        return {
          name: a.user,
          mechanism: SCRAM_MECHANISMS[a.mechanism].name,
          iterations: a.iterations,
          salt,
          saltedPassword,
        };
      });
    const deletions = checked
      .filter((a) => a.operation === 'delete')
      .map((a) => ({ name: a.user, mechanism: SCRAM_MECHANISMS[a.mechanism].name }));
    const response = await this.#call<v1.AlterUserScramCredentialsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.alterUserScramCredentials({ deletions, upsertions }, metadata, options, callback),
    );
    throwAll(
      'some SCRAM credentials could not be changed',
      response.results.flatMap((r) =>
        r.errorCode === ErrorCode.NONE ? [] : [failure(r, `user ${JSON.stringify(r.user)}`)],
      ),
    );
  }

  async describeUserScramCredentials(
    users: readonly string[] = [],
  ): Promise<UserScramCredentialsDescription[]> {
    if (!Array.isArray(users))
      throw new InvalidArgumentError('describeUserScramCredentials: expected an array of user names');
    const bad = users.filter((u) => typeof u !== 'string' || u === '');
    if (bad.length > 0) {
      throw new InvalidArgumentError(`describeUserScramCredentials: user names must be non-empty strings`);
    }
    const response = await this.#call<v1.DescribeUserScramCredentialsResponse__Output>(
      (client) => (metadata, options, callback) =>
        client.describeUserScramCredentials({ users: [...users] }, metadata, options, callback),
    );
    throwAll(
      'some users could not be described',
      response.results.flatMap((r) =>
        r.errorCode === ErrorCode.NONE ? [] : [failure(r, `user ${JSON.stringify(r.user)}`)],
      ),
    );
    return response.results.map((r) => ({
      user: r.user,
      credentials: r.credentials.map((c) => ({
        mechanism: scramMechanismName(c.mechanism) ?? (c.mechanism.toLowerCase() as ScramMechanismName),
        iterations: c.iterations,
      })),
    }));
  }

  // The SecurityService of the quorum's leader, with the admin client's election retry.
  #call<Res>(invoke: (client: v1.SecurityServiceClient) => UnaryInvoker<Res>): Promise<Res> {
    return this.throughElections(() => this.cluster.security<Res>(invoke));
  }
}

/**
 * The errors of a per-entry answer, each naming its entry; one error when every entry failed
 * alike (SECURITY_DISABLED, an authorization refusal), instead of the same line N times.
 */
function entryFailures(
  results: readonly { errorCode: number; errorMessage: string }[],
  entry: (index: number) => string,
): FjordProtocolError[] {
  const failed = results.flatMap((r, i) => (r.errorCode === ErrorCode.NONE ? [] : [{ r, i }]));
  const [first] = failed;
  if (
    first &&
    failed.length === results.length &&
    failed.length > 1 &&
    failed.every(({ r }) => r.errorCode === first.r.errorCode && r.errorMessage === first.r.errorMessage)
  ) {
    return [failure(first.r, `all ${failed.length}`)];
  }
  return failed.map(({ r, i }) => failure(r, entry(i)));
}

function failure(result: { errorCode: number; errorMessage: string }, what: string): FjordProtocolError {
  return protocolError(result.errorCode, `${what}: ${result.errorMessage}`);
}

type CheckedAlteration =
  | { operation: 'upsert'; user: string; mechanism: ScramMechanismName; password: string; iterations: number }
  | { operation: 'delete'; user: string; mechanism: ScramMechanismName };

/**
 * Client-side checks of alterUserScramCredentials input; every problem is named, none quotes
 * a password.
 */
export function checkAlterations(alterations: readonly UserScramCredentialAlteration[]): CheckedAlteration[] {
  if (!Array.isArray(alterations) || alterations.length === 0) {
    throw new InvalidArgumentError('alterUserScramCredentials: expected a non-empty array of alterations');
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const checked: CheckedAlteration[] = [];
  for (const [i, a] of alterations.entries()) {
    const where = `alterations[${i}]`;
    if (typeof a !== 'object' || a === null) {
      problems.push(`${where}: expected an object`);
      continue;
    }
    const local: string[] = [];
    if (a.operation !== 'upsert' && a.operation !== 'delete') {
      local.push(`operation must be 'upsert' or 'delete', not ${JSON.stringify(a.operation)}`);
    }
    if (typeof a.user !== 'string' || a.user === '') local.push('user must be a non-empty string');
    const mechanism = scramMechanismName(a.mechanism);
    if (!mechanism) {
      local.push(
        `mechanism ${JSON.stringify(a.mechanism)} is not one of ${Object.keys(SCRAM_MECHANISMS).join(', ')}`,
      );
    }
    let iterations = DEFAULT_SCRAM_ITERATIONS;
    if (a.operation === 'upsert') {
      if (typeof a.password !== 'string' || a.password === '')
        local.push('password must be a non-empty string');
      if (a.iterations !== undefined) {
        if (
          !Number.isInteger(a.iterations) ||
          a.iterations < MIN_SCRAM_ITERATIONS ||
          a.iterations > MAX_SCRAM_ITERATIONS
        ) {
          local.push(`iterations must be an integer from ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}`);
        } else iterations = a.iterations;
      }
    }
    if (mechanism && typeof a.user === 'string') {
      const key = JSON.stringify([a.user, mechanism]);
      if (seen.has(key)) local.push(`user ${JSON.stringify(a.user)} and ${mechanism} are altered twice`);
      seen.add(key);
    }
    problems.push(...local.map((p) => `${where}: ${p}`));
    if (local.length > 0 || !mechanism) continue;
    checked.push(
      a.operation === 'upsert'
        ? { operation: 'upsert', user: a.user, mechanism, password: a.password, iterations }
        : { operation: 'delete', user: a.user, mechanism },
    );
  }
  if (problems.length > 0)
    throw new InvalidArgumentError(`alterUserScramCredentials: ${problems.join('; ')}`);
  return checked;
}
