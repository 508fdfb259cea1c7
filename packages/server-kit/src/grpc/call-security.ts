import { ERROR_CODE_METADATA_KEY, ErrorCode, REAUTHENTICATE_METADATA_KEY } from '@fjord/protocol';
import {
  ANONYMOUS_PRINCIPAL,
  clientHost,
  clientHostFromGrpcPeer,
  type DeniedResource,
  formatPrincipal,
  type KafkaPrincipal,
  parsePrincipal,
  type ResourceType,
  TokenError,
} from '@fjord/security';
import * as grpc from '@grpc/grpc-js';
import type { SecurityProtocol } from '../listeners/listener-address.js';
import type { GrpcServerSecurity } from '../security/server-security.js';

/** Request metadata key of the session token: `authorization: Bearer <token>`. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

// The trailer of a refused session token is the clients' own constant (one place for both sides).
export { REAUTHENTICATE_METADATA_KEY };

/** The gRPC path of the login RPC, which a SASL listener serves without a token. */
export const AUTHENTICATE_PATH = '/fjord.v1.AuthService/Authenticate';

// The standard health service answers without credentials: it tells only whether the server
// is serving, and probes (orchestrators, load balancers) have none.
const UNAUTHENTICATED_PREFIXES = ['/grpc.health.v1.Health/'];

/** Who is calling, as the server established it for this call. */
export interface CallCaller {
  /** `User:alice`; `User:ANONYMOUS` without authentication. */
  readonly principal: string;
  /** The client's IP address, as ACL hosts are written. */
  readonly host: string;
  /** The broker id bound to this principal, when it is a broker's. */
  readonly brokerId?: number;
}

/** The authorization decision on a call that was not refused, for its handler. */
export interface CallAuthorization {
  readonly principal: string;
  /** Resources of the request the caller may not use: answer each with its error code (or leave it out). */
  readonly deniedResources: readonly DeniedResource[];
  /** For listing RPCs: whether the caller may see this resource. */
  readonly mayList: (resourceType: ResourceType, name: string) => boolean;
}

/** What the server established about one call; kept beside the call, out of the client's reach. */
export interface CallSecurityContext {
  readonly listener: string | undefined;
  readonly protocol: SecurityProtocol;
  readonly principal: KafkaPrincipal;
  readonly host: string;
  /** The connection a session token is bound to: the client's address and port as the server sees them. */
  readonly connectionId: string;
  brokerId?: number | undefined;
  authorization?: CallAuthorization;
}

// Keyed by the call's metadata object, which grpc-js hands from the interceptors to the
// handler unchanged: nothing a client sends can write here.
const contexts = new WeakMap<grpc.Metadata, CallSecurityContext>();

/** The security context the server's interceptor tagged a call with (undefined without security). */
export function securityContextOf(call: { metadata: grpc.Metadata }): CallSecurityContext | undefined {
  return contexts.get(call.metadata);
}

/**
 * Who is calling: the principal the server established for this call (from the client
 * certificate, the session token, or `User:ANONYMOUS`) and the client's IP address. On a
 * server without security every caller is `User:ANONYMOUS`.
 */
export function callerOfCall(call: { metadata: grpc.Metadata; getPeer(): string }): CallCaller {
  const context = contexts.get(call.metadata);
  if (!context)
    return { principal: formatPrincipal(ANONYMOUS_PRINCIPAL), host: clientHostFromGrpcPeer(call.getPeer()) };
  return {
    principal: formatPrincipal(context.principal),
    host: context.host,
    ...(context.brokerId === undefined ? {} : { brokerId: context.brokerId }),
  };
}

const ALLOW_ALL = { deniedResources: [], mayList: () => true } as const;

/**
 * The authorization decision on this call (it was not refused, or the handler would not run):
 * the resources to answer with their error codes and, for listings, what the caller may see.
 * With `--authorizer none` (or no security) nothing is denied.
 */
export function authorizationOfCall(call: { metadata: grpc.Metadata; getPeer(): string }): CallAuthorization {
  const context = contexts.get(call.metadata);
  if (context?.authorization) return context.authorization;
  return { principal: callerOfCall(call).principal, ...ALLOW_ALL };
}

/** A listener as the security interceptor needs it. */
export interface ListenerOfPort {
  readonly name: string;
  readonly protocol: SecurityProtocol;
}

function refusal(code: grpc.status, fjordCode: number, details: string, reauthenticate: boolean) {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, String(fjordCode));
  if (reauthenticate) metadata.set(REAUTHENTICATE_METADATA_KEY, '1');
  return { code, details, metadata };
}

class Refused extends Error {
  constructor(readonly status: ReturnType<typeof refusal>) {
    super(status.details);
  }
}

const PRINCIPAL_CACHE_LIMIT = 1024;

/**
 * The one server interceptor that establishes who is calling, for every call of every
 * service: from the listener the call came in on (its local port), PLAINTEXT gives
 * `User:ANONYMOUS`; SSL the principal of a verified client certificate (else ANONYMOUS);
 * SASL_PLAINTEXT and SASL_SSL the principal of the session token, which must be valid and
 * bound to this connection, or the call is refused UNAUTHENTICATED with
 * SASL_AUTHENTICATION_FAILED and `fjord-reauthenticate: 1`. The `authorization` entry is
 * removed from the metadata on every listener, so no handler or log sees a token.
 * AuthService/Authenticate and the standard health service need no token.
 */
export function callSecurityInterceptor(
  security: GrpcServerSecurity,
  listenerOfPort: (port: number) => ListenerOfPort | undefined,
  /** Told of every call refused here (for the request metrics), by gRPC path. */
  onRefused?: (path: string, status: { code: grpc.status; metadata: grpc.Metadata }) => void,
): grpc.ServerInterceptor {
  // A client certificate is parsed once, not on every call of its connection.
  const principalOfCertificate = new Map<string, KafkaPrincipal>();
  const certificatePrincipal = (certificate: { raw: Buffer; fingerprint256: string }): KafkaPrincipal => {
    const cached = principalOfCertificate.get(certificate.fingerprint256);
    if (cached) return cached;
    let principal: KafkaPrincipal;
    try {
      principal = security.principalMapper.principalOf(certificate.raw);
    } catch (error) {
      throw new Refused(
        refusal(
          grpc.status.UNAUTHENTICATED,
          ErrorCode.SASL_AUTHENTICATION_FAILED,
          `client certificate refused: ${(error as Error).message}`,
          false,
        ),
      );
    }
    if (principalOfCertificate.size >= PRINCIPAL_CACHE_LIMIT) principalOfCertificate.clear();
    principalOfCertificate.set(certificate.fingerprint256, principal);
    return principal;
  };

  const establish = (
    path: string,
    call: grpc.ServerInterceptingCallInterface,
    metadata: grpc.Metadata,
  ): CallSecurityContext => {
    const connection = call.getConnectionInfo();
    const listener = connection.localPort === undefined ? undefined : listenerOfPort(connection.localPort);
    if (!listener) {
      throw new Refused(
        refusal(
          grpc.status.UNAVAILABLE,
          ErrorCode.UNKNOWN_SERVER_ERROR,
          'call on a port of no listener',
          false,
        ),
      );
    }
    const [header] = metadata.get(AUTHORIZATION_METADATA_KEY);
    // Removed on every listener, so that no handler, log or forwarded call carries a token.
    metadata.remove(AUTHORIZATION_METADATA_KEY);
    const remote = connection.remoteAddress ?? '';
    const connectionId = `${remote}:${connection.remotePort ?? ''}`;
    const host = clientHost(remote);
    const context = (principal: KafkaPrincipal): CallSecurityContext => ({
      listener: listener.name,
      protocol: listener.protocol,
      principal,
      host,
      connectionId,
    });
    switch (listener.protocol) {
      case 'PLAINTEXT':
        return context(ANONYMOUS_PRINCIPAL);
      case 'SSL': {
        const certificate = call.getAuthContext().sslPeerCertificate;
        return context(certificate?.raw ? certificatePrincipal(certificate) : ANONYMOUS_PRINCIPAL);
      }
      case 'SASL_PLAINTEXT':
      case 'SASL_SSL': {
        if (path === AUTHENTICATE_PATH || UNAUTHENTICATED_PREFIXES.some((p) => path.startsWith(p))) {
          return context(ANONYMOUS_PRINCIPAL);
        }
        const token = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header)?.[1] : undefined;
        if (token === undefined) {
          throw new Refused(
            refusal(
              grpc.status.UNAUTHENTICATED,
              ErrorCode.SASL_AUTHENTICATION_FAILED,
              `listener ${listener.name} (${listener.protocol}) needs a session token: log in with AuthService/Authenticate and send authorization: Bearer <token>`,
              true,
            ),
          );
        }
        try {
          return context(parsePrincipal(security.tokens.verify(token, connectionId).principal));
        } catch (error) {
          if (!(error instanceof TokenError)) throw error;
          // TokenError's message names the refusal and never the token.
          throw new Refused(
            refusal(grpc.status.UNAUTHENTICATED, ErrorCode.SASL_AUTHENTICATION_FAILED, error.message, true),
          );
        }
      }
    }
  };

  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            let context: CallSecurityContext;
            try {
              context = establish(method.path, call, metadata);
            } catch (error) {
              const status =
                error instanceof Refused
                  ? error.status
                  : refusal(
                      grpc.status.INTERNAL,
                      ErrorCode.UNKNOWN_SERVER_ERROR,
                      `could not establish the caller: ${(error as Error).message}`,
                      false,
                    );
              onRefused?.(method.path, status);
              call.sendStatus(status);
              return;
            }
            contexts.set(metadata, context);
            forward(metadata);
          },
        }),
    });
}
