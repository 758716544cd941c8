import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../freePort.js';

/** Azurite's well-known development account (published in its README; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * Azurite, the official Azure Storage emulator, as a child process holding its blobs in memory, on 127.0.0.1.
 * It can be stopped and started again on the same port, which is how tests make storage unreachable and bring it back.
 */
export class Azurite {
  private child?: ChildProcess;
  port = 0;

  /**
   * `oauth`: Azurite's `--oauth basic` over https with the test certificate (tlsSetup.ts): it then accepts bearer
   * tokens for Azure Storage (checking their audience, issuer and lifetime, not their signature) besides the key.
   */
  constructor(private readonly options: { oauth?: boolean } = {}) {}

  /** The account's Blob endpoint (STORAGE_ACCOUNT_URL), path-style as Azurite serves it. */
  get accountUrl(): string {
    return `${this.options.oauth ? 'https' : 'http'}://127.0.0.1:${this.port}/${ACCOUNT}`;
  }

  get connectionString(): string {
    return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${this.accountUrl};`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
    const tls = process.env.TEST_TLS_DIR;
    if (this.options.oauth && !tls) throw new Error('TEST_TLS_DIR is not set: run the tests through vitest (globalSetup makes the certificate)');
    const oauth = this.options.oauth ? ['--oauth', 'basic', '--cert', join(tls!, 'cert.pem'), '--key', join(tls!, 'key.pem')] : [];
    const child = spawn(
      process.execPath,
      [main, '--blobHost', '127.0.0.1', '--blobPort', String(this.port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--loose', '--silent', ...oauth],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`Azurite exited with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.includes('successfully listens')) resolve();
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

