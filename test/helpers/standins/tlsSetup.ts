import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

/**
 * vitest globalSetup: a throwaway certificate for 127.0.0.1, trusted by the test workers through
 * NODE_EXTRA_CA_CERTS (read when a worker process starts, so it is set here, before any worker exists).
 * MSAL only talks to https authorities, so the local Entra ID stand-in serves https with it.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'bookings-bot-tls-'));
  const notAfter = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private);
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'cert.pem');
  process.env.TEST_TLS_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
