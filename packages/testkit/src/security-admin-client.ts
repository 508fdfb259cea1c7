import { randomBytes } from 'node:crypto';
import {
  type ChannelSecurity,
  CoordinatorQuorum,
  classifyCoordinatorGrpcError,
  GRPC_CHANNEL_OPTIONS,
  loadFjordProto,
  type v1,
} from '@fjord/protocol';
import { deriveScramKeys, SCRAM_SALT_LENGTH, scramMechanism } from '@fjord/security';
import { type NodeClientSecurity, nodeChannelSecurity } from '@fjord/server-kit';
import type * as grpc from '@grpc/grpc-js';
import { unary } from './coordinator-client.js';

/** An ACL binding as SecurityService takes it (Kafka's upper-case enum spellings). */
export type AclBindingSpec = v1.AclBinding;

/** An ACL binding filter (an empty field matches anything). */
export type AclFilterSpec = v1.AclBindingFilter;

/** SCRAM iterations of the users the testkit creates (Kafka's default and minimum). */
const TESTKIT_SCRAM_ITERATIONS = 4096;

/**
 * The testkit's own client of the coordinators' SecurityService, on INTERNAL listeners with
 * the testkit's certificate (a super user): users and ACLs for a test's set-up, through the
 * wire contract and not the SDK, so that a test of the SDK's admin API does not set itself up
 * with the code it tests. Every refusal (a call error or a per-item error code) throws with
 * the server's message.
 */
export class SecurityAdminClient {
  readonly #clients = new Map<string, v1.SecurityServiceClient>();
  readonly #quorum: CoordinatorQuorum;
  readonly #security: ChannelSecurity;

  /** `addresses`: the coordinators' INTERNAL addresses; `security`: the testkit's mTLS identity. */
  constructor(addresses: readonly string[], security: NodeClientSecurity) {
    this.#quorum = new CoordinatorQuorum({ bootstrap: addresses });
    this.#security = nodeChannelSecurity(security);
  }

  /**
   * Creates (or replaces) user `name`'s SCRAM credential for each mechanism; the password is
   * salted here, only the salted password travels (as the SDK's alterUserScramCredentials does).
   */
  async upsertUser(
    name: string,
    password: string,
    mechanisms: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
  ): Promise<void> {
    const upsertions = mechanisms.map((name_) => {
      const mechanism = scramMechanism(name_);
      const salt = randomBytes(SCRAM_SALT_LENGTH);
      const { saltedPassword } = deriveScramKeys(mechanism, password, salt, TESTKIT_SCRAM_ITERATIONS);
      return {
        name,
        mechanism: mechanism.name,
        iterations: TESTKIT_SCRAM_ITERATIONS,
        salt,
        saltedPassword,
      };
    });
    const answer = await this.#call<v1.AlterUserScramCredentialsResponse__Output>((client, options, cb) =>
      client.alterUserScramCredentials({ upsertions }, options, cb),
    );
    const failed = answer.results.find((r) => r.errorCode !== 0);
    if (failed)
      throw new Error(`AlterUserScramCredentials ${failed.user}: ${failed.errorCode} ${failed.errorMessage}`);
  }

  /** Deletes user `name`'s credential for each mechanism. */
  async deleteUser(
    name: string,
    mechanisms: readonly string[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
  ): Promise<void> {
    const deletions = mechanisms.map((mechanism) => ({ name, mechanism }));
    const answer = await this.#call<v1.AlterUserScramCredentialsResponse__Output>((client, options, cb) =>
      client.alterUserScramCredentials({ deletions }, options, cb),
    );
    const failed = answer.results.find((r) => r.errorCode !== 0);
    if (failed)
      throw new Error(`AlterUserScramCredentials ${failed.user}: ${failed.errorCode} ${failed.errorMessage}`);
  }

  /** Creates ACLs; throws naming the first one refused. */
  async createAcls(bindings: readonly AclBindingSpec[]): Promise<void> {
    const answer = await this.#call<v1.CreateAclsResponse__Output>((client, options, cb) =>
      client.createAcls({ creations: [...bindings] }, options, cb),
    );
    answer.results.forEach((result, i) => {
      if (result.errorCode !== 0)
        throw new Error(
          `CreateAcls ${JSON.stringify(bindings[i])}: ${result.errorCode} ${result.errorMessage}`,
        );
    });
  }

  /** Deletes the ACLs matching any filter; returns the deleted ones. */
  async deleteAcls(filters: readonly AclFilterSpec[]): Promise<v1.AclBinding__Output[]> {
    const answer = await this.#call<v1.DeleteAclsResponse__Output>((client, options, cb) =>
      client.deleteAcls({ filters: [...filters] }, options, cb),
    );
    const failed = answer.results.find((r) => r.errorCode !== 0);
    if (failed) throw new Error(`DeleteAcls: ${failed.errorCode} ${failed.errorMessage}`);
    return answer.results.flatMap((r) => r.deleted);
  }

  /** The coordinator's security state (ACLs, credentials, broker principals) and its version. */
  describeSecurityState(): Promise<v1.DescribeSecurityStateResponse__Output> {
    return this.#call<v1.DescribeSecurityStateResponse__Output>((client, options, cb) =>
      client.describeSecurityState({}, options, cb),
    );
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #call<T>(
    start: (
      client: v1.SecurityServiceClient,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: T) => void,
    ) => void,
  ): Promise<T> {
    return this.#quorum.call(
      (address) =>
        unary<T>((callback) => start(this.#client(address), { deadline: Date.now() + 10_000 }, callback)),
      { classify: classifyCoordinatorGrpcError },
    );
  }

  #client(address: string): v1.SecurityServiceClient {
    let client = this.#clients.get(address);
    if (!client) {
      // FjordProto's type does not list the security services yet; the loaded package has them.
      const services = loadFjordProto().fjord.v1 as unknown as Record<string, grpc.ServiceClientConstructor>;
      const SecurityService = services.SecurityService!;
      const secured = this.#security.open(address, GRPC_CHANNEL_OPTIONS);
      client = new SecurityService(
        address,
        secured.credentials,
        secured.clientOptions,
      ) as unknown as v1.SecurityServiceClient;
      this.#clients.set(address, client);
    }
    return client;
  }
}
