/** What consume prints of a record. */
export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Readonly<Record<string, Buffer | null>>;
}

const text = (bytes: Buffer | null): string => (bytes === null ? 'null' : bytes.toString('utf8'));

/**
 * Renders a record with a kcat-style template: %t topic, %p partition, %o offset,
 * %k key, %v or %s value, %T timestamp (ms), %h headers (k=v,k=v), %K key length,
 * %S value length (-1 for null), %% a percent sign; \n, \t and \\ are escapes. Throws on an
 * unknown token, so a typo is reported once rather than printed with every record.
 */
export function formatRecord(template: string, record: PrintableRecord): string {
  return template.replace(/%(.)|\\(.)/g, (match, token: string | undefined, escaped: string | undefined) => {
    if (escaped !== undefined) {
      if (escaped === 'n') return '\n';
      if (escaped === 't') return '\t';
      if (escaped === '\\') return '\\';
      return match;
    }
    switch (token) {
      case 't':
        return record.topic;
      case 'p':
        return String(record.partition);
      case 'o':
        return record.offset.toString();
      case 'k':
        return text(record.key);
      case 'v':
      case 's':
        return text(record.value);
      case 'T':
        return String(record.timestamp);
      case 'h':
        return Object.entries(record.headers)
          .map(([k, v]) => `${k}=${text(v)}`)
          .join(',');
      case 'K':
        return String(record.key === null ? -1 : record.key.length);
      case 'S':
        return String(record.value === null ? -1 : record.value.length);
      case '%':
        return '%';
      default:
        throw new Error(`unknown token %${token} in --format (known: %t %p %o %k %v %s %T %h %K %S %%)`);
    }
  });
}

/** One JSON object per record (kcat's -J): offsets as strings, bytes as UTF-8 text, null kept. */
export function jsonRecord(record: PrintableRecord): string {
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value === null ? null : record.value.toString('utf8'),
    headers: Object.fromEntries(
      Object.entries(record.headers).map(([k, v]) => [k, v === null ? null : v.toString('utf8')]),
    ),
  });
}
