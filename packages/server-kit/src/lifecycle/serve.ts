/** The logger calls serveUntilSignal makes (pino's shape). */
export interface LifecycleLogger {
  info(fields: object, message: string): void;
  info(message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
}

export interface ServeOptions<T> {
  /** Process name for log lines, e.g. `broker`. */
  name: string;
  logger: LifecycleLogger;
  start: () => Promise<T>;
  stop: (server: T) => Promise<void>;
}

/**
 * Runs a server process: starts it, and on SIGTERM or SIGINT stops it and exits 0 (1 if
 * stopping failed). The handlers go in before `start()`: a supervisor may signal as soon as
 * it reads the `listening` line, which start() logs, and a signal without a handler would kill
 * the process with stores still open. Further signals while stopping are ignored (a terminal's
 * Ctrl-C and a supervisor's SIGTERM often arrive together). A failed start exits 1.
 */
export async function serveUntilSignal<T>(options: ServeOptions<T>): Promise<void> {
  const { name, logger } = options;
  const started = options.start();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    started.then(options.stop).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await started;
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
