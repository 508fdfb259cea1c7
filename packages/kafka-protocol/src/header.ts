import { API_MESSAGES, ApiKey } from './apis.js';
import { KafkaProtocolError } from './errors.js';
import type { Reader } from './reader.js';
import { inVersions } from './schema.js';
import { Writer } from './writer.js';

/** A decoded request header (v0–v2). */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Null in v0 headers and when the client sends none. */
  readonly clientId: string | null;
  /** 0, 1 or 2: which header version the request used. */
  readonly headerVersion: number;
}

/**
 * Request header version of a request: 2 for flexible requests, 1 otherwise (0 only for
 * ControlledShutdown v0, which no client sends to a broker). Unknown API keys are read as
 * v1, enough to learn the correlation id.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = API_MESSAGES.get(apiKey);
  return api && inVersions(api.request.flexibleVersions, apiVersion) ? 2 : 1;
}

/**
 * Response header version: 1 (with tagged fields) for flexible responses, except ApiVersions,
 * whose response header is always v0 so that a client that does not know the broker's
 * versions yet can read it.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const api = API_MESSAGES.get(apiKey);
  return api && inVersions(api.response.flexibleVersions, apiVersion) ? 1 : 0;
}

/** Reads the request header at the start of a frame; the reader is left at the body. */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  // The client id is a classic nullable string in every header version (flexibleVersions none).
  const length = reader.int16();
  if (length < -1) throw new KafkaProtocolError(`RequestHeader.clientId: invalid length ${length}`);
  const clientId = length === -1 ? null : reader.bytes(length, 'RequestHeader.clientId').toString('utf8');
  if (headerVersion >= 2) skipTaggedFields(reader, 'RequestHeader');
  return { apiKey, apiVersion, correlationId, clientId, headerVersion };
}

/** Writes a request header (clients and tests). */
export function encodeRequestHeader(header: Omit<RequestHeader, 'headerVersion'>, writer: Writer): void {
  const headerVersion = requestHeaderVersion(header.apiKey, header.apiVersion);
  writer.int16(header.apiKey);
  writer.int16(header.apiVersion);
  writer.int32(header.correlationId);
  if (header.clientId === null) writer.int16(-1);
  else {
    const bytes = Buffer.from(header.clientId, 'utf8');
    writer.int16(bytes.length);
    writer.bytes(bytes);
  }
  if (headerVersion >= 2) writer.uvarint(0);
}

/** Writes a response header of the version the API and version call for. */
export function encodeResponseHeader(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  writer: Writer,
): void {
  writer.int32(correlationId);
  if (responseHeaderVersion(apiKey, apiVersion) >= 1) writer.uvarint(0);
}

/** Skips a tagged-field section whose tags the reader does not know. */
export function skipTaggedFields(reader: Reader, path: string): void {
  const count = reader.uvarint();
  if (count > reader.remaining) {
    throw new KafkaProtocolError(`${path}: ${count} tagged fields cannot fit in ${reader.remaining} bytes`);
  }
  for (let i = 0; i < count; i++) {
    reader.uvarint();
    reader.skip(reader.uvarint(), `${path} tagged field`);
  }
}

/** A whole response frame: size prefix, header, body. */
export function frameResponse(
  body: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
): Buffer[] {
  const head = new Writer();
  const header = new Writer();
  encodeResponseHeader(apiKey, apiVersion, correlationId, header);
  head.int32(header.length + body.length);
  head.append(header);
  return [...head.chunks(), ...body.chunks()];
}
