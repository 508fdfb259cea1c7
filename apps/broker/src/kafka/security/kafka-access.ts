import {
  type AclOperation,
  CLUSTER_RESOURCE_NAME,
  type KafkaPrincipal,
  type ResourceType,
  type StandardAuthorizer,
} from '@fjord/security';

/**
 * What one request's principal may do, asked by the Kafka API handlers with the same
 * (operation, resource) pairs as Kafka's KafkaApis and @fjord/security's RPC table. Without an
 * authorizer (`--authorizer none`) everything is allowed.
 */
export class KafkaAccess {
  readonly #authorizer: StandardAuthorizer | undefined;

  constructor(
    authorizer: StandardAuthorizer | undefined,
    /** The connection's principal (User:ANONYMOUS until it authenticates). */
    readonly principal: KafkaPrincipal,
    /** The client's IP address, which ACL hosts are compared with. */
    readonly host: string,
  ) {
    this.#authorizer = authorizer;
  }

  /** May the principal do `operation` on the named resource? */
  allows(operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    if (!this.#authorizer) return true;
    return this.#authorizer.authorize({
      principal: this.principal,
      host: this.host,
      operation,
      resourceType,
      resourceName: name,
    }).allowed;
  }

  /** May the principal do `operation` on the Cluster resource? */
  allowsOnCluster(operation: AclOperation): boolean {
    return this.allows(operation, 'CLUSTER', CLUSTER_RESOURCE_NAME);
  }

  /** May the principal do `operation` on at least one resource of the type (KIP-679)? */
  allowsOnAny(operation: AclOperation, resourceType: ResourceType): boolean {
    if (!this.#authorizer) return true;
    return this.#authorizer.authorizeByResourceType(this.principal, this.host, operation, resourceType);
  }

  /** The names among `names` the principal may do `operation` on. */
  allowedNames(operation: AclOperation, resourceType: ResourceType, names: Iterable<string>): Set<string> {
    const allowed = new Set<string>();
    for (const name of names) if (this.allows(operation, resourceType, name)) allowed.add(name);
    return allowed;
  }
}
