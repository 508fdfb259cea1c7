import type { SecureContextOptions, TLSSocket, Server as TlsServer } from 'node:tls';
import { ANONYMOUS_PRINCIPAL, type CertificatePrincipalMapper, type KafkaPrincipal } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import type { SslClientAuth } from './security-settings.js';
import type { TlsFiles } from './server-security.js';
import {
  certificateProviderOf,
  readTlsMaterial,
  TlsFileWatcher,
  type TlsFileWatcherOptions,
} from './tls-file-watcher.js';

function checkClientAuth(files: TlsFiles, clientAuth: SslClientAuth): void {
  if (clientAuth !== 'none' && files.caFile === undefined) {
    throw new Error(
      `--ssl-client-auth ${clientAuth} needs --ssl-ca-file to check client certificates against`,
    );
  }
}

/**
 * grpc-js server credentials served from a watcher's files, re-read every interval (see
 * {@link TlsFileWatcher}): new connections get the rotated certificate, key and CA without a
 * restart. `requested` asks for a client certificate and accepts a connection without one (or
 * with one that does not verify: it then gets no principal from it); `required` refuses such a
 * connection at the handshake.
 */
export function grpcServerCredentials(
  watcher: TlsFileWatcher,
  clientAuth: SslClientAuth,
): grpc.ServerCredentials {
  checkClientAuth(watcher.files, clientAuth);
  const provider = certificateProviderOf(watcher);
  return grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    clientAuth === 'none' ? null : provider,
    clientAuth === 'required',
  );
}

/**
 * node:tls server options for the files, with client certificates as `clientAuth` says: pass
 * the node's `--ssl-client-auth` for an SSL listener and `none` for a SASL_SSL one (as the gRPC
 * listeners do, and Kafka).
 */
export function tlsServerOptions(
  files: TlsFiles,
  clientAuth: SslClientAuth,
): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  checkClientAuth(files, clientAuth);
  return {
    ...readTlsMaterial(files),
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  };
}

/**
 * Keeps a node:tls server (a Kafka listener) on the current files: every `reloadIntervalMs`
 * the files are read, and when they changed and are usable together the server's secure
 * context is replaced, so new connections get them; a broken file set is reported to
 * `onError` and the previous context stays. Returns the function that stops watching.
 */
export function reloadTlsServer(
  server: TlsServer,
  files: TlsFiles,
  options: TlsFileWatcherOptions = {},
): () => void {
  return new TlsFileWatcher(files, options).subscribe((material) => server.setSecureContext(material));
}

/**
 * The principal of a TLS connection: the mapped client certificate when one was presented
 * and verified against the CA, else `User:ANONYMOUS`. Throws when a verified certificate
 * matches no mapping rule (Kafka closes such a connection).
 */
export function principalOfTlsSocket(socket: TLSSocket, mapper: CertificatePrincipalMapper): KafkaPrincipal {
  if (!socket.authorized) return ANONYMOUS_PRINCIPAL;
  const certificate = socket.getPeerCertificate();
  if (!certificate?.raw) return ANONYMOUS_PRINCIPAL;
  return mapper.principalOf(certificate.raw);
}
