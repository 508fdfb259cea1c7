import { CertificatePrincipalMapper, ManualClock, SessionTokens } from '@fjord/security';
import type { GrpcServerSecurity } from '@fjord/server-kit';
import { describe, expect, it } from 'vitest';
import { kafkaListenerSecurity } from './kafka-security-settings.js';

const server: GrpcServerSecurity = {
  tls: { certificateFile: '/certs/node.pem', keyFile: '/certs/node-key.pem', caFile: '/certs/ca.pem' },
  clientAuth: 'required',
  principalMapper: new CertificatePrincipalMapper(),
  tokens: new SessionTokens({ key: { id: 'k', secret: Buffer.alloc(32, 1) }, clock: new ManualClock(0) }),
  saslMechanisms: ['SCRAM-SHA-512'],
  state: { authorizer: () => undefined, scramCredential: () => undefined, brokerIdOf: () => undefined },
};

describe('kafkaListenerSecurity', () => {
  it('applies --ssl-client-auth to SSL listeners only; SASL_SSL asks for no certificate (KIP-684)', () => {
    expect(kafkaListenerSecurity('A', 'SSL', server).tls?.clientAuth).toBe('required');
    const saslSsl = kafkaListenerSecurity('B', 'SASL_SSL', server);
    expect(saslSsl.tls?.clientAuth).toBe('none');
    expect(saslSsl.sasl?.mechanisms).toEqual(['SCRAM-SHA-512']);
    expect(kafkaListenerSecurity('C', 'SASL_PLAINTEXT', server).tls).toBeUndefined();
    expect(kafkaListenerSecurity('D', 'PLAINTEXT', server)).toMatchObject({
      tls: undefined,
      sasl: undefined,
    });
  });

  it('refuses a protected listener without the settings it needs, naming it', () => {
    expect(() => kafkaListenerSecurity('CLIENT', 'SASL_SSL', undefined)).toThrow(
      'Kafka listener CLIENT is SASL_SSL, but the broker has no security settings',
    );
    const { tls: _tls, ...withoutFiles } = server;
    expect(() => kafkaListenerSecurity('CLIENT', 'SSL', withoutFiles)).toThrow(
      'Kafka listener CLIENT is SSL: it needs --ssl-certificate-file and --ssl-key-file',
    );
    expect(kafkaListenerSecurity('PLAIN', 'PLAINTEXT', undefined).authorizer()).toBeUndefined();
  });
});
