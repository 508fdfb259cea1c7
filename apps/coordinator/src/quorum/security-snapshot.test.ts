import { describe, expect, it } from 'vitest';
import { applyAll } from '../metadata/apply.js';
import { metadataRecord } from '../metadata/records.js';
import { SECURITY_RECORDS as records } from '../metadata/security-records.fixture.js';
import { securityOf } from '../metadata/security-state.js';
import { emptyState } from '../metadata/state.js';
import { MetadataStateMachine } from './metadata-state-machine.js';

describe('security state in the metadata state machine', () => {
  it('move the security version, which a snapshot keeps through JSON with the state', () => {
    const machine = new MetadataStateMachine();
    machine.apply(1, records.slice(0, 1));
    expect(machine.securityVersion).toBe(0);
    machine.apply(2, records.slice(1, 4));
    expect(machine.securityVersion).toBe(3);
    machine.apply(3, [metadataRecord({ type: 'ProducerIdBlock', firstId: '0', size: 10 })]);
    expect(machine.securityVersion).toBe(3);
    machine.apply(4, records.slice(4));
    expect(machine.securityVersion).toBe(8);

    const restored = new MetadataStateMachine();
    restored.restore(JSON.parse(JSON.stringify(machine.snapshot())));
    expect(restored.state).toEqual(machine.state);
    expect(restored.securityVersion).toBe(8);
    expect(restored.metadataVersion).toBe(machine.metadataVersion);
    // Applying more after the restore works on the decoded maps.
    restored.apply(5, [
      metadataRecord({ type: 'RemoveUserScramCredential', user: 'alice', mechanism: 'SCRAM-SHA-256' }),
    ]);
    expect(securityOf(restored.state).scramCredentials.size).toBe(0);
  });

  it('restore snapshots from before security with no security state and version 0', () => {
    const machine = new MetadataStateMachine();
    machine.restore({ metadataVersion: 4, state: applyAll(emptyState(), records.slice(0, 1)) });
    expect(machine.securityVersion).toBe(0);
    expect(securityOf(machine.state).acls.size).toBe(0);
  });
});
