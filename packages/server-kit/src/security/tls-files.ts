import { readFileSync } from 'node:fs';
import {
  createSecureContext,
  type SecureContextOptions,
  type TLSSocket,
  type Server as TlsServer,
} from 'node:tls';
import { ANONYMOUS_PRINCIPAL, type CertificatePrincipalMapper, type KafkaPrincipal } from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_SSL_RELOAD_INTERVAL_MS, type SslClientAuth } from './security-settings.js';
import type { TlsFiles } from './server-security.js';

/** The PEM contents of a node's TLS files, as node:tls takes them. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}

/**
 * Reads the files and checks that node:tls accepts them together (a key that does not match
 * the certificate, a file that is not PEM), so a bad file is refused at start with its name
 * rather than on the first connection.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const material: TlsMaterial = {
    cert: readPem(files.certificateFile, 'certificate'),
    key: readPem(files.keyFile, 'private key'),
    ...(files.caFile === undefined ? {} : { ca: readPem(files.caFile, 'CA') }),
  };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new Error(
      `TLS files ${files.certificateFile}, ${files.keyFile}${files.caFile ? `, ${files.caFile}` : ''} are not usable together: ${(error as Error).message}`,
    );
  }
  return material;
}

function checkClientAuth(files: TlsFiles, clientAuth: SslClientAuth): void {
  if (clientAuth !== 'none' && files.caFile === undefined) {
    throw new Error(
      `--ssl-client-auth ${clientAuth} needs --ssl-ca-file to check client certificates against`,
    );
  }
}

/**
 * grpc-js server credentials served from the files, which grpc-js re-reads every
 * `reloadIntervalMs` (FileWatcherCertificateProvider): new connections get the rotated
 * certificate, key and CA without a restart. `requested` asks for a client certificate and
 * accepts a connection without one (or with one that does not verify: it then gets no
 * principal from it); `required` refuses such a connection at the handshake.
 */
export function grpcServerCredentials(
  files: TlsFiles,
  clientAuth: SslClientAuth,
  reloadIntervalMs: number = DEFAULT_SSL_RELOAD_INTERVAL_MS,
): grpc.ServerCredentials {
  checkClientAuth(files, clientAuth);
  readTlsMaterial(files);
  const provider = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: files.certificateFile,
    privateKeyFile: files.keyFile,
    ...(files.caFile === undefined ? {} : { caCertificateFile: files.caFile }),
    refreshIntervalMs: reloadIntervalMs,
  });
  return grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    clientAuth === 'none' ? null : provider,
    clientAuth === 'required',
  );
}

/** node:tls server options for the files, with client certificates as `clientAuth` says. */
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
  options: { reloadIntervalMs?: number; onError?: (error: Error) => void } = {},
): () => void {
  let last = fingerprint(readTlsMaterial(files));
  const timer = setInterval(() => {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(files);
    } catch (error) {
      options.onError?.(error as Error);
      return;
    }
    const now = fingerprint(material);
    if (now === last) return;
    last = now;
    server.setSecureContext(material);
  }, options.reloadIntervalMs ?? DEFAULT_SSL_RELOAD_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function fingerprint(material: TlsMaterial): string {
  return [material.cert, material.key, material.ca ?? Buffer.alloc(0)]
    .map((b) => b.toString('base64'))
    .join('|');
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
