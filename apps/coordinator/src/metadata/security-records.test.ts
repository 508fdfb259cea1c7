import { describe, expect, it } from 'vitest';
import { apply, applyAll, InconsistentRecordError } from './apply.js';
import { type MetadataRecord, metadataRecord } from './records.js';
import { ACL, credential, SECURITY_RECORDS } from './security-records.fixture.js';
import { securityOf } from './security-state.js';
import { emptyState } from './state.js';

describe('security records', () => {
  it('apply to ACLs, credentials and bindings, and replay to the same state from JSON', () => {
    const state = applyAll(emptyState(), SECURITY_RECORDS);
    const security = securityOf(state);
    expect([...security.acls.values()].map((a) => `${a.pattern.patternType}:${a.pattern.name}`)).toEqual([
      'PREFIXED:pay',
    ]);
    expect([...security.scramCredentials.keys()]).toEqual(['alice']);
    expect(security.scramCredentials.get('alice')!.get('SCRAM-SHA-256')).toEqual(credential);
    expect(security.brokerPrincipals).toEqual(new Map([[1, 'User:broker-1']]));
    // Records are JSON in the log: a replay of their JSON gives the same state.
    expect(applyAll(emptyState(), JSON.parse(JSON.stringify(SECURITY_RECORDS)))).toEqual(state);
    // The state before them is unchanged (apply is pure).
    expect(securityOf(applyAll(emptyState(), SECURITY_RECORDS.slice(0, 2))).acls.size).toBe(1);
  });

  it('refuse records that do not fit the state: a corrupt or reordered log', () => {
    const state = applyAll(emptyState(), SECURITY_RECORDS.slice(0, 6));
    const refused = (record: MetadataRecord) =>
      expect(() => apply(state, record)).toThrow(InconsistentRecordError);
    refused(metadataRecord({ type: 'AccessControlEntry', ...ACL }));
    refused(metadataRecord({ type: 'RemoveAccessControlEntry', ...ACL, operation: 'WRITE' }));
    refused(metadataRecord({ type: 'RemoveUserScramCredential', user: 'bob', mechanism: 'SCRAM-SHA-256' }));
    refused(metadataRecord({ type: 'RemoveUserScramCredential', user: 'alice', mechanism: 'SCRAM-SHA-512' }));
    refused(metadataRecord({ type: 'BrokerPrincipal', brokerId: 1, principal: 'User:mallory' }));
  });
});
