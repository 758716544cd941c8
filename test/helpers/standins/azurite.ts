import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
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

  get connectionString(): string {
    return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${this.port}/${ACCOUNT};`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
    const child = spawn(
      process.execPath,
      [main, '--blobHost', '127.0.0.1', '--blobPort', String(this.port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--loose', '--silent'],
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

