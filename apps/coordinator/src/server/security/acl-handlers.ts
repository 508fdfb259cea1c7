import { ErrorCode, type v1 } from '@fjord/protocol';
import { type AclBinding, type AclBindingFilter, aclMatchesFilter } from '@fjord/security';
import { metadataRecord } from '../../metadata/records.js';
import { aclFieldsOf } from '../../metadata/security-records.js';
import { hasAcl, securityOf } from '../../metadata/security-state.js';
import type { CoordinatorContext } from '../coordinator-context.js';
import { bindingFromWire, bindingToWire, filterFromWire } from './acl-wire.js';

/** What ACL calls answer with `--authorizer none`, as Kafka does without an authorizer. */
const SECURITY_DISABLED = {
  errorCode: ErrorCode.SECURITY_DISABLED,
  errorMessage: 'no authorizer is configured (--authorizer none): ACLs are not kept',
};

type Parsed<T> = { ok: true; value: T } | { ok: false; errorMessage: string };

function parse<T>(build: () => T): Parsed<T> {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    return { ok: false, errorMessage: (error as Error).message };
  }
}

/**
 * CreateAcls: each binding is checked on its own (INVALID_REQUEST naming the problem); the
 * valid ones are appended in one proposal, committed on a majority before the answer. A binding
 * that is already stored (or twice in the request) succeeds without a second record, as in
 * Kafka.
 */
export async function createAcls(
  ctx: CoordinatorContext,
  request: v1.CreateAclsRequest__Output,
): Promise<v1.CreateAclsResponse> {
  if (!ctx.security.enabled) return { results: request.creations.map(() => SECURITY_DISABLED) };
  const parsed = request.creations.map((creation) => parse(() => bindingFromWire(creation)));
  const valid = parsed.flatMap((p) => (p.ok ? [p.value] : []));
  if (valid.length > 0) {
    await ctx.store.propose((proposal) => {
      for (const binding of valid) {
        if (hasAcl(securityOf(proposal.state), binding)) continue;
        proposal.append(metadataRecord({ type: 'AccessControlEntry', ...aclFieldsOf(binding) }));
      }
    });
  }
  return {
    results: parsed.map((p) =>
      p.ok
        ? { errorCode: ErrorCode.NONE, errorMessage: '' }
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: p.errorMessage },
    ),
  };
}

function matching(acls: Iterable<AclBinding>, filter: AclBindingFilter): AclBinding[] {
  return [...acls].filter((binding) => aclMatchesFilter(binding, filter));
}

/** DescribeAcls: the committed ACLs matching the filter (Kafka's AclBindingFilter semantics). */
export function describeAcls(
  ctx: CoordinatorContext,
  request: v1.DescribeAclsRequest__Output,
): v1.DescribeAclsResponse {
  if (!ctx.security.enabled) return { ...SECURITY_DISABLED, acls: [] };
  const filter = parse(() => filterFromWire(request.filter));
  if (!filter.ok)
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: filter.errorMessage, acls: [] };
  const acls = matching(securityOf(ctx.store.state).acls.values(), filter.value);
  return { errorCode: ErrorCode.NONE, errorMessage: '', acls: acls.map(bindingToWire) };
}

/**
 * DeleteAcls: per filter, the ACLs it matches are removed, all filters in one proposal. An ACL
 * matched by several filters is deleted, and reported, once: under the first (Kafka's rule).
 */
export async function deleteAcls(
  ctx: CoordinatorContext,
  request: v1.DeleteAclsRequest__Output,
): Promise<v1.DeleteAclsResponse> {
  if (!ctx.security.enabled)
    return { results: request.filters.map(() => ({ ...SECURITY_DISABLED, deleted: [] })) };
  const filters = request.filters.map((filter) => parse(() => filterFromWire(filter)));
  const deleted = await ctx.store.propose((proposal) =>
    filters.map((filter) => {
      if (!filter.ok) return [];
      // The planned state already lacks what earlier filters removed.
      const found = matching(securityOf(proposal.state).acls.values(), filter.value);
      for (const binding of found) {
        proposal.append(metadataRecord({ type: 'RemoveAccessControlEntry', ...aclFieldsOf(binding) }));
      }
      return found;
    }),
  );
  return {
    results: filters.map((filter, i) =>
      filter.ok
        ? { errorCode: ErrorCode.NONE, errorMessage: '', deleted: deleted[i]!.map(bindingToWire) }
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: filter.errorMessage, deleted: [] },
    ),
  };
}
