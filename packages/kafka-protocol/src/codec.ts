import { KafkaProtocolError } from './errors.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { Reader } from './reader.js';
import { type FieldSchema, inVersions, type MessageSchema } from './schema.js';
import { Writer } from './writer.js';

/** A decoded message or struct: camelCase field names; int64 as bigint, uuid as text. */
export type KafkaStruct = { [field: string]: unknown };

/** The all-zero UUID Kafka uses for "no topic id". */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

interface Context {
  readonly version: number;
  readonly flexible: boolean;
  readonly limits: DecodeLimits;
}

/**
 * Decodes one message body at `version`. Every length and count is checked against the bytes
 * left and the limits before anything is allocated; fields absent at this version get their
 * Kafka defaults. Throws only {@link KafkaProtocolError}.
 */
export function decodeMessage(
  schema: MessageSchema,
  version: number,
  reader: Reader,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): KafkaStruct {
  const context = { version, flexible: inVersions(schema.flexibleVersions, version), limits };
  try {
    return decodeFields(schema.fields, context, reader, schema.name);
  } catch (error) {
    if (error instanceof KafkaProtocolError) throw error;
    // Buffer reads guard their bounds too; anything they throw is still a malformed message.
    throw new KafkaProtocolError(`${schema.name} v${version}: ${(error as Error).message}`);
  }
}

/** Encodes one message body at `version`; absent fields are written as their defaults. */
export function encodeMessage(
  schema: MessageSchema,
  version: number,
  value: KafkaStruct,
  writer: Writer,
): void {
  const context = {
    version,
    flexible: inVersions(schema.flexibleVersions, version),
    limits: DEFAULT_DECODE_LIMITS,
  };
  encodeFields(schema.fields, context, value, writer, schema.name);
}

function decodeFields(
  fields: readonly FieldSchema[],
  context: Context,
  reader: Reader,
  path: string,
): KafkaStruct {
  const out: KafkaStruct = {};
  for (const field of fields) {
    if (!inVersions(field.versions, context.version) || inVersions(field.taggedVersions, context.version)) {
      out[field.name] = defaultValue(field, context);
    } else {
      out[field.name] = decodeValue(field, context, reader, `${path}.${field.name}`);
    }
  }
  if (context.flexible) decodeTaggedFields(fields, context, reader, path, out);
  return out;
}

function decodeTaggedFields(
  fields: readonly FieldSchema[],
  context: Context,
  reader: Reader,
  path: string,
  out: KafkaStruct,
): void {
  const count = reader.uvarint();
  if (count > reader.remaining) {
    throw new KafkaProtocolError(`${path}: ${count} tagged fields cannot fit in ${reader.remaining} bytes`);
  }
  let previousTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = reader.uvarint();
    if (tag <= previousTag) throw new KafkaProtocolError(`${path}: tagged fields out of order (tag ${tag})`);
    previousTag = tag;
    const size = reader.uvarint();
    const body = reader.sub(size, `${path} tagged field ${tag}`);
    const field = fields.find((f) => f.tag === tag && inVersions(f.taggedVersions, context.version));
    // Unknown tags are skipped, as Kafka does: that is what makes tagged fields compatible.
    if (field) out[field.name] = decodeValue(field, context, body, `${path}.${field.name}`);
  }
}

function isFlexible(field: FieldSchema, context: Context): boolean {
  return field.flexibleVersions === undefined
    ? context.flexible
    : inVersions(field.flexibleVersions, context.version);
}

/** Reads a length or count: compact (unsigned varint N+1) when flexible, else int16/int32. -1 = null. */
function readLength(flexible: boolean, reader: Reader, wide: boolean): number {
  if (flexible) return reader.uvarint() - 1;
  return wide ? reader.int32() : reader.int16();
}

function checkNull(field: FieldSchema, context: Context, path: string): null {
  if (!inVersions(field.nullableVersions, context.version)) {
    throw new KafkaProtocolError(`${path} is null but is not nullable in version ${context.version}`);
  }
  return null;
}

function decodeValue(field: FieldSchema, context: Context, reader: Reader, path: string): unknown {
  const flexible = isFlexible(field, context);
  if (field.array) {
    const count = readLength(flexible, reader, true);
    if (count < -1) throw new KafkaProtocolError(`${path}: invalid array length ${count}`);
    if (count === -1) return checkNull(field, context, path);
    if (count > reader.remaining || count > context.limits.maxArrayLength) {
      throw new KafkaProtocolError(
        `${path}: array of ${count} elements exceeds ${Math.min(reader.remaining, context.limits.maxArrayLength)}` +
          ` (bytes remaining or the array cap)`,
      );
    }
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) items.push(decodeElement(field, context, reader, `${path}[${i}]`));
    return items;
  }
  if (field.type === 'struct') {
    if (inVersions(field.nullableVersions, context.version)) {
      const marker = reader.int8();
      if (marker < 0) return null;
    }
    return decodeFields(field.fields ?? [], context, reader, path);
  }
  return decodeScalar(field, context, reader, path, flexible);
}

function decodeElement(field: FieldSchema, context: Context, reader: Reader, path: string): unknown {
  if (field.type === 'struct') return decodeFields(field.fields ?? [], context, reader, path);
  return decodeScalar(field, context, reader, path, isFlexible(field, context), false);
}

function decodeScalar(
  field: FieldSchema,
  context: Context,
  reader: Reader,
  path: string,
  flexible: boolean,
  nullable = true,
): unknown {
  switch (field.type) {
    case 'int8':
      return reader.int8();
    case 'int16':
      return reader.int16();
    case 'uint16':
      return reader.uint16();
    case 'int32':
      return reader.int32();
    case 'uint32':
      return reader.uint32();
    case 'int64':
      return reader.int64();
    case 'float64':
      return reader.float64();
    case 'bool':
      return reader.bool();
    case 'uuid':
      return uuidText(reader.bytes(16, path));
    case 'string': {
      const length = readLength(flexible, reader, false);
      if (length < -1) throw new KafkaProtocolError(`${path}: invalid string length ${length}`);
      if (length === -1) return nullable ? checkNull(field, context, path) : notNullable(path);
      if (length > context.limits.maxStringBytes) {
        throw new KafkaProtocolError(
          `${path}: string of ${length} bytes exceeds ${context.limits.maxStringBytes}`,
        );
      }
      return reader.bytes(length, path).toString('utf8');
    }
    case 'bytes':
    case 'records': {
      const length = readLength(flexible, reader, true);
      if (length < -1) throw new KafkaProtocolError(`${path}: invalid bytes length ${length}`);
      if (length === -1) return nullable ? checkNull(field, context, path) : notNullable(path);
      return reader.bytes(length, path);
    }
    default:
      throw new KafkaProtocolError(`${path}: unsupported type ${field.type}`);
  }
}

function notNullable(path: string): never {
  throw new KafkaProtocolError(`${path}: array element is null`);
}

/** The value a field takes when absent at a version, or when not set on encode. */
export function defaultValue(field: FieldSchema, context: { version: number }): unknown {
  const text = field.default;
  if (field.array) return text === 'null' ? null : [];
  switch (field.type) {
    case 'struct':
      if (inVersions(field.nullableVersions, context.version) && text === 'null') return null;
      return Object.fromEntries((field.fields ?? []).map((f) => [f.name, defaultValue(f, context)]));
    case 'int64':
      return BigInt(text ?? 0);
    case 'bool':
      return text === 'true';
    case 'uuid':
      return ZERO_UUID;
    case 'string':
      return text === 'null' ? null : (text ?? '');
    case 'bytes':
    case 'records':
      return text === 'null' || (text === undefined && field.type === 'records') ? null : Buffer.alloc(0);
    default:
      return Number(text ?? 0);
  }
}

function encodeFields(
  fields: readonly FieldSchema[],
  context: Context,
  value: KafkaStruct,
  writer: Writer,
  path: string,
): void {
  const tagged: FieldSchema[] = [];
  for (const field of fields) {
    if (!inVersions(field.versions, context.version)) continue;
    if (inVersions(field.taggedVersions, context.version)) {
      tagged.push(field);
      continue;
    }
    const fieldValue = value[field.name] === undefined ? defaultValue(field, context) : value[field.name];
    encodeValue(field, context, fieldValue, writer, `${path}.${field.name}`);
  }
  if (!context.flexible) return;
  const present = tagged
    .filter((f) => value[f.name] !== undefined && !isDefault(f, value[f.name], context))
    .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
  writer.uvarint(present.length);
  for (const field of present) {
    const body = new Writer();
    encodeValue(field, context, value[field.name], body, `${path}.${field.name}`);
    writer.uvarint(field.tag ?? 0);
    writer.uvarint(body.length);
    writer.append(body);
  }
}

function isDefault(field: FieldSchema, value: unknown, context: Context): boolean {
  const fallback = defaultValue(field, context);
  if (Array.isArray(value)) return value.length === 0 && Array.isArray(fallback);
  if (value === null || fallback === null) return value === fallback;
  if (field.type === 'struct') {
    return (field.fields ?? []).every(
      (f) =>
        (value as KafkaStruct)[f.name] === undefined || isDefault(f, (value as KafkaStruct)[f.name], context),
    );
  }
  if (Buffer.isBuffer(value)) return value.length === 0 && Buffer.isBuffer(fallback);
  return value === fallback || (typeof fallback === 'bigint' && BigInt(value as bigint) === fallback);
}

function writeLength(flexible: boolean, writer: Writer, length: number, wide: boolean): void {
  if (flexible) writer.uvarint(length + 1);
  else if (wide) writer.int32(length);
  else writer.int16(length);
}

function encodeValue(
  field: FieldSchema,
  context: Context,
  value: unknown,
  writer: Writer,
  path: string,
): void {
  const flexible = isFlexible(field, context);
  if (field.array) {
    if (value === null) {
      checkNull(field, context, path);
      writeLength(flexible, writer, -1, true);
      return;
    }
    if (!Array.isArray(value)) throw new KafkaProtocolError(`${path} must be an array`);
    writeLength(flexible, writer, value.length, true);
    value.forEach((item, i) => {
      if (field.type === 'struct')
        encodeFields(field.fields ?? [], context, item as KafkaStruct, writer, `${path}[${i}]`);
      else encodeScalar(field, context, item, writer, `${path}[${i}]`, flexible);
    });
    return;
  }
  if (field.type === 'struct') {
    if (inVersions(field.nullableVersions, context.version)) {
      if (value === null) {
        writer.int8(-1);
        return;
      }
      writer.int8(1);
    } else if (value === null) checkNull(field, context, path);
    encodeFields(field.fields ?? [], context, value as KafkaStruct, writer, path);
    return;
  }
  encodeScalar(field, context, value, writer, path, flexible);
}

function encodeScalar(
  field: FieldSchema,
  context: Context,
  value: unknown,
  writer: Writer,
  path: string,
  flexible: boolean,
): void {
  switch (field.type) {
    case 'int8':
      writer.int8(Number(value));
      return;
    case 'int16':
      writer.int16(Number(value));
      return;
    case 'uint16':
      writer.uint16(Number(value));
      return;
    case 'int32':
      writer.int32(Number(value));
      return;
    case 'uint32':
      writer.uint32(Number(value));
      return;
    case 'int64':
      writer.int64(BigInt(value as bigint | number | string));
      return;
    case 'float64':
      writer.float64(Number(value));
      return;
    case 'bool':
      writer.bool(Boolean(value));
      return;
    case 'uuid':
      writer.bytes(uuidBytes(String(value), path));
      return;
    case 'string': {
      if (value === null) {
        checkNull(field, context, path);
        writeLength(flexible, writer, -1, false);
        return;
      }
      const bytes = Buffer.from(String(value), 'utf8');
      if (bytes.length > 32_767)
        throw new KafkaProtocolError(`${path}: string of ${bytes.length} bytes is too long`);
      writeLength(flexible, writer, bytes.length, false);
      writer.bytes(bytes);
      return;
    }
    case 'bytes':
    case 'records': {
      if (value === null) {
        checkNull(field, context, path);
        writeLength(flexible, writer, -1, true);
        return;
      }
      if (!(value instanceof Uint8Array)) throw new KafkaProtocolError(`${path} must be a Buffer`);
      writeLength(flexible, writer, value.length, true);
      writer.bytes(value);
      return;
    }
    default:
      throw new KafkaProtocolError(`${path}: unsupported type ${field.type}`);
  }
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidBytes(text: string, path: string): Buffer {
  const hex = text.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new KafkaProtocolError(`${path}: "${text}" is not a UUID`);
  return Buffer.from(hex, 'hex');
}
