import { gunzipSync, gzipSync } from 'node:zlib';
import { corruptCompressed, decompressionBomb, messageOf } from './limits.js';

/** gzip (attribute code 1) with node:zlib at level 6, the level Kafka's Java client uses by default. */
export function gzipCompress(data: Buffer): Buffer {
  return gzipSync(data);
}

/** Inflates at most `maxBytes`: zlib stops at `maxOutputLength` instead of growing its output. */
export function gzipDecompress(data: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw decompressionBomb('gzip', maxBytes, 'inflation stopped at the limit');
    }
    throw corruptCompressed('gzip', messageOf(error), error);
  }
}
