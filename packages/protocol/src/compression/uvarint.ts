/**
 * Reads an unsigned LEB128 varint of at most 32 bits (snappy's length preamble) at `pos`;
 * null when it is truncated or longer than 5 bytes.
 */
export function readUvarint(buf: Buffer, pos: number): number | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= buf.length) return null;
    const byte = buf[pos + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  return null;
}
