import {
  fromScramCredentialRecord,
  type ScramCredential,
  type ScramCredentialLookup,
  type ScramCredentialRecord,
  StandardAuthorizer,
} from '@fjord/security';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { type SecurityState, securityOf } from '../metadata/security-state.js';
import type { AuthorizationSettings } from './authorization-settings.js';

/** How node principals are named (contract of issue #13): `User:broker-<id>`. */
const NODE_PRINCIPAL = /^User:broker-(0|[1-9][0-9]{0,9})$/;

/**
 * The coordinator's security state as the server kit asks for it (its `SecurityStateSource`):
 * the authorizer over the committed ACLs, the stored SCRAM credentials, and the broker id each
 * principal is bound to, all read from this voter's committed metadata state. The authorizer
 * is rebuilt when the ACLs changed (a new map in the state: after an ACL record, or a
 * snapshot load), never per call.
 */
export class CoordinatorSecurityState {
  private builtFrom: SecurityState['acls'] | undefined;
  private built: StandardAuthorizer | undefined;
  private bindingsFrom: SecurityState['brokerPrincipals'] | undefined;
  private brokerIds = new Map<string, number>();
  /** Decoded credentials, by the record they came from (records are immutable). */
  private readonly decoded = new WeakMap<ScramCredentialRecord, ScramCredential>();

  constructor(
    private readonly store: Pick<MetadataStore, 'state'>,
    readonly settings: AuthorizationSettings,
  ) {}

  /** True when an authorizer is configured (`--authorizer standard`). */
  get enabled(): boolean {
    return this.settings.authorizer === 'standard';
  }

  /** The current ACLs, or undefined with `--authorizer none` (every call allowed). */
  authorizer(): StandardAuthorizer | undefined {
    if (!this.enabled) return undefined;
    const { acls } = securityOf(this.store.state);
    if (this.built === undefined || this.builtFrom !== acls) {
      const authorizer = new StandardAuthorizer({
        superUsers: this.settings.superUsers,
        allowEveryoneIfNoAclFound: this.settings.allowEveryoneIfNoAclFound,
      });
      authorizer.createAcls([...acls.values()]);
      this.built = authorizer;
      this.builtFrom = acls;
    }
    return this.built;
  }

  /** The stored credential of a user for a mechanism (undefined: unknown). */
  readonly scramCredential: ScramCredentialLookup = (user, mechanism) => {
    const record = securityOf(this.store.state).scramCredentials.get(user)?.get(mechanism.name);
    if (!record) return undefined;
    let credential = this.decoded.get(record);
    if (!credential) {
      credential = fromScramCredentialRecord(record);
      this.decoded.set(record, credential);
    }
    return credential;
  };

  /**
   * The broker id bound to this principal (`User:broker-1`), if any. A principal bound to no id
   * yet but named as the contract names node principals, `User:broker-<id>`, is given that id
   * while no other principal holds it: the server kit's authorization lets a broker-only call
   * through only for the caller's own broker id, and without this a broker's first
   * RegisterBroker, the call that binds, could never pass (see docs/SECURITY.md).
   */
  brokerIdOf(principal: string): number | undefined {
    const { brokerPrincipals } = securityOf(this.store.state);
    if (this.bindingsFrom !== brokerPrincipals) {
      this.brokerIds = new Map([...brokerPrincipals].map(([brokerId, bound]) => [bound, brokerId]));
      this.bindingsFrom = brokerPrincipals;
    }
    const bound = this.brokerIds.get(principal);
    if (bound !== undefined) return bound;
    const named = NODE_PRINCIPAL.exec(principal);
    const id = named ? Number(named[1]) : undefined;
    return id !== undefined && Number.isSafeInteger(id) && !brokerPrincipals.has(id) ? id : undefined;
  }

  /** The principal broker `brokerId` is bound to, if it registered under security. */
  principalOfBroker(brokerId: number): string | undefined {
    return securityOf(this.store.state).brokerPrincipals.get(brokerId);
  }
}
