import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCompatibilityDoc } from './compatibility-doc.js';

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
});
