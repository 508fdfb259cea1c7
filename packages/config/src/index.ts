// @fjord/config: how Fjord's server processes read their configuration.
export { CONFIG_FILE_ENV, type ConfigResult, type LoadConfigOptions, loadConfig } from './load-config.js';
export { envName, flagName, keyOfFlag } from './names.js';
export { EXIT_BAD_CONFIG, type SettleOptions, settleConfig } from './settle.js';
export { usageText } from './usage.js';
