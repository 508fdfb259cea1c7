// @fjord/config: plumbing of Fjord's server processes: how they read their configuration,
// and how they run until a signal stops them.
export { CONFIG_FILE_ENV, type ConfigResult, type LoadConfigOptions, loadConfig } from './load-config.js';
export { envName, flagName, keyOfFlag } from './names.js';
export { type LifecycleLogger, type ServeOptions, serveUntilSignal } from './serve.js';
export { EXIT_BAD_CONFIG, type SettleOptions, settleConfig } from './settle.js';
export { usageText } from './usage.js';
