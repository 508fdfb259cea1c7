/**
 * @fjord/sdk/internal: building blocks for the tools inside the Fjord repository (CLI, testkit,
 * bench) and their tests. No compatibility promise: applications use `@fjord/sdk`.
 *
 * @packageDocumentation
 */

export { ERROR_CLASSES, fromGrpcError, protocolError, throwAll } from './errors.js';
export * from './index.js';
export { childLogger, fromFjordLogger, type Logger, silentLogger } from './logger.js';
export {
  CONSUMER_OPTIONS_SCHEMA,
  FJORD_OPTIONS_SCHEMA,
  PRODUCER_OPTIONS_SCHEMA,
  parseOptions,
  RETRY_SCHEMA,
  type ResolvedConsumerOptions,
  type ResolvedFjordOptions,
  type ResolvedProducerOptions,
} from './options.js';
export { backoffMs, type Clock, type RetryOptions, retry, systemClock } from './retry.js';
