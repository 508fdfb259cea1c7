import { formatPrincipal, type KafkaPrincipal, parsePrincipal } from '../principal/kafka-principal.js';
import { type AclBindingFilter, aclMatchesFilter } from './acl-filter.js';
import { AclIndex } from './acl-index.js';
import {
  type AclBinding,
  type AclOperation,
  type ResourceType,
  WILDCARD_HOST,
  WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE,
} from './acl-model.js';
import { validateAclBinding } from './acl-validation.js';
import { allowCovers, denyCovers } from './implied-operations.js';

/** One authorization question: may this principal, from this host, do this to this resource? */
export interface AuthorizationRequest {
  readonly principal: KafkaPrincipal;
  /** The client's IP address as the server saw it. */
  readonly host: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

/** The answer, with the reason for an audit log. */
export interface AuthorizationResult {
  readonly allowed: boolean;
  readonly reason: 'super-user' | 'deny-acl' | 'allow-acl' | 'no-matching-acl' | 'no-acl-for-resource';
  /** The ACL that decided, when one did. */
  readonly acl?: AclBinding;
}

/** Options of {@link StandardAuthorizer}. */
export interface StandardAuthorizerOptions {
  /** `super.users`: principals allowed everything, e.g. `['User:admin', 'User:broker-1']`. */
  readonly superUsers?: readonly string[];
  /** `allow.everyone.if.no.acl.found`: allow when no ACL at all names the resource. Default false. */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

/** What happened to one binding of a `createAcls` call. */
export type CreateAclResult = { readonly created: boolean } | { readonly error: string };

/**
 * Kafka's StandardAuthorizer semantics over an in-memory ACL set: super users are allowed
 * everything; otherwise a matching DENY wins over any ALLOW; an ALLOW also covers the operations
 * it implies; and with no matching ALLOW the answer is DENIED (unless
 * `allowEveryoneIfNoAclFound` and no ACL names the resource at all).
 *
 * An ACL matches when its pattern applies to the resource, its principal is the caller's or
 * `User:*`, and its host is the caller's or `*`. The ACLs themselves are to be kept in the
 * metadata log; this class is the state the log is replayed into.
 */
export class StandardAuthorizer {
  private readonly acls = new AclIndex();
  private readonly superUsers: ReadonlySet<string>;
  private readonly allowEveryoneIfNoAclFound: boolean;

  constructor(options: StandardAuthorizerOptions = {}) {
    for (const user of options.superUsers ?? []) parsePrincipal(user);
    this.superUsers = new Set(options.superUsers ?? []);
    this.allowEveryoneIfNoAclFound = options.allowEveryoneIfNoAclFound ?? false;
  }

  /** Number of stored ACLs. */
  get aclCount(): number {
    return this.acls.size;
  }

  /** Answers one request. */
  authorize(request: AuthorizationRequest): AuthorizationResult {
    const principal = formatPrincipal(request.principal);
    if (this.superUsers.has(principal)) return { allowed: true, reason: 'super-user' };
    let allow: AclBinding | undefined;
    let anyAclForResource = false;
    for (const acl of this.acls.applicable(request.resourceType, request.resourceName)) {
      anyAclForResource = true;
      const { entry } = acl;
      if (entry.principal !== principal && entry.principal !== WILDCARD_PRINCIPAL) continue;
      if (entry.host !== request.host && entry.host !== WILDCARD_HOST) continue;
      if (entry.permission === 'DENY') {
        if (denyCovers(entry.operation, request.operation))
          return { allowed: false, reason: 'deny-acl', acl };
      } else if (!allow && allowCovers(entry.operation, request.operation)) {
        allow = acl;
      }
    }
    if (allow) return { allowed: true, reason: 'allow-acl', acl: allow };
    if (!anyAclForResource && this.allowEveryoneIfNoAclFound)
      return { allowed: true, reason: 'no-acl-for-resource' };
    return { allowed: false, reason: 'no-matching-acl' };
  }

  /**
   * Whether the principal may do `operation` on at least one resource of `resourceType`, as
   * Kafka's Authorizer.authorizeByResourceType (KIP-679: an idempotent producer needs WRITE on
   * some topic): true if some ALLOW ACL (literal or prefixed) is not cancelled by a DENY that
   * covers it: a DENY on the literal wildcard, on the same literal name, or on a prefix of it.
   */
  authorizeByResourceType(
    principal: KafkaPrincipal,
    host: string,
    operation: AclOperation,
    resourceType: ResourceType,
  ): boolean {
    const name = formatPrincipal(principal);
    if (this.superUsers.has(name)) return true;
    const deniedLiterals = new Set<string>();
    const deniedPrefixes: string[] = [];
    const allowed: AclBinding[] = [];
    for (const acl of this.acls.all(resourceType)) {
      const { entry, pattern } = acl;
      if (entry.principal !== name && entry.principal !== WILDCARD_PRINCIPAL) continue;
      if (entry.host !== host && entry.host !== WILDCARD_HOST) continue;
      if (entry.permission === 'DENY' && denyCovers(entry.operation, operation)) {
        if (pattern.patternType === 'LITERAL') {
          if (pattern.name === WILDCARD_RESOURCE) return false;
          deniedLiterals.add(pattern.name);
        } else {
          deniedPrefixes.push(pattern.name);
        }
      } else if (entry.permission === 'ALLOW' && allowCovers(entry.operation, operation)) {
        allowed.push(acl);
      }
    }
    return allowed.some(({ pattern }) => {
      if (deniedPrefixes.some((prefix) => pattern.name.startsWith(prefix))) return false;
      return pattern.patternType === 'PREFIXED' || !deniedLiterals.has(pattern.name);
    });
  }

  /** Adds ACLs; each binding is validated on its own and gets its own result. */
  createAcls(bindings: readonly AclBinding[]): CreateAclResult[] {
    return bindings.map((binding) => {
      try {
        validateAclBinding(binding);
      } catch (error) {
        return { error: (error as Error).message };
      }
      return { created: this.acls.add(binding) };
    });
  }

  /** The ACLs matching a filter. */
  describeAcls(filter: AclBindingFilter): AclBinding[] {
    return [...this.acls.all()].filter((acl) => aclMatchesFilter(acl, filter));
  }

  /** Deletes the ACLs matching each filter; returns, per filter, what it deleted. */
  deleteAcls(filters: readonly AclBindingFilter[]): AclBinding[][] {
    return filters.map((filter) => {
      const matching = this.describeAcls(filter);
      for (const acl of matching) this.acls.remove(acl);
      return matching;
    });
  }
}
