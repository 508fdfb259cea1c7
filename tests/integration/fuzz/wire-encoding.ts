// Protobuf wire encoding for the fuzzer, written out here rather than taken from protobufjs:
// protobufjs refuses or silently wraps exactly what the fuzzer wants to send (an int32 past
// 32 bits, a varint past 64 bits, bytes that are not UTF-8 in a string field, a field sent
// with the wrong wire type).

/** One field occurrence on the wire: a varint (wire type 0) or length-delimited bytes (type 2). */
export type WireField =
  | { readonly number: number; readonly kind: 'varint'; readonly value: bigint }
  | { readonly number: number; readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly number: number; readonly kind: 'message'; readonly value: readonly WireField[] };

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

/**
 * A varint of any width: negative numbers as protobuf sends them (64-bit two's complement,
 * ten bytes), values past 2^64 as the longer, invalid varints they become.
 */
export function varint(value: bigint): Buffer {
  let rest = value < 0n ? BigInt.asUintN(64, value) : value;
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return Buffer.from(out);
}

/** The message body of these fields, in the order given (duplicates and all). */
export function encodeFields(fields: readonly WireField[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    if (field.kind === 'varint') {
      parts.push(varint(BigInt((field.number << 3) | WIRE_VARINT)), varint(field.value));
      continue;
    }
    const body = field.kind === 'bytes' ? Buffer.from(field.value) : encodeFields(field.value);
    parts.push(
      varint(BigInt((field.number << 3) | WIRE_LENGTH_DELIMITED)),
      varint(BigInt(body.length)),
      body,
    );
  }
  return Buffer.concat(parts);
}
