import * as grpc from '@grpc/grpc-js';
import { GRPC_CHANNEL_OPTIONS, loadFjordProto } from '../grpc.js';
import { type ChannelTransport, providerTransport, sslTransport } from './channel-credentials.js';
import { SaslChannelSession, type SaslChannelSessionOptions } from './sasl-channel-session.js';
import { type ChannelSecurityOptions, SASL_CLIENT_MECHANISMS, type SaslOptions } from './security-options.js';
import { sessionInterceptor } from './session-interceptor.js';

/** One channel opened by {@link ChannelSecurity}, and what service clients on it are built with. */
export interface SecuredChannel {
  readonly address: string;
  readonly channel: grpc.Channel;
  /** Pass to a generated client's constructor with {@link clientOptions}; the channel is reused. */
  readonly credentials: grpc.ChannelCredentials;
  /** `channelOverride` (this channel) and, with SASL, the interceptor that sends the token. */
  readonly clientOptions: grpc.ClientOptions;
  /** The SASL session of this channel, when SASL is configured. */
  readonly session: SaslChannelSession | undefined;
  /** Closes the channel (every client built on it stops working). */
  close(): void;
}

/**
 * How a Fjord client secures its channels, built once from `{ ssl | tlsProviders, sasl }` and used
 * for every channel it opens (the SDK's connections, a node's peers, the broker's link to the
 * coordinators, the testkit's client): TLS credentials, and for SASL one login per channel over
 * AuthService/Authenticate whose session token goes with every call (see
 * {@link sessionInterceptor}).
 *
 * What grpc-js cannot do here: `rejectUnauthorized: false` skips both the chain and the host
 * name check (grpc-js has no way to keep one without the other); TLS from providers relies on
 * grpc-js's experimental certificate-provider API; there is no channel binding of the SASL login
 * to the TLS session (Kafka has none either) — the server binds the token to the connection.
 */
export class ChannelSecurity {
  readonly #transport: ChannelTransport;
  readonly #sasl: SaslOptions | undefined;
  readonly #sessionOptions: SaslChannelSessionOptions;

  /** Channels in plaintext without a login, as before security existed. */
  static readonly PLAINTEXT = new ChannelSecurity({});

  constructor(options: ChannelSecurityOptions, sessionOptions: SaslChannelSessionOptions = {}) {
    if (options.ssl && options.tlsProviders) throw new Error('give ssl or tlsProviders, not both');
    if (options.sasl) checkSasl(options.sasl);
    this.#transport = options.tlsProviders
      ? providerTransport(options.tlsProviders)
      : sslTransport(options.ssl);
    this.#sasl = options.sasl;
    this.#sessionOptions = sessionOptions;
  }

  /** True when channels speak TLS. */
  get tls(): boolean {
    return this.#transport.tls;
  }

  /** The SASL mechanism channels log in with, if any (never the password). */
  get saslMechanism(): string | undefined {
    return this.#sasl?.mechanism;
  }

  /** Opens a channel to `address` (`host:port`) with `channelOptions` (default: Fjord's). */
  open(address: string, channelOptions: grpc.ChannelOptions = GRPC_CHANNEL_OPTIONS): SecuredChannel {
    const { credentials } = this.#transport;
    const channel = new grpc.Channel(address, credentials, {
      ...channelOptions,
      ...this.#transport.channelOptions,
    });
    let session: SaslChannelSession | undefined;
    const clientOptions: grpc.ClientOptions = { channelOverride: channel };
    if (this.#sasl) {
      const auth = new (loadFjordProto().fjord.v1.AuthService)(address, credentials, {
        channelOverride: channel,
      });
      session = new SaslChannelSession(auth, this.#sasl, this.#sessionOptions);
      clientOptions.interceptors = [sessionInterceptor(session)];
    }
    return { address, channel, credentials, clientOptions, session, close: () => channel.close() };
  }
}

function checkSasl(sasl: SaslOptions): void {
  if (!SASL_CLIENT_MECHANISMS.includes(sasl.mechanism)) {
    throw new Error(
      `unknown SASL mechanism '${String(sasl.mechanism)}': expected one of ${SASL_CLIENT_MECHANISMS.join(', ')}`,
    );
  }
  if (typeof sasl.username !== 'string' || sasl.username === '') throw new Error('sasl.username is missing');
  if (typeof sasl.password !== 'string' || sasl.password === '') throw new Error('sasl.password is missing');
}
