import { loadFjordProto } from '@fjord/protocol';
import fc from 'fast-check';
import { encodeFields, type WireField } from './wire-encoding.js';

// Arbitraries of request bodies derived from the message descriptors proto-loader keeps, so a
// field added to a .proto is fuzzed without anyone writing a generator for it. Field-level
// overrides (fieldOverrides) steer values towards what the handlers look up (existing topics,
// groups, broker ids), always mixed with the hostile values below.

/** A field as proto-loader describes it (google.protobuf.FieldDescriptorProto as JSON). */
interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}

/** A message as proto-loader describes it (google.protobuf.DescriptorProto as JSON). */
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  options: { mapEntry?: boolean } | null;
}

/** What a field override produces: a scalar's wire value. */
export type FieldValue = { kind: 'varint'; value: bigint } | { kind: 'bytes'; value: Uint8Array };

/** Overrides keyed `Message.field` (e.g. `ProduceTopic.topic`), wherever the message occurs. */
export type FieldOverrides = Readonly<Record<string, fc.Arbitrary<FieldValue>>>;

/** How deep nested messages go; the protos nest three levels at most. */
const MAX_DEPTH = 4;

/** Bound on what one huge repeated field adds to a body: past every server's cap, within reach. */
const MAX_REPEATED_BYTES = 12 * 1024 * 1024;

const asVarint = (value: bigint): FieldValue => ({ kind: 'varint', value });
const asBytes = (value: Uint8Array): FieldValue => ({ kind: 'bytes', value });
export const utf8 = (text: string): FieldValue => asBytes(Buffer.from(text, 'utf8'));

/** Integers that break int32/int64 handling: signs, 32- and 64-bit edges, past 2^53, past 2^64. */
export const hostileInteger: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0n, 1n, -1n, 2n, -2n, 3n) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      2n ** 31n - 1n,
      -(2n ** 31n),
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
    ),
  },
  { weight: 3, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -1000n, max: 100_000n }) },
  // Longer than any varint may be: the decoder must refuse it.
  { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 64n, max: 2n ** 80n }) },
);

/** Byte strings that are not UTF-8: a lone continuation byte, an overlong form, a surrogate, 0xff. */
const badUtf8: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    Uint8Array.from([0xff]),
    Uint8Array.from([0x80]),
    Uint8Array.from([0xc3, 0x28]),
    Uint8Array.from([0xc0, 0xaf]),
    Uint8Array.from([0xed, 0xa0, 0x80]),
    Uint8Array.from([0x66, 0x75, 0x7a, 0x7a, 0xf0, 0x28, 0x8c, 0xbc]),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 32 }),
);

/** Strings a handler may trip over: empty, blank, control characters, long, non-ASCII, not UTF-8. */
export const hostileString: fc.Arbitrary<FieldValue> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 24 }).map(utf8) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '',
        ' ',
        '\u0000',
        '.',
        '..',
        '../x',
        '%s%n',
        'é',
        '\u{1f600}',
        'a b',
        '__consumer_offsets',
        // Names of Object.prototype members: a lookup in a plain object finds them.
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
      )
      .map(utf8),
  },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 300 }).map((n) => utf8('x'.repeat(n))) },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 200_000 }).map((n) => utf8('y'.repeat(n))) },
  { weight: 2, arbitrary: badUtf8.map(asBytes) },
);

const hostileBool: fc.Arbitrary<FieldValue> = fc.constantFrom(0n, 1n, 2n, 2n ** 64n - 1n).map(asVarint);
const hostileBytes: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map(asBytes),
  fc.integer({ min: 10_000, max: 100_000 }).map((n) => asBytes(new Uint8Array(n).fill(0x5a))),
);

/** An integer override: mostly `likely` (ids, partitions that exist), else any hostile integer. */
export function integerNear(...likely: bigint[]): fc.Arbitrary<FieldValue> {
  return fc
    .oneof({ weight: 3, arbitrary: fc.constantFrom(...likely) }, { weight: 2, arbitrary: hostileInteger })
    .map(asVarint);
}

/** A string override: mostly one of `likely` (names that exist), else any hostile string. */
export function stringNear(...likely: string[]): fc.Arbitrary<FieldValue> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...likely).map(utf8) },
    { weight: 2, arbitrary: hostileString },
  );
}

/** The descriptor of a fjord.v1 message, by name. */
export function messageDescriptor(typeName: string): MessageDescriptor {
  const type = (loadFjordProto().fjord.v1 as unknown as Record<string, { type?: MessageDescriptor }>)[
    typeName
  ]?.type;
  if (!type) throw new Error(`no message fjord.v1.${typeName} in the loaded protos`);
  return type;
}

/**
 * How a repeated field is drawn: mostly a few items, sometimes thousands (one item repeated,
 * as many as fit in MAX_REPEATED_BYTES).
 */
function repeated(
  number: number,
  item: fc.Arbitrary<FieldOccurrence>,
  depth: number,
): fc.Arbitrary<WireField[]> {
  const few = fc
    .array(item, { maxLength: 3 })
    .map((items) => items.map((v): WireField => ({ number, ...v })));
  if (depth > 1) return few;
  const huge = fc
    .tuple(item, fc.integer({ min: 500, max: depth === 0 ? 40_000 : 5_000 }))
    .map(([one, count]): WireField[] => {
      const field: WireField = { number, ...one };
      const fits = Math.floor(MAX_REPEATED_BYTES / Math.max(encodeFields([field]).length, 1));
      return Array.from({ length: Math.min(count, fits) }, () => field);
    });
  return fc.oneof({ weight: 30, arbitrary: few }, { weight: 1, arbitrary: huge });
}

/**
 * Bodies of the message `typeName`, as wire fields: every field present or not, scalars
 * hostile unless overridden, repeated fields few or huge, and now and then a field sent with
 * the wrong wire type or a field number the message does not have.
 */
export function messageFields(
  typeName: string,
  overrides: FieldOverrides,
  depth = 0,
  descriptor: MessageDescriptor = messageDescriptor(typeName),
): fc.Arbitrary<WireField[]> {
  if (depth > MAX_DEPTH) return fc.constant([]);
  const perField = descriptor.field.map((field) => {
    const value = fieldValue(descriptor, field, overrides, depth);
    if (field.label === 'LABEL_REPEATED') return repeated(field.number, value, depth);
    return fc
      .option(value, { freq: 5, nil: undefined })
      .map((v): WireField[] => (v === undefined ? [] : [{ number: field.number, ...v }]));
  });
  const strays = fc.oneof(
    { weight: 12, arbitrary: fc.constant<WireField[]>([]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.oneof(
          // A field of this message sent with the other wire type.
          fc
            .constantFrom(...(descriptor.field.length > 0 ? descriptor.field.map((f) => f.number) : [1]))
            .chain((number) =>
              fc.oneof(
                hostileInteger.map((value): WireField => ({ number, kind: 'varint', value })),
                fc
                  .uint8Array({ maxLength: 16 })
                  .map((value): WireField => ({ number, kind: 'bytes', value })),
              ),
            ),
          // A field number the message does not define (protobuf skips it).
          fc
            .integer({ min: 100, max: 5_000 })
            .map((number): WireField => ({ number, kind: 'bytes', value: new Uint8Array([1, 2, 3]) })),
        ),
        { maxLength: 2 },
      ),
    },
  );
  return fc.tuple(fc.tuple(...perField), strays).map(([fields, extra]) => [...fields.flat(), ...extra]);
}

type FieldOccurrence = { kind: 'varint'; value: bigint } | { kind: 'bytes'; value: Uint8Array } | NestedValue;
interface NestedValue {
  kind: 'message';
  value: WireField[];
}

function fieldValue(
  owner: MessageDescriptor,
  field: FieldDescriptor,
  overrides: FieldOverrides,
  depth: number,
): fc.Arbitrary<FieldOccurrence> {
  const override = overrides[`${owner.name}.${field.name}`];
  if (override) return override;
  switch (field.type) {
    case 'TYPE_INT32':
    case 'TYPE_INT64':
    case 'TYPE_UINT32':
    case 'TYPE_UINT64':
      return hostileInteger.map(asVarint);
    case 'TYPE_BOOL':
      return hostileBool;
    case 'TYPE_STRING':
      return hostileString;
    case 'TYPE_BYTES':
      return hostileBytes;
    case 'TYPE_MESSAGE': {
      // A map's entry type is nested in its message; other types are package-level.
      const nested = owner.nestedType.find((n) => n.name === field.typeName);
      const typeName = nested ? `${owner.name}.${field.typeName}` : field.typeName;
      return messageFields(typeName, overrides, depth + 1, nested ?? messageDescriptor(field.typeName)).map(
        (value): NestedValue => ({ kind: 'message', value }),
      );
    }
    default:
      throw new Error(`the fuzzer has no values for ${owner.name}.${field.name} of ${field.type}`);
  }
}
