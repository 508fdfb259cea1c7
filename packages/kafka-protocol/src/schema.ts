/**
 * Declarative message schemas, transcribed from Kafka's message definitions
 * (apache/kafka `clients/src/main/resources/common/message/*.json`) by
 * scripts/import-kafka-messages.mjs. Decoding, encoding and the compatibility doc all derive
 * from these, so a field exists in exactly one place.
 */

/** Scalar wire types of Kafka's message definitions. */
export type ScalarType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records';

/** One field of a message or struct. */
export interface FieldSchema {
  /** camelCase of Kafka's field name: the key in decoded objects. */
  readonly name: string;
  /** A scalar, or `struct` with `fields`. */
  readonly type: ScalarType | 'struct';
  /** True for Kafka's `[]T` types. */
  readonly array?: boolean;
  /** Versions in which the field exists: `0+`, `3-7`, `none`. */
  readonly versions: string;
  /** Versions in which the field may be null. */
  readonly nullableVersions?: string;
  /** Versions in which the field travels in the tagged-field section instead of in line. */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Overrides the message's flexible versions for this field (`none`: never compact). */
  readonly flexibleVersions?: string;
  /** Kafka's default (as written there: numbers and booleans as strings, `null`). */
  readonly default?: string;
  /** Fields of a struct or of the elements of a struct array. */
  readonly fields?: readonly FieldSchema[];
}

/** A request, response or header definition. */
export interface MessageSchema {
  readonly name: string;
  /** -1 for headers. */
  readonly apiKey: number;
  readonly type: 'request' | 'response' | 'header';
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSchema[];
}

/** An inclusive version range; `max` < `min` means none. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NO_VERSIONS: VersionRange = { min: 0, max: -1 };
const rangeCache = new Map<string, VersionRange>();

/** Parses Kafka's version notation: `none`, `N`, `N+`, `N-M`. */
export function parseVersions(text: string): VersionRange {
  const cached = rangeCache.get(text);
  if (cached) return cached;
  let range: VersionRange;
  if (text === 'none') range = NO_VERSIONS;
  else if (/^\d+\+$/.test(text)) range = { min: Number(text.slice(0, -1)), max: Number.MAX_SAFE_INTEGER };
  else if (/^\d+-\d+$/.test(text)) {
    const [min, max] = text.split('-').map(Number) as [number, number];
    range = { min, max };
  } else if (/^\d+$/.test(text)) range = { min: Number(text), max: Number(text) };
  else throw new Error(`invalid version range "${text}"`);
  rangeCache.set(text, range);
  return range;
}

/** Whether `version` lies in the range written as `text` (absent = none). */
export function inVersions(text: string | undefined, version: number): boolean {
  if (text === undefined) return false;
  const range = parseVersions(text);
  return version >= range.min && version <= range.max;
}
