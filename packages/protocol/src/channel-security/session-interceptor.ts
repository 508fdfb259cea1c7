import * as grpc from '@grpc/grpc-js';
import type { SaslChannelSession } from './sasl-channel-session.js';

/** Metadata entry of every call on a SASL listener: `authorization: Bearer <token>`. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/**
 * Trailer of a refusal that a fresh login can cure (token missing, expired, or bound to an
 * earlier connection): the client logs in again once and retries the call.
 */
export const REAUTHENTICATE_METADATA_KEY = 'fjord-reauthenticate';

function withToken(metadata: grpc.Metadata, token: string): grpc.Metadata {
  const copy = metadata.clone();
  copy.set(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
  return copy;
}

function statusOf(error: unknown): grpc.StatusObject {
  const failure = error as Partial<grpc.ServiceError>;
  return {
    code: typeof failure.code === 'number' ? failure.code : grpc.status.UNAUTHENTICATED,
    details: failure.details ?? (error instanceof Error ? error.message : String(error)),
    metadata: failure.metadata instanceof grpc.Metadata ? failure.metadata : new grpc.Metadata(),
  };
}

function asksToReauthenticate(status: grpc.StatusObject): boolean {
  return (
    status.code === grpc.status.UNAUTHENTICATED &&
    String(status.metadata.get(REAUTHENTICATE_METADATA_KEY)[0] ?? '') === '1'
  );
}

function msUntil(deadline: grpc.Deadline | undefined): number | undefined {
  if (deadline === undefined) return undefined;
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * A client interceptor that sends the session token of `session` with every call: it waits for
 * the login when there is no valid token yet, and when the server refuses a unary call with
 * `fjord-reauthenticate: 1` it logs in again (one login for every call refused at once) and
 * sends the call once more. A second refusal, or a failed login, ends the call with that gRPC
 * error. The call's deadline and cancellation hold while it waits for a login.
 */
export function sessionInterceptor(session: SaslChannelSession): grpc.Interceptor {
  return (options, nextCall) => {
    const definition = options.method_definition;
    // Only a unary call can be sent again as it was: its one message is kept.
    const resendable = !definition.requestStream && !definition.responseStream;
    const first = nextCall(options);
    let outer: grpc.InterceptingListener | undefined;
    let metadata = new grpc.Metadata();
    let phase: 'login' | 'sent' | 'relogin' | 'resent' | 'done' = 'login';
    let message: { value: unknown } | undefined;
    let halfClosed = false;
    let resent: ReturnType<grpc.NextCall> | undefined;
    let waitTimer: NodeJS.Timeout | undefined;

    const finish = (
      status: grpc.StatusObject,
      held?: { metadata?: grpc.Metadata; message?: { value: unknown } },
    ) => {
      if (phase === 'done') return;
      const startedAny = phase !== 'login';
      phase = 'done';
      clearTimeout(waitTimer);
      if (!startedAny) first.cancelWithStatus(status.code, status.details);
      if (held?.metadata) outer?.onReceiveMetadata(held.metadata);
      if (held?.message) outer?.onReceiveMessage(held.message.value);
      outer?.onReceiveStatus(status);
    };

    // grpc-js's own deadline timer cannot end a call that has not started, so a call waiting
    // for a login keeps its deadline here.
    const guardDeadline = (): void => {
      const ms = msUntil(options.deadline);
      if (ms === undefined) return;
      clearTimeout(waitTimer);
      waitTimer = setTimeout(
        () =>
          finish({
            code: grpc.status.DEADLINE_EXCEEDED,
            details: 'Deadline exceeded while logging in (SASL)',
            metadata: new grpc.Metadata(),
          }),
        ms,
      );
    };

    const attemptListener = (token: string, attempt: 1 | 2): grpc.InterceptingListener => {
      const held: { metadata?: grpc.Metadata; message?: { value: unknown } } = {};
      return {
        onReceiveMetadata: (received) => {
          if (resendable) held.metadata = received;
          else outer?.onReceiveMetadata(received);
        },
        onReceiveMessage: (received) => {
          if (resendable) held.message = { value: received };
          else outer?.onReceiveMessage(received);
        },
        onReceiveStatus: (status) => {
          if (phase === 'done') return;
          if (resendable && attempt === 1 && asksToReauthenticate(status)) {
            session.invalidate(token);
            resend();
            return;
          }
          finish(status, held);
        },
      };
    };

    const resend = (): void => {
      phase = 'relogin';
      guardDeadline();
      session.token().then(
        (token) => {
          if (phase !== 'relogin') return;
          clearTimeout(waitTimer);
          phase = 'resent';
          const call = nextCall(options);
          resent = call;
          call.start(withToken(metadata, token), attemptListener(token, 2));
          if (message) call.sendMessage(message.value);
          if (halfClosed) call.halfClose();
        },
        (error: unknown) => finish(statusOf(error)),
      );
    };

    const requester: grpc.Requester = {
      start: (callMetadata, listener, next) => {
        outer = listener;
        metadata = callMetadata;
        guardDeadline();
        session.token().then(
          (token) => {
            if (phase !== 'login') return;
            clearTimeout(waitTimer);
            phase = 'sent';
            next(withToken(metadata, token), attemptListener(token, 1));
          },
          (error: unknown) => finish(statusOf(error)),
        );
      },
      sendMessage: (value, next) => {
        if (resendable) message = { value };
        next(value);
      },
      halfClose: (next) => {
        halfClosed = true;
        next();
      },
      cancel: (next) => {
        if (phase === 'login' || phase === 'relogin') {
          finish({
            code: grpc.status.CANCELLED,
            details: 'Cancelled on client',
            metadata: new grpc.Metadata(),
          });
        } else if (phase === 'resent') {
          resent?.cancelWithStatus(grpc.status.CANCELLED, 'Cancelled on client');
        }
        next();
      },
    };
    return new grpc.InterceptingCall(first, requester);
  };
}
