import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import { DEFAULT_SSL_RELOAD_INTERVAL_MS } from './security-settings.js';
import type { TlsFiles } from './server-security.js';

/** The PEM contents of a node's TLS files, as node:tls takes them. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}

/**
 * Reads the files and checks that node:tls accepts them together (a key that does not match
 * the certificate, a file that is not PEM), so a bad file is refused with its name rather than
 * on the first connection.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterial {
  const material: TlsMaterial = {
    cert: readPem(files.certificateFile, 'certificate'),
    key: readPem(files.keyFile, 'private key'),
    ...(files.caFile === undefined ? {} : { ca: readPem(files.caFile, 'CA') }),
  };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new Error(
      `TLS files ${files.certificateFile}, ${files.keyFile}${files.caFile ? `, ${files.caFile}` : ''} are not usable together: ${(error as Error).message}`,
    );
  }
  return material;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return (
    a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca ?? Buffer.alloc(0)).equals(b.ca ?? Buffer.alloc(0))
  );
}

/** Options of {@link TlsFileWatcher}. */
export interface TlsFileWatcherOptions {
  readonly reloadIntervalMs?: number;
  /**
   * A reloaded file set that cannot be used; the previous one stays in use. Called once per
   * distinct problem (not at every interval while the files stay bad). Default: a process
   * warning (`FJORD_TLS_RELOAD`) on stderr, so that a refused rotation is never silent.
   */
  readonly onError?: (error: Error) => void;
}

/** The warning code of a refused reload when the watcher's owner gave no `onError`. */
export const TLS_RELOAD_WARNING_CODE = 'FJORD_TLS_RELOAD';

function warnRefusedReload(error: Error): void {
  process.emitWarning(`TLS files not reloaded, the previous ones stay in use: ${error.message}`, {
    code: TLS_RELOAD_WARNING_CODE,
  });
}

/**
 * A node's TLS files, read at creation (throwing when they are not usable) and again every
 * `reloadIntervalMs` while someone listens. A new set is handed on only when it changed and
 * is usable as a whole; a set caught half-written (a new certificate with the old key) or a
 * missing file is reported and the last good set stays, so a rotation never leaves a
 * listener without credentials. (grpc-js's own FileWatcherCertificateProvider drops every
 * new connection until the files are good again.)
 */
export class TlsFileWatcher {
  private material: TlsMaterial;
  private readonly listeners = new Set<(material: TlsMaterial) => void>();
  private timer: NodeJS.Timeout | undefined;
  private readonly reloadIntervalMs: number;
  /** The problem of the last refused reload, until a reload succeeds: reported once. */
  private refusedWith: string | undefined;

  constructor(
    readonly files: TlsFiles,
    private readonly options: TlsFileWatcherOptions = {},
  ) {
    this.material = readTlsMaterial(files);
    this.reloadIntervalMs = options.reloadIntervalMs ?? DEFAULT_SSL_RELOAD_INTERVAL_MS;
  }

  /** The set in use. */
  current(): TlsMaterial {
    return this.material;
  }

  /** Calls `listener` with every new usable set; returns the function that stops it. */
  subscribe(listener: (material: TlsMaterial) => void): () => void {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => this.reload(), this.reloadIntervalMs);
    this.timer.unref();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Reads the files now (the timer does this every interval). */
  reload(): void {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(this.files);
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== this.refusedWith) (this.options.onError ?? warnRefusedReload)(error as Error);
      this.refusedWith = problem;
      return;
    }
    this.refusedWith = undefined;
    if (sameMaterial(material, this.material)) return;
    this.material = material;
    for (const listener of this.listeners) listener(material);
  }
}

/**
 * The watcher as grpc-js's certificate provider (identity and CA), for
 * `createCertificateProviderServerCredentials`.
 */
export function certificateProviderOf(watcher: TlsFileWatcher): grpc.experimental.CertificateProvider {
  const identity = new Map<grpc.experimental.IdentityCertificateUpdateListener, () => void>();
  const ca = new Map<grpc.experimental.CaCertificateUpdateListener, () => void>();
  const identityOf = (m: TlsMaterial) => ({ certificate: m.cert, privateKey: m.key });
  const caOf = (m: TlsMaterial) => (m.ca ? { caCertificate: m.ca } : null);
  return {
    addIdentityCertificateListener(listener) {
      identity.set(
        listener,
        watcher.subscribe((m) => listener(identityOf(m))),
      );
      process.nextTick(listener, identityOf(watcher.current()));
    },
    removeIdentityCertificateListener(listener) {
      identity.get(listener)?.();
      identity.delete(listener);
    },
    addCaCertificateListener(listener) {
      ca.set(
        listener,
        watcher.subscribe((m) => listener(caOf(m))),
      );
      process.nextTick(listener, caOf(watcher.current()));
    },
    removeCaCertificateListener(listener) {
      ca.get(listener)?.();
      ca.delete(listener);
    },
  };
}
