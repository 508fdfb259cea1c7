import { readFileSync, type Stats, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

/** The PEM files of this node's TLS identity (`--ssl-certificate-file`, `--ssl-key-file`, `--ssl-ca-file`). */
export interface TlsFiles {
  readonly certificateFile: string;
  readonly keyFile: string;
  /** The CA bundle client certificates are checked against (absent: client certificates are not checked). */
  readonly caFile?: string;
}

/** How often the files are checked for a rotation; a rotated certificate applies to new connections. */
const WATCH_INTERVAL_MS = 1_000;

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** Reads the files into secure-context options, checking that they form a usable context. */
export function loadTlsFiles(files: TlsFiles): SecureContextOptions {
  const options: SecureContextOptions = {
    cert: read(files.certificateFile, 'certificate'),
    key: read(files.keyFile, 'key'),
    ...(files.caFile === undefined ? {} : { ca: read(files.caFile, 'CA') }),
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new Error(
      `the TLS files do not form a usable identity (certificate ${files.certificateFile}, key ${files.keyFile}): ${(error as Error).message}`,
    );
  }
  return options;
}

/**
 * The node's TLS files, read once at start (a bad file stops the start with a message naming
 * it) and again whenever one of them changes, so that rotated certificates are used for new
 * connections without a restart. A rotation caught half-written (the certificate already new,
 * the key still old) is logged and skipped; the next change of either file retries it.
 *
 * Stand-in for the server kit's watched `TlsFiles` (issue #13 contract) until it lands.
 */
export class WatchedTlsFiles {
  #options: SecureContextOptions;
  readonly #files: TlsFiles;
  readonly #listener: (current: Stats, previous: Stats) => void;
  readonly #watched: string[];

  constructor(files: TlsFiles, logger: Logger, onChange: (options: SecureContextOptions) => void) {
    this.#files = files;
    this.#options = loadTlsFiles(files);
    this.#watched = [files.certificateFile, files.keyFile, ...(files.caFile ? [files.caFile] : [])];
    this.#listener = (current, previous) => {
      if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
      try {
        this.#options = loadTlsFiles(this.#files);
      } catch (error) {
        logger.warn({ err: error }, 'kafka listener: rotated TLS files not applied');
        return;
      }
      logger.info({ certificateFile: files.certificateFile }, 'kafka listener: TLS files reloaded');
      onChange(this.#options);
    };
    for (const file of this.#watched) watchFile(file, { interval: WATCH_INTERVAL_MS }, this.#listener);
  }

  /** The current certificate, key and CA. */
  get options(): SecureContextOptions {
    return this.#options;
  }

  close(): void {
    for (const file of this.#watched) unwatchFile(file, this.#listener);
  }
}
