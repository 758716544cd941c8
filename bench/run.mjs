// `npm run bench`: makes a throwaway loopback certificate (MSAL talks only to https authorities, and the local
// Entra ID stand-in serves https), then runs the benchmark in a Node process that trusts it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

const dir = mkdtempSync(join(tmpdir(), 'bookings-bench-tls-'));
const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
  keySize: 2048,
  algorithm: 'sha256',
  extensions: [{ name: 'basicConstraints', cA: true }, { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
writeFileSync(join(dir, 'cert.pem'), pems.cert);
writeFileSync(join(dir, 'key.pem'), pems.private);
const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', 'bench/bench.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), TEST_TLS_DIR: dir },
});
child.on('exit', (code) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 1);
});
