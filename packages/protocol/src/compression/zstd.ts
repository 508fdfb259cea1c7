import { createRequire } from 'node:module';
import { decompress as fzstdDecompress } from 'fzstd';
import { corruptCompressed, decompressionBomb, messageOf, skippableFrameEnd } from './limits.js';

interface ZstdSimple {
  compress(data: Uint8Array, level: number): Uint8Array | null;
}
interface ZstdCodecModule {
  ZstdCodec: { run(callback: (zstd: { Simple: new () => ZstdSimple }) => void): void };
}

/**
 * Zstandard (attribute code 4). Node 20's zlib has no zstd and the native npm bindings
 * download binaries from GitHub at install time, so both directions use registry-only,
 * build-free packages: zstd-codec (the reference C library compiled to WebAssembly) encodes,
 * fzstd (pure JS) decodes after our own frame walk bounds the output.
 */
let encoder: ZstdSimple | undefined;
let loading: Promise<void> | undefined;

/** Loads the WebAssembly encoder once; compression with zstd needs it, decompression does not. */
export function loadZstd(): Promise<void> {
  loading ??= new Promise<void>((resolve) => {
    const { ZstdCodec } = createRequire(import.meta.url)('zstd-codec') as ZstdCodecModule;
    ZstdCodec.run((zstd) => {
      encoder = new zstd.Simple();
      resolve();
    });
  });
  return loading;
}

/** Kafka's default zstd level. */
const LEVEL = 3;

/**
 * Input per frame. The WebAssembly heap of zstd-codec aborts the process on inputs of a few
 * MiB, so larger data becomes several concatenated frames, which every zstd decoder
 * (zstd-jni, librdkafka, fzstd) reads as one stream.
 */
const FRAME_INPUT_BYTES = 1024 * 1024;

export function zstdCompress(data: Buffer): Buffer {
  const zstd = encoder;
  if (!zstd) throw new Error('zstd encoder not loaded: await loadCompressionCodecs() first');
  const frames: Buffer[] = [];
  for (let pos = 0; pos < data.length || pos === 0; pos += FRAME_INPUT_BYTES) {
    const out = zstd.compress(data.subarray(pos, pos + FRAME_INPUT_BYTES), LEVEL);
    if (!out) throw new Error('zstd compression failed');
    // The result views the WebAssembly heap, which the next call reuses: copy it out.
    frames.push(Buffer.from(out));
    if (data.length === 0) break;
  }
  return frames.length === 1 ? frames[0]! : Buffer.concat(frames);
}

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_MAX_BYTES = 128 * 1024;
/** Windows beyond this are refused (zstd's own decoders default to a 128 MiB limit). */
const MAX_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * Decompresses after bounding the output from the frame structure: declared content sizes,
 * window sizes (the decoder allocates a window) and block headers (a block yields at most
 * 128 KiB; an RLE block exactly its stated size) are checked against `maxBytes` first.
 */
export function zstdDecompress(data: Buffer, maxBytes: number): Buffer {
  const bound = zstdOutputBound(data, maxBytes);
  if (bound.bytes - bound.slack > maxBytes) {
    throw decompressionBomb('zstd', maxBytes, `frame blocks can expand to ${bound.bytes} bytes`);
  }
  let out: Uint8Array;
  try {
    out = fzstdDecompress(data);
  } catch (error) {
    throw corruptCompressed('zstd', messageOf(error), error);
  }
  if (out.length > maxBytes) throw decompressionBomb('zstd', maxBytes, `frames hold ${out.length} bytes`);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Walks every frame and block header. `slack` is one block per frame: encoders fill every
 * block of a frame but the last, so a legitimate batch at the cap is never refused.
 */
export function zstdOutputBound(data: Buffer, maxBytes: number): { bytes: number; slack: number } {
  let pos = 0;
  let bytes = 0;
  let slack = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > data.length) throw corruptCompressed('zstd', `truncated ${what} at byte ${pos}`);
  };
  while (pos < data.length) {
    need(4, 'frame magic');
    const skippedTo = skippableFrameEnd('zstd', data, pos);
    if (skippedTo !== undefined) {
      pos = skippedTo;
      continue;
    }
    const magic = data.readUInt32LE(pos);
    if (magic !== FRAME_MAGIC) throw corruptCompressed('zstd', `bad frame magic 0x${magic.toString(16)}`);
    need(5, 'frame header');
    const fhd = data[pos + 4]!;
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const checksum = (fhd >> 2) & 1;
    pos += 5;
    let window = 0;
    if (!singleSegment) {
      need(1, 'window descriptor');
      const wd = data[pos++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    pos += dictBytes;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    need(fcsBytes, 'frame content size');
    let contentSize = -1;
    if (fcsBytes === 1) contentSize = data[pos]!;
    else if (fcsBytes === 2) contentSize = data.readUInt16LE(pos) + 256;
    else if (fcsBytes === 4) contentSize = data.readUInt32LE(pos);
    else if (fcsBytes === 8) contentSize = Number(data.readBigUInt64LE(pos));
    pos += fcsBytes;
    if (contentSize > maxBytes)
      throw decompressionBomb('zstd', maxBytes, `frame declares ${contentSize} bytes`);
    if (!singleSegment && window > Math.max(maxBytes, MAX_WINDOW_BYTES)) {
      throw decompressionBomb('zstd', maxBytes, `frame window of ${window} bytes`);
    }
    for (;;) {
      need(3, 'block header');
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw corruptCompressed('zstd', 'reserved block type');
      const stored = type === 1 ? 1 : size;
      need(stored, 'block');
      pos += stored;
      bytes += type === 2 ? BLOCK_MAX_BYTES : size;
      if (last) break;
    }
    slack += BLOCK_MAX_BYTES;
    if (checksum) pos += 4;
  }
  return { bytes, slack };
}
