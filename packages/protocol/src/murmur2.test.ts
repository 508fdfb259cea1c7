import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from './murmur2.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * Kafka's Utils.murmur2 transcribed line by line with BigInt, emulating Java int overflow
 * explicitly (BigInt.asIntN), so it shares no trick (Math.imul, `| 0`) with the implementation.
 */
function javaMurmur2(data: Uint8Array): number {
  const int = (v: bigint): bigint => BigInt.asIntN(32, v);
  const ushr = (v: bigint, n: bigint): bigint => int(BigInt.asUintN(32, v) >> n);
  const m = int(0x5bd1e995n);
  const length = data.length;
  let h = int(int(0x9747b28cn) ^ BigInt(length));
  const byte = (i: number): bigint => BigInt(data[i]! & 0xff);
  for (let i = 0; i < Math.floor(length / 4); i++) {
    const i4 = i * 4;
    let k = int(byte(i4) + (byte(i4 + 1) << 8n) + (byte(i4 + 2) << 16n) + (byte(i4 + 3) << 24n));
    k = int(k * m);
    k = int(k ^ ushr(k, 24n));
    k = int(k * m);
    h = int(h * m);
    h = int(h ^ k);
  }
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h = int(h ^ (byte(tail + 2) << 16n));
      h = int(h ^ (byte(tail + 1) << 8n));
      h = int(h ^ byte(tail));
      h = int(h * m);
      break;
    case 2:
      h = int(h ^ (byte(tail + 1) << 8n));
      h = int(h ^ byte(tail));
      h = int(h * m);
      break;
    case 1:
      h = int(h ^ byte(tail));
      h = int(h * m);
      break;
  }
  h = int(h ^ ushr(h, 13n));
  h = int(h * m);
  h = int(h ^ ushr(h, 15n));
  return Number(h);
}

describe('murmur2', () => {
  // Apache Kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('matches Kafka UtilsTest.testMurmur2: %j -> %i', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });

  // Akka's Murmur2Spec (akka-cluster-sharding-typed), "expected values computed using Kafka's
  // murmur2-implementation"; covers every tail length (0-3 leftover bytes) and several blocks.
  it.each([
    ['1', -1993445489],
    ['12', 126087238],
    ['123', -267702483],
    ['1234', -1614185708],
    ['12345', -1188365604],
    ['12345678', 338742798],
    ['123456789012', -1769968653],
    ['ABCDEFGH', -1542716145],
  ])('matches Kafka-computed values from Akka Murmur2Spec: %j -> %i', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });

  // KafkaJS src/producer/partitioners/defaultJava/murmur2.spec.js, generated with the Java code
  // of Kafka's Utils.murmur2 (defaultJava/Test.java).
  it.each([
    ['0', 971027396],
    ['128', -326012175],
    ['2187', -1508407203],
    ['16384', -325739742],
    ['78125', -1654490814],
    ['279936', 1462227128],
    ['823543', -2014198330],
    ['2097152', 607668903],
    ['4782969', -1182699775],
    ['10000000', -1830336757],
    ['19487171', -1603849305],
    ['35831808', -857013643],
    ['62748517', -1167431028],
    ['105413504', -381294639],
    ['170859375', -1658323481],
    ['100:48069', 1009543857],
  ])('matches Java-generated values from KafkaJS: %j -> %i', (input, expected) => {
    expect(murmur2(utf8(input))).toBe(expected);
  });

  it('returns a signed 32-bit integer', () => {
    for (let i = 0; i < 200; i++) {
      const h = murmur2(utf8(`key-${i}`));
      expect(h | 0).toBe(h);
    }
  });

  it('equals a BigInt transcription of the Java code on random keys, high bytes included', () => {
    // The transcription itself must reproduce Kafka's vectors, or the comparison proves nothing.
    expect(javaMurmur2(utf8('foobar'))).toBe(-790332482);
    expect(javaMurmur2(utf8('abc'))).toBe(479470107);
    expect(javaMurmur2(utf8('12345'))).toBe(-1188365604);
    let x = 12345;
    for (let length = 0; length < 64; length++) {
      const key = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) | 0;
        key[i] = (x >>> 16) & 0xff;
      }
      expect(murmur2(key), `length ${length}`).toBe(javaMurmur2(key));
    }
    expect(murmur2(Uint8Array.of(0xff, 0xfe, 0x80))).toBe(javaMurmur2(Uint8Array.of(0xff, 0xfe, 0x80)));
  });

  it('reads only the view, not the whole underlying ArrayBuffer', () => {
    const backing = utf8('xxfoobarxx');
    expect(murmur2(backing.subarray(2, 8))).toBe(-790332482);
  });
});

describe('toPositive', () => {
  it('clears only the sign bit', () => {
    expect(toPositive(0)).toBe(0);
    expect(toPositive(123)).toBe(123);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(0x7fffffff)).toBe(0x7fffffff);
  });

  it('maps -2^31 to 0, unlike Math.abs', () => {
    expect(toPositive(-2147483648)).toBe(0);
  });
});

describe('partitionForKey', () => {
  const abc = Uint8Array.of(0x61, 0x62, 0x63);

  it.each([
    [1, 0],
    [3, 479470107 % 3],
    [6, 479470107 % 6],
    [100, 7],
  ])('places "abc" (murmur2 479470107) with %i partitions on partition %i', (n, expected) => {
    expect(partitionForKey(abc, n)).toBe(expected);
  });

  it('masks a negative hash instead of taking its absolute value ("21" hashes negative)', () => {
    const positive = -973932308 & 0x7fffffff;
    for (const n of [1, 2, 3, 7, 12, 100]) expect(partitionForKey(utf8('21'), n)).toBe(positive % n);
  });

  // kafka-python test/test_partitioner.py test_murmur2_java_compatibility, "compare with output
  // from Kafka's org.apache.kafka.clients.producer.Partitioner", 1000 partitions.
  it.each([
    [[], 681],
    [[0x61], 524],
    [[0x61, 0x62], 434],
    [[0x61, 0x62, 0x63], 107],
    [[...'123456789'].map((c) => c.charCodeAt(0)), 566],
    [[0x00, 0x20], 742],
  ])('matches the Java partitioner for key bytes %j over 1000 partitions -> %i', (bytes, expected) => {
    expect(partitionForKey(Uint8Array.from(bytes), 1000)).toBe(expected);
  });

  it('is stable and always in range', () => {
    for (let i = 0; i < 500; i++) {
      const key = utf8(`user-${i}`);
      const p = partitionForKey(key, 12);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(12);
      expect(partitionForKey(key, 12)).toBe(p);
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('throws RangeError for numPartitions %s', (n) => {
    expect(() => partitionForKey(abc, n)).toThrow(RangeError);
  });
});
