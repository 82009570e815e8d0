import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

/** A TLS server whose certificate can be swapped while it runs (https.Server, tls.Server). */
export interface ReloadableServer {
  setSecureContext(options: SecureContextOptions): void;
}

export interface TlsFilePaths {
  cert: string;
  key: string;
  /** Authorities whose client certificates are accepted (mutual TLS). */
  ca?: string;
}

/**
 * A server's certificate, key (and client CA) read from files, and read again when they change:
 * certificates are renewed (cert-manager, certbot, a rotated secret) without a restart. Files are
 * polled, not watched with inotify, because a Kubernetes secret is swapped by a symlink change that
 * inotify on the file does not see. A pair that does not load (mid-write, key and cert not matching)
 * is logged and the running one kept; the next change is tried again.
 */
export class TlsFiles {
  private current: SecureContextOptions;
  private readonly servers = new Set<ReloadableServer>();
  private watching = false;

  constructor(
    private readonly paths: TlsFilePaths,
    private readonly logger: Logger,
    private readonly pollMs = 10_000,
  ) {
    this.current = this.read(); // at start a broken file is fatal: the app says so and does not start
  }

  /** The options for `https.createServer` / `tls.createServer`. */
  get options(): SecureContextOptions {
    return this.current;
  }

  /** Gives `server` every future reload; the files are polled while at least one server follows them. */
  follow(server: ReloadableServer): () => void {
    this.servers.add(server);
    if (!this.watching) {
      this.watching = true;
      for (const file of this.files()) watchFile(file, { interval: this.pollMs, persistent: false }, this.reload);
    }
    return () => {
      this.servers.delete(server);
      if (this.servers.size === 0 && this.watching) {
        this.watching = false;
        for (const file of this.files()) unwatchFile(file, this.reload);
      }
    };
  }

  private readonly reload = (): void => {
    try {
      this.current = this.read();
    } catch (error) {
      this.logger.error({ event: 'tls.reload_failed', files: this.paths, err: (error as Error).message }, 'TLS files changed but do not load: the running certificate is kept');
      return;
    }
    for (const server of this.servers) server.setSecureContext(this.current);
    this.logger.info({ event: 'tls.reloaded', files: this.paths }, 'TLS certificate reloaded');
  };

  private files(): string[] {
    return [this.paths.cert, this.paths.key, ...(this.paths.ca ? [this.paths.ca] : [])];
  }

  private read(): SecureContextOptions {
    const options: SecureContextOptions = { cert: readFileSync(this.paths.cert), key: readFileSync(this.paths.key), ...(this.paths.ca ? { ca: readFileSync(this.paths.ca) } : {}) };
    createSecureContext(options); // throws when the key does not match the certificate
    return options;
  }
}
