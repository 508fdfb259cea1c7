import { randomUUID } from 'node:crypto';

/**
 * A name no other test uses, e.g. `randomName('orders')` -> `orders-3f2b…`. Tests never
 * share topics or groups (a leftover from another test would change what they observe).
 * The result is a valid topic name (`[a-zA-Z0-9._-]`) as long as the prefix is.
 */
export function randomName(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}
