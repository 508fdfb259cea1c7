import { createScramCredential, SCRAM_SHA_256, toScramCredentialRecord } from '@fjord/security';
import { type MetadataRecord, metadataRecord } from './records.js';

/** The fields of one ACL record. */
export const ACL = {
  resourceType: 'TOPIC',
  resourceName: 'orders',
  patternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'READ',
  permissionType: 'ALLOW',
} as const;

/** alice's SCRAM-SHA-256 credential record. */
export const credential = toScramCredentialRecord(
  'alice',
  createScramCredential(SCRAM_SHA_256, 'secret', { salt: Buffer.from('salt') }),
);

/** InitCluster, then one of each security record (and removals), in a valid order. */
export const SECURITY_RECORDS: MetadataRecord[] = [
  metadataRecord({ type: 'InitCluster', clusterId: 'c' }),
  metadataRecord({ type: 'AccessControlEntry', ...ACL }),
  metadataRecord({ type: 'AccessControlEntry', ...ACL, resourceName: 'pay', patternType: 'PREFIXED' }),
  metadataRecord({ type: 'UserScramCredential', ...credential }),
  metadataRecord({ type: 'UserScramCredential', ...credential, user: '__proto__' }),
  metadataRecord({ type: 'BrokerPrincipal', brokerId: 1, principal: 'User:broker-1' }),
  metadataRecord({ type: 'RemoveAccessControlEntry', ...ACL }),
  metadataRecord({ type: 'RemoveUserScramCredential', user: '__proto__', mechanism: 'SCRAM-SHA-256' }),
];
