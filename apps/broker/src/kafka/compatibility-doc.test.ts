import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCompatibilityDoc } from './compatibility-doc.js';
import { JAVA_4_OLDEST_VERSION } from './java-clients.js';
import { servedKafkaApis } from './kafka-apis.js';

const DOC = new URL('../../../../docs/KAFKA-COMPATIBILITY.md', import.meta.url);

describe('docs/KAFKA-COMPATIBILITY.md', () => {
  it('is what the code serves (regenerate with `pnpm kafka:compat`)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderCompatibilityDoc());
  });

  it('lists every served API with a range inside what Kafka defines', () => {
    const doc = renderCompatibilityDoc();
    for (const name of ['Produce', 'Fetch', 'Metadata', 'JoinGroup', 'OffsetCommit', 'ApiVersions']) {
      expect(doc).toMatch(new RegExp(`\\| ${name} \\| \\d+–\\d+ \\|`));
    }
  });

  it('serves every API at a version Kafka 4.0’s Java clients still speak (KIP-896)', () => {
    for (const api of servedKafkaApis()) {
      const oldest = JAVA_4_OLDEST_VERSION.get(api.apiKey) ?? 0;
      expect({ apiKey: api.apiKey, reachesJava4: api.maxVersion >= oldest }).toEqual({
        apiKey: api.apiKey,
        reachesJava4: true,
      });
    }
  });
});
