import { randomBytes } from 'node:crypto';
import { systemClock } from '@fjord/security';
import {
  type GrpcServerSecurity,
  type SecurityProtocol,
  type SecurityStateSource,
  usesSasl,
  usesTls,
} from '@fjord/server-kit';
import type { KafkaListenerSecurity } from './kafka-listener-security.js';

/** No security state: every request allowed, no SCRAM user known (a broker with `--authorizer none`). */
export const OPEN_SECURITY_STATE: SecurityStateSource = {
  authorizer: () => undefined,
  scramCredential: () => undefined,
  brokerIdOf: () => undefined,
};

/**
 * The security of one Kafka listener from the node's server security (what `serverSecurity`
 * of @fjord/server-kit builds from the settings for the gRPC listeners too: TLS files, client
 * certificates and their mapping rules, SASL mechanisms and session lifetime, the state with
 * the ACLs and SCRAM credentials). Without it the listener can only be PLAINTEXT.
 * `--ssl-client-auth` applies to SSL listeners; a SASL_SSL listener asks for no client
 * certificate, as Kafka's does unless configured for that listener alone (KIP-684).
 */
export function kafkaListenerSecurity(
  listenerName: string,
  protocol: SecurityProtocol,
  server: GrpcServerSecurity | undefined,
): KafkaListenerSecurity {
  const state = server?.state ?? OPEN_SECURITY_STATE;
  const tls = usesTls(protocol);
  const sasl = usesSasl(protocol);
  if ((tls || sasl) && !server)
    throw new Error(`Kafka listener ${listenerName} is ${protocol}, but the broker has no security settings`);
  if (tls && !server?.tls) {
    throw new Error(
      `Kafka listener ${listenerName} is ${protocol}: it needs --ssl-certificate-file and --ssl-key-file`,
    );
  }
  return {
    protocol,
    tls:
      tls && server?.tls
        ? {
            files: server.tls,
            // Kafka applies ssl.client.auth to SASL_SSL listeners only when it is set for that
            // listener (KIP-684): the SASL login authenticates the client there.
            clientAuth: protocol === 'SSL' ? server.clientAuth : 'none',
            principalMapper: server.principalMapper,
            ...(server.reloadIntervalMs === undefined ? {} : { reloadIntervalMs: server.reloadIntervalMs }),
          }
        : undefined,
    sasl:
      sasl && server
        ? {
            mechanisms: server.saslMechanisms,
            tokens: server.tokens,
            unknownUserSecret: server.unknownUserSecret ?? randomBytes(32),
            lookup: (user, mechanism) => state.scramCredential(user, mechanism),
            clock: systemClock,
          }
        : undefined,
    authorizer: () => state.authorizer(),
  };
}
