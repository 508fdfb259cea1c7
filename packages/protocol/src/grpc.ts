import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AuthProto } from './gen/auth.js';
import type { ProtoGrpcType as BrokerProto } from './gen/broker.js';
import type { ProtoGrpcType as CoordinatorProto } from './gen/coordinator.js';
import type { ProtoGrpcType as GroupsProto } from './gen/groups.js';
import type { ProtoGrpcType as ProducerProto } from './gen/producer.js';
import type { ProtoGrpcType as QuorumProto } from './gen/quorum.js';
import type { ProtoGrpcType as SecurityProto } from './gen/security.js';

/**
 * Options for @grpc/proto-loader. They must match the flags of proto-loader-gen-types in
 * scripts/generate.mjs, or the generated types lie about the runtime objects
 * (int64 fields arrive as decimal strings, enums as names, defaults filled in).
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Folder holding `fjord/v1/*.proto`, shipped inside this package (copied by `generate`). */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'proto');

/** Message size limit on both sides of every channel (requests carry batches of batches). */
export const MAX_GRPC_MESSAGE_BYTES = 64 * 1024 * 1024;

export type FjordProto = AuthProto &
  BrokerProto &
  CoordinatorProto &
  GroupsProto &
  ProducerProto &
  QuorumProto &
  SecurityProto;

let cached: FjordProto | undefined;

/** Loads the Fjord protos once and returns the typed gRPC package object. */
export function loadFjordProto(): FjordProto {
  if (cached) return cached;
  // Every file of the versioned package, so that adding a service is adding a file.
  const files = readdirSync(join(PROTO_DIR, 'fjord', 'v1'))
    .filter((f) => f.endsWith('.proto'))
    .map((f) => `fjord/v1/${f}`);
  const definition = protoLoader.loadSync(files, {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [PROTO_DIR],
  });
  cached = grpc.loadPackageDefinition(definition) as unknown as FjordProto;
  return cached;
}

/** HTTP/2 receive window of Fjord's client sessions: above the largest fetch answer. */
const FLOW_CONTROL_WINDOW_BYTES = 64 * 1024 * 1024;

/** Channel options shared by every Fjord client and server. */
export const GRPC_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  // HTTP/2's default 64 KiB receive window made every fetch of a few 128 KiB batches wait
  // for WINDOW_UPDATE round trips that Node sends late: replica fetches took ~100 ms
  // instead of ~1 ms and acks=all throughput fell to a tenth (docs/PERFORMANCE.md). A
  // window larger than the biggest answer lets a response flow in one go. (grpc-js applies
  // this to the sessions it opens as a client; its server keeps Node's default.)
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
  // grpc-js backs reconnects off from 1 s up to 120 s: a client that saw a broker restart
  // for a while (connections refused) kept waiting up to two minutes after the broker was
  // back, past a producer's delivery timeout. Kafka's clients reconnect after 50 ms, backing
  // off to at most 1 s (reconnect.backoff.ms, reconnect.backoff.max.ms); do the same.
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 1_000,
};

/**
 * Trailer of a NOT_COORDINATOR (16) answer: the address (host:port) of the quorum leader on
 * the listener the refused call came in on, when the answering coordinator knows one (left
 * out when the leader is unknown or has no listener of that name). Clients retry there.
 */
export const LEADER_HINT_METADATA_KEY = 'fjord-coordinator-leader';

/** Metadata key carrying the Fjord error code of a whole-request failure. */
export const ERROR_CODE_METADATA_KEY = 'fjord-error-code';

/**
 * Longest status message a Fjord error carries, in UTF-16 code units. The message travels in
 * the `grpc-message` trailer, percent-encoded (up to 6 bytes a code unit); a trailer block past
 * the peer's HTTP/2 header-list limit (64 KiB) is never delivered, and the call then hangs until
 * the client's deadline instead of being refused. A fuzzed LeaveGroup of a 74 816-character
 * group id did exactly that once its refusal message named the group.
 */
export const MAX_STATUS_MESSAGE_LENGTH = 4_096;

/**
 * `message` cut to {@link MAX_STATUS_MESSAGE_LENGTH}: its start and end, with what was cut in
 * between, so that a message naming a huge value still says what is wrong.
 */
export function boundedStatusMessage(message: string): string {
  if (message.length <= MAX_STATUS_MESSAGE_LENGTH) return message;
  const keep = (MAX_STATUS_MESSAGE_LENGTH - 64) / 2;
  let head = message.slice(0, keep);
  let tail = message.slice(-keep);
  // Whole code points only: a lone surrogate would be percent-encoded as garbage.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  if (/^[\uDC00-\uDFFF]/.test(tail)) tail = tail.slice(1);
  const cut = message.length - head.length - tail.length;
  return `${head}…(${cut} characters cut)…${tail}`;
}

/**
 * Builds a gRPC service error for a whole-request failure, with the Fjord code in trailers;
 * the message is bounded by {@link boundedStatusMessage}.
 */
export function grpcRequestError(status: grpc.status, fjordCode: number, message: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, String(fjordCode));
  const bounded = boundedStatusMessage(message);
  const error = new Error(bounded) as grpc.ServiceError;
  error.code = status;
  error.details = bounded;
  error.metadata = metadata;
  return error;
}
