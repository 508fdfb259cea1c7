import * as grpc from '@grpc/grpc-js';
import type { PemValue, SslOptions, TlsCertificateProviders } from './security-options.js';

/** What a channel is built from: its credentials and the channel options TLS adds. */
export interface ChannelTransport {
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions: grpc.ChannelOptions;
  /** True when the channel speaks TLS. */
  readonly tls: boolean;
}

function pemBytes(value: PemValue): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

function pemBundle(value: PemValue | PemValue[] | undefined): Buffer | null {
  if (value === undefined) return null;
  const parts = Array.isArray(value) ? value : [value];
  if (parts.length === 0) return null;
  // A bundle is the certificates one after another; a newline keeps two PEMs from touching.
  return Buffer.concat(parts.flatMap((part) => [pemBytes(part), Buffer.from('\n')]));
}

function looksLikePath(value: PemValue | undefined): boolean {
  return typeof value === 'string' && !value.includes('-----BEGIN');
}

/**
 * Credentials from in-memory PEMs (the SDK's `ssl`). grpc-js takes the CA, key and chain as
 * bytes; `servername` becomes `grpc.ssl_target_name_override` (SNI and the name checked), and
 * `rejectUnauthorized: false` is passed to the TLS socket, which then accepts any certificate.
 */
export function sslTransport(ssl: boolean | SslOptions | undefined): ChannelTransport {
  if (ssl === undefined || ssl === false) {
    return { credentials: grpc.credentials.createInsecure(), channelOptions: {}, tls: false };
  }
  const options: SslOptions = ssl === true ? {} : ssl;
  for (const name of ['ca', 'cert', 'key'] as const) {
    const value = options[name];
    const values = Array.isArray(value) ? value : [value];
    if (values.some(looksLikePath)) {
      throw new Error(
        `ssl.${name} must be the PEM text itself (starting with -----BEGIN), not a file path: read the file and pass its contents`,
      );
    }
  }
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new Error('ssl.cert and ssl.key go together: give both or neither');
  }
  const verify: grpc.VerifyOptions = {};
  if (options.rejectUnauthorized === false) verify.rejectUnauthorized = false;
  const credentials = grpc.credentials.createSsl(
    pemBundle(options.ca),
    options.key === undefined ? null : pemBytes(options.key),
    options.cert === undefined ? null : pemBytes(options.cert),
    verify,
  );
  const channelOptions: grpc.ChannelOptions =
    options.servername === undefined ? {} : { 'grpc.ssl_target_name_override': options.servername };
  return { credentials, channelOptions, tls: true };
}

/**
 * Credentials whose certificates come from providers (node to node): each new connection takes
 * the providers' latest certificates, so a rotation needs no restart. (grpc-js marks this API
 * experimental.)
 */
export function providerTransport(providers: TlsCertificateProviders): ChannelTransport {
  return {
    credentials: grpc.experimental.createCertificateProviderChannelCredentials(
      providers.ca,
      providers.identity ?? null,
    ),
    channelOptions: {},
    tls: true,
  };
}
