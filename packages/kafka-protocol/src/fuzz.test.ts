import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_MESSAGES } from './apis.js';
import { decodeMessage } from './codec.js';
import { KafkaProtocolError } from './errors.js';
import { FrameSplitter } from './framing.js';
import { decodeRequestHeader } from './header.js';
import { Reader } from './reader.js';
import { parseVersions } from './schema.js';

/** Runs `decode`, passing when it returns or throws the codec's own error, failing otherwise. */
function onlyCodecErrors(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (error) {
    if (error instanceof KafkaProtocolError) return true;
    throw error;
  }
}

const versionsOf = (text: string) => {
  const { min, max } = parseVersions(text);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
};

describe('fuzz: request bodies', () => {
  for (const api of API_MESSAGES.values()) {
    it(`${api.name}: random bytes at every version decode or fail with KafkaProtocolError`, () => {
      const versions = versionsOf(api.request.validVersions);
      fc.assert(
        fc.property(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 256 }), (version, bytes) =>
          onlyCodecErrors(() => decodeMessage(api.request, version, new Reader(Buffer.from(bytes)))),
        ),
        { numRuns: 300 },
      );
    });
  }

  it('lengths near the int32 limit never allocate: a 2 GiB claim fails at once', () => {
    for (const api of API_MESSAGES.values()) {
      for (const version of versionsOf(api.request.validVersions)) {
        const lying = Buffer.alloc(64, 0x7f); // every int16/int32/varint reads as huge
        const started = process.memoryUsage().arrayBuffers;
        expect(onlyCodecErrors(() => decodeMessage(api.request, version, new Reader(lying)))).toBe(true);
        expect(process.memoryUsage().arrayBuffers - started).toBeLessThan(1 << 20);
      }
    }
  });
});

describe('fuzz: framing and headers', () => {
  it('any byte stream in any chunking yields frames or a KafkaProtocolError, never more than the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const splitter = new FrameSplitter(128);
        return onlyCodecErrors(() => {
          for (const chunk of chunks) {
            for (const frame of splitter.push(Buffer.from(chunk))) {
              expect(frame.length).toBeLessThanOrEqual(128);
              onlyCodecErrors(() => decodeRequestHeader(new Reader(frame)));
            }
            expect(splitter.buffered).toBeLessThanOrEqual(128 + 4 + 64);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});
