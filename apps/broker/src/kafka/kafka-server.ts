import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { DEFAULT_MAX_FRAME_BYTES } from '@fjord/kafka-protocol';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '@fjord/security';
import { principalOfTlsSocket, reloadTlsServer, tlsServerOptions } from '@fjord/server-kit';
import type { Logger } from 'pino';
import type { KafkaApi } from './api.js';
import { serveKafkaConnection } from './kafka-connection.js';
import { checkListenerSecurity, type KafkaListenerSecurity } from './security/kafka-listener-security.js';

/** A bound Kafka listener. */
export interface KafkaListener {
  /** The bound port (the actual one with port 0). */
  readonly port: number;
  /** Stops accepting, closes every connection (in-flight requests are abandoned). */
  close(): Promise<void>;
}

/** Options of {@link startKafkaListener}. */
export interface KafkaListenerOptions {
  /** The listener's name, for messages. */
  readonly name?: string;
  readonly host: string;
  readonly port: number;
  readonly apis: ReadonlyMap<number, KafkaApi>;
  readonly logger: Logger;
  readonly shutdownSignal: AbortSignal;
  /** Largest request frame (Kafka's socket.request.max.bytes); default 100 MiB. */
  readonly maxFrameBytes?: number;
  /** TLS, SASL and the ACLs of this listener; default PLAINTEXT without an authorizer. */
  readonly security?: KafkaListenerSecurity;
  /** How long a SASL connection may take to log in (default 30 s). */
  readonly authenticationTimeoutMs?: number;
}

/**
 * Binds the Kafka-protocol listener (TCP, or TLS for SSL and SASL_SSL) and serves each
 * connection. Over TLS the certificate files are read again periodically (the server kit's
 * `reloadTlsServer`): a rotation applies to new connections. On an SSL listener the principal is the client certificate's, mapped by
 * `ssl.principal.mapping.rules` (User:ANONYMOUS without one, when client certificates are
 * only requested); a certificate that is presented but not trusted, or that no rule maps,
 * closes the connection, as Kafka's SSL handshake fails it (Java's `wantClientAuth` still
 * checks a presented certificate; the gRPC listeners instead give it no principal).
 */
export async function startKafkaListener(options: KafkaListenerOptions): Promise<KafkaListener> {
  const security = options.security ?? { protocol: 'PLAINTEXT' as const, authorizer: () => undefined };
  const name = options.name ?? security.protocol;
  checkListenerSecurity(name, security);
  const { logger } = options;
  const sockets = new Set<Socket>();
  const serve = (socket: Socket, principal: KafkaPrincipal) => {
    serveKafkaConnection(socket, {
      apis: options.apis,
      logger,
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      shutdownSignal: options.shutdownSignal,
      principal,
      sasl: security.sasl,
      authorizer: security.authorizer,
      authenticationTimeoutMs: options.authenticationTimeoutMs,
    });
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  let server: Server;
  let stopReloading: (() => void) | undefined;
  const tls = security.tls;
  if (tls) {
    // `requested` still refuses a presented certificate that is not trusted (checked below).
    const tlsServer = createTlsServer(tlsServerOptions(tls.files, tls.clientAuth));
    stopReloading = reloadTlsServer(tlsServer, tls.files, {
      ...(tls.reloadIntervalMs === undefined ? {} : { reloadIntervalMs: tls.reloadIntervalMs }),
      onError: (error) =>
        logger.warn({ err: error, listener: name }, 'kafka listener: rotated TLS files not applied'),
    });
    tlsServer.on('connection', track);
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      const principal = certificatePrincipal(socket, security, logger);
      if (principal === undefined) return socket.destroy();
      serve(socket, principal);
    });
    tlsServer.on('tlsClientError', (error, socket) => {
      logger.warn(
        { peer: `${socket.remoteAddress}:${socket.remotePort}`, err: error },
        'kafka TLS handshake failed',
      );
    });
    server = tlsServer;
  } else {
    server = createServer((socket) => {
      track(socket);
      serve(socket, ANONYMOUS_PRINCIPAL);
    });
  }
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    stopReloading?.();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopReloading?.();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * The principal of a TLS connection before any SASL login: on SSL the client certificate's
 * (ANONYMOUS without one), on SASL_SSL ANONYMOUS until the login. Undefined: refuse it.
 */
function certificatePrincipal(
  socket: TLSSocket,
  security: KafkaListenerSecurity,
  logger: Logger,
): KafkaPrincipal | undefined {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  if (presented && !socket.authorized) {
    logger.warn({ peer, reason: String(socket.authorizationError) }, 'kafka TLS client certificate refused');
    return undefined;
  }
  if (security.protocol !== 'SSL') return ANONYMOUS_PRINCIPAL;
  try {
    return principalOfTlsSocket(socket, security.tls!.principalMapper);
  } catch (error) {
    logger.warn({ peer, err: error }, 'kafka TLS client certificate maps to no principal');
    return undefined;
  }
}
