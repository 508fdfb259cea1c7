import { describe, expect, it } from 'vitest';
import { SECURITY_PROTOCOLS } from './listener-address.js';
import { resolveListeners } from './resolve-listeners.js';

const keys = {
  listeners: 'listeners',
  advertisedListeners: 'advertisedListeners',
  securityProtocolMap: 'listenerSecurityProtocolMap',
};
const listeners = [
  { name: 'INTERNAL', host: '127.0.0.1', port: 7400 },
  { name: 'CLIENT', host: '127.0.0.1', port: 7500 },
  { name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 7600 },
];
const securityProtocolMap = { INTERNAL: 'SSL', CLIENT: 'SASL_SSL' } as const;

describe('resolveListeners: security protocols', () => {
  it('refuses protocols the family does not serve (PLAINTEXT only unless told)', () => {
    const { problems } = resolveListeners({ listeners, securityProtocolMap, keys });
    expect(problems.map((p) => p.message)).toEqual([
      'listener INTERNAL: security protocol SSL is not yet supported on --listeners (served: PLAINTEXT)',
      'listener CLIENT: security protocol SASL_SSL is not yet supported on --listeners (served: PLAINTEXT)',
      'listener SASL_PLAINTEXT: security protocol SASL_PLAINTEXT is not yet supported on --listeners (served: PLAINTEXT)',
    ]);
  });

  it('accepts every protocol a family serves, from the map or the listener name', () => {
    const resolved = resolveListeners({
      listeners,
      securityProtocolMap,
      keys,
      servedProtocols: SECURITY_PROTOCOLS,
    });
    expect(resolved.problems).toEqual([]);
    expect(resolved.listeners.map((l) => `${l.name}:${l.securityProtocol}`)).toEqual([
      'INTERNAL:SSL',
      'CLIENT:SASL_SSL',
      'SASL_PLAINTEXT:SASL_PLAINTEXT',
    ]);
  });
});
