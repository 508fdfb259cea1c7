import { ApiKey, type KafkaStruct } from '@fjord/kafka-protocol';
import { ErrorCode } from '@fjord/protocol';
import { asStructs, type KafkaApi } from '../api.js';
import type { KafkaDeps } from '../kafka-deps.js';

/** Kafka's ScramMechanism codes (0 is UNKNOWN). */
const MECHANISMS: ReadonlyMap<number, string> = new Map([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);

const mechanismCode = (name: string): number =>
  [...MECHANISMS].find(([, mechanism]) => mechanism === name)?.[0] ?? 0;

const CLUSTER_REFUSED = 'Cluster authorization failed.';

/**
 * DescribeUserScramCredentials v0 (KIP-554): needs DESCRIBE on the Cluster, forwarded to the
 * coordinator. Answers mechanisms and iterations only; a named user without credentials is
 * RESOURCE_NOT_FOUND, as Kafka.
 */
export function describeUserScramCredentialsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.DescribeUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    notes: 'Needs DESCRIBE on the Cluster; forwarded. Mechanisms and iterations only, never a salt or key.',
    async handle(request, { access }) {
      if (!access.allowsOnCluster('DESCRIBE'))
        return describeError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_REFUSED);
      const users = request.users === null ? [] : asStructs(request.users).map((u) => u.name as string);
      const answer = await deps.coordinator.describeUserScramCredentials({ users });
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        results: answer.results.map((r) => ({
          user: r.user,
          errorCode: r.errorCode,
          errorMessage: r.errorCode === ErrorCode.NONE ? null : r.errorMessage || null,
          credentialInfos: r.credentials.map((c) => ({
            mechanism: mechanismCode(c.mechanism),
            iterations: c.iterations,
          })),
        })),
      };
    },
    unavailable: (_request, _context, message) => describeError(ErrorCode.COORDINATOR_NOT_AVAILABLE, message),
  };
}

function describeError(errorCode: number, errorMessage: string): KafkaStruct {
  return { throttleTimeMs: 0, errorCode, errorMessage, results: [] };
}

/**
 * AlterUserScramCredentials v0 (KIP-554): needs ALTER on the Cluster, forwarded. The client
 * sends the salted password (Hi(password, salt, iterations)), never the password.
 */
export function alterUserScramCredentialsApi(deps: KafkaDeps): KafkaApi {
  return {
    apiKey: ApiKey.AlterUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    notes: 'Needs ALTER on the Cluster; forwarded. Only the salted password travels.',
    async handle(request, { access }) {
      const deletions = asStructs(request.deletions);
      const upsertions = asStructs(request.upsertions);
      const users = [...new Set([...deletions, ...upsertions].map((c) => c.name as string))];
      const failAll = (errorCode: number, errorMessage: string) => ({
        throttleTimeMs: 0,
        results: users.map((user) => ({ user, errorCode, errorMessage })),
      });
      if (!access.allowsOnCluster('ALTER'))
        return failAll(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_REFUSED);
      const answer = await deps.coordinator.alterUserScramCredentials({
        deletions: deletions.map((d) => ({
          name: d.name as string,
          mechanism: MECHANISMS.get(d.mechanism as number) ?? 'UNKNOWN',
        })),
        upsertions: upsertions.map((u) => ({
          name: u.name as string,
          mechanism: MECHANISMS.get(u.mechanism as number) ?? 'UNKNOWN',
          iterations: u.iterations as number,
          salt: u.salt as Buffer,
          saltedPassword: u.saltedPassword as Buffer,
        })),
      });
      return {
        throttleTimeMs: 0,
        results: answer.results.map((r) => ({
          user: r.user,
          errorCode: r.errorCode,
          errorMessage: r.errorCode === ErrorCode.NONE ? null : r.errorMessage || null,
        })),
      };
    },
    unavailable: (request, _context, message) => ({
      throttleTimeMs: 0,
      results: [
        ...new Set(
          [...asStructs(request.deletions), ...asStructs(request.upsertions)].map((c) => c.name as string),
        ),
      ].map((user) => ({ user, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: message })),
    }),
  };
}
