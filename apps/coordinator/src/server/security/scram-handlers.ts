import { createHash, createHmac } from 'node:crypto';
import { ErrorCode, type v1 } from '@fjord/protocol';
import {
  MAX_SCRAM_ITERATIONS,
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramCredentialRecord,
  type ScramMechanism,
} from '@fjord/security';
import { metadataRecord } from '../../metadata/records.js';
import { scramCredentialOf, securityOf } from '../../metadata/security-state.js';
import type { CoordinatorContext } from '../coordinator-context.js';

/**
 * StoredKey and ServerKey of RFC 5802 §3 from the salted password a client computed: the
 * credential record to keep. The salted password is not part of it.
 */
export function credentialFromSaltedPassword(
  user: string,
  mechanism: ScramMechanism,
  iterations: number,
  salt: Buffer,
  saltedPassword: Buffer,
): ScramCredentialRecord {
  const clientKey = createHmac(mechanism.hash, saltedPassword).update('Client Key').digest();
  return {
    user,
    mechanism: mechanism.name,
    iterations,
    salt: salt.toString('base64'),
    storedKey: createHash(mechanism.hash).update(clientKey).digest().toString('base64'),
    serverKey: createHmac(mechanism.hash, saltedPassword).update('Server Key').digest().toString('base64'),
  };
}

type Alteration =
  | { kind: 'delete'; mechanism: string }
  | { kind: 'upsert'; mechanism: string; record: ScramCredentialRecord };

interface UserAlterations {
  alterations: Alteration[];
  /** The first problem found in the request for this user (then none of its alterations apply). */
  problem?: { errorCode: number; errorMessage: string };
}

function mechanismProblem(mechanism: string): { errorCode: number; errorMessage: string } | undefined {
  if (SCRAM_MECHANISMS.has(mechanism)) return undefined;
  return {
    errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
    errorMessage: `mechanism '${mechanism}' is not one of ${[...SCRAM_MECHANISMS.keys()].join(', ')}`,
  };
}

function invalid(errorMessage: string) {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function upsertionProblem(upsertion: v1.ScramCredentialUpsertion__Output, mechanism: ScramMechanism) {
  const { iterations, salt, saltedPassword } = upsertion;
  if (
    !Number.isInteger(iterations) ||
    iterations < MIN_SCRAM_ITERATIONS ||
    iterations > MAX_SCRAM_ITERATIONS
  ) {
    return invalid(`iterations must be ${MIN_SCRAM_ITERATIONS}..${MAX_SCRAM_ITERATIONS}, got ${iterations}`);
  }
  if (salt.length === 0) return invalid('salt must not be empty');
  if (saltedPassword.length !== mechanism.keyLength) {
    return invalid(
      `salted_password of ${mechanism.name} must be ${mechanism.keyLength} bytes, got ${saltedPassword.length}`,
    );
  }
  return undefined;
}

/** The request's alterations by user, in order of first appearance, each user checked alone. */
function alterationsByUser(
  request: v1.AlterUserScramCredentialsRequest__Output,
): Map<string, UserAlterations> {
  const byUser = new Map<string, UserAlterations>();
  const seen = new Set<string>();
  const add = (
    user: string,
    mechanism: string,
    build: () => Alteration | { errorCode: number; errorMessage: string },
  ) => {
    let entry = byUser.get(user);
    if (!entry) {
      entry = { alterations: [] };
      byUser.set(user, entry);
    }
    if (entry.problem) return;
    if (user === '') entry.problem = invalid('user name must not be empty');
    else if (seen.has(`${user}\n${mechanism}`)) {
      // Kafka answers DUPLICATE_RESOURCE, a code Fjord's table does not have.
      entry.problem = invalid(`${mechanism} of '${user}' is altered twice in one request`);
    } else {
      const built = mechanismProblem(mechanism) ?? build();
      if ('errorCode' in built) entry.problem = built;
      else entry.alterations.push(built);
    }
    seen.add(`${user}\n${mechanism}`);
  };
  for (const deletion of request.deletions) {
    add(deletion.name, deletion.mechanism, () => ({ kind: 'delete', mechanism: deletion.mechanism }));
  }
  for (const upsertion of request.upsertions) {
    add(upsertion.name, upsertion.mechanism, () => {
      const mechanism = SCRAM_MECHANISMS.get(upsertion.mechanism)!;
      const problem = upsertionProblem(upsertion, mechanism);
      if (problem) return problem;
      const record = credentialFromSaltedPassword(
        upsertion.name,
        mechanism,
        upsertion.iterations,
        upsertion.salt,
        upsertion.saltedPassword,
      );
      return { kind: 'upsert', mechanism: upsertion.mechanism, record };
    });
  }
  return byUser;
}

/**
 * AlterUserScramCredentials (KIP-554): per user, every alteration applies or none does (a bad
 * mechanism, iterations outside 4096..16384, a mechanism altered twice, deleting a credential
 * that does not exist); all users' records go in one proposal, committed on a majority before
 * the answer. Only StoredKey and ServerKey derived from the salted password are stored.
 */
export async function alterUserScramCredentials(
  ctx: CoordinatorContext,
  request: v1.AlterUserScramCredentialsRequest__Output,
): Promise<v1.AlterUserScramCredentialsResponse> {
  const byUser = alterationsByUser(request);
  const outcomes = await ctx.store.propose((proposal) => {
    const results: v1.AlterUserScramCredentialsResult[] = [];
    for (const [user, { alterations, problem }] of byUser) {
      if (problem) {
        results.push({ user, ...problem });
        continue;
      }
      const security = securityOf(proposal.state);
      const missing = alterations.find(
        (a) => a.kind === 'delete' && scramCredentialOf(security, user, a.mechanism) === undefined,
      );
      if (missing) {
        results.push({
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `user '${user}' has no ${missing.mechanism} credential to delete`,
        });
        continue;
      }
      for (const alteration of alterations) {
        proposal.append(
          alteration.kind === 'delete'
            ? metadataRecord({ type: 'RemoveUserScramCredential', user, mechanism: alteration.mechanism })
            : metadataRecord({ type: 'UserScramCredential', ...alteration.record }),
        );
      }
      results.push({ user, errorCode: ErrorCode.NONE, errorMessage: '' });
    }
    return results;
  });
  return { results: outcomes };
}

/**
 * DescribeUserScramCredentials: mechanisms and iterations per user, never a salt or key; every
 * user when none is named; RESOURCE_NOT_FOUND for a named user without credentials.
 */
export function describeUserScramCredentials(
  ctx: CoordinatorContext,
  request: v1.DescribeUserScramCredentialsRequest__Output,
): v1.DescribeUserScramCredentialsResponse {
  const { scramCredentials } = securityOf(ctx.store.state);
  const describe = (user: string): v1.UserScramCredentialsDescription => {
    const byMechanism = scramCredentials.get(user);
    if (!byMechanism) {
      return {
        user,
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: `user '${user}' has no SCRAM credential`,
        credentials: [],
      };
    }
    return {
      user,
      errorCode: ErrorCode.NONE,
      errorMessage: '',
      credentials: [...byMechanism.values()].map(({ mechanism, iterations }) => ({ mechanism, iterations })),
    };
  };
  if (request.users.length === 0) {
    return { results: [...scramCredentials.keys()].sort().map(describe) };
  }
  const named = new Set<string>();
  const results: v1.UserScramCredentialsDescription[] = [];
  for (const user of request.users) {
    if (named.has(user)) continue;
    named.add(user);
    results.push(describe(user));
  }
  return { results };
}
