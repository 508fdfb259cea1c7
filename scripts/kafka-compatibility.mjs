// Writes docs/KAFKA-COMPATIBILITY.md from the broker's served Kafka APIs (build first).
import { writeFileSync } from 'node:fs';
import { renderCompatibilityDoc } from '../apps/broker/dist/kafka/compatibility-doc.js';

const target = new URL('../docs/KAFKA-COMPATIBILITY.md', import.meta.url);
writeFileSync(target, renderCompatibilityDoc());
console.log(`wrote ${target.pathname}`);
