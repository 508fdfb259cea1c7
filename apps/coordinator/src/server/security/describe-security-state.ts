import type { v1 } from '@fjord/protocol';
import { securityOf } from '../../metadata/security-state.js';
import type { CoordinatorContext } from '../coordinator-context.js';
import { bindingToWire } from './acl-wire.js';

/**
 * DescribeSecurityState (broker-only: the server kit's authorization refuses everyone else):
 * every ACL, every stored SCRAM credential and every broker binding, with the security version
 * they are at, read from one state so the three agree.
 */
export function describeSecurityState(ctx: CoordinatorContext): v1.DescribeSecurityStateResponse {
  const state = ctx.store.state;
  const securityVersion = String(ctx.store.securityVersion);
  const security = securityOf(state);
  return {
    securityVersion,
    acls: [...security.acls.values()].map(bindingToWire),
    credentials: [...security.scramCredentials.values()].flatMap((byMechanism) =>
      [...byMechanism.values()].map((c) => ({
        user: c.user,
        mechanism: c.mechanism,
        iterations: c.iterations,
        salt: Buffer.from(c.salt, 'base64'),
        storedKey: Buffer.from(c.storedKey, 'base64'),
        serverKey: Buffer.from(c.serverKey, 'base64'),
      })),
    ),
    brokerPrincipals: [...security.brokerPrincipals].map(([brokerId, principal]) => ({
      brokerId,
      principal,
    })),
  };
}
