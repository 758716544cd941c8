import { spawnSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EGRESS_GUARD_NODE_OPTIONS, installEgressGuard, isLoopback } from '../helpers/standins/egressGuard.js';

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

/**
 * Underneath the guard, a sentinel in place of the real connect: it never connects off loopback either, so a guard
 * that let a connection through fails this test without a packet leaving the machine.
 */
function installSentinel(): { through: string[]; restore: () => void } {
  const original = Reflect.get(net.Socket.prototype, 'connect') as Connect;
  const through: string[] = [];
  (net.Socket.prototype as unknown as { connect: Connect }).connect = function (this: net.Socket, ...args: unknown[]) {
    const first = (Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0]) as { host?: string; path?: string | null } | number;
    const host = typeof first === 'object' ? first.host : typeof args[1] === 'string' ? args[1] : 'localhost';
    if (typeof first === 'object' && first.path) return original.apply(this, args);
    if (host !== undefined && !isLoopback(host)) {
      through.push(host);
      process.nextTick(() => this.destroy(new Error('sentinel')));
      return this;
    }
    return original.apply(this, args);
  };
  return { through, restore: () => ((net.Socket.prototype as unknown as { connect: Connect }).connect = original) };
}

const SENTINEL_PRELOAD = `--import=data:text/javascript,${encodeURIComponent(`
import net from 'node:net';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const host = typeof first === 'object' ? first.host : args[1];
  if (typeof first === 'object' && first.path) return connect.apply(this, args);
  if (host && !/^(127\\.|::1$|localhost$)/.test(host)) { process.stderr.write('sentinel: let through ' + host + '\\n'); process.nextTick(() => this.destroy(new Error('sentinel'))); return this; }
  return connect.apply(this, args);
};`)}`;

function get(options: { host: string; port: number; path?: string }): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ ...options, path: options.path ?? '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
    req.end();
  });
}

describe('the egress guard', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length > 0) cleanups.pop()!();
  });

  it('refuses http to any host off loopback (no DNS either) and notes it; loopback and Unix sockets go through', async () => {
    const sentinel = installSentinel();
    cleanups.push(sentinel.restore);
    const guard = installEgressGuard();
    cleanups.push(guard.restore);
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const port = (server.address() as AddressInfo).port;

    expect(await get({ host: '169.254.169.254', port: 80, path: '/metadata/instance/compute' })).toBe('error ECONNREFUSED');
    expect(await get({ host: 'westus-0.in.applicationinsights.azure.com', port: 443 })).toBe('error ECONNREFUSED');
    expect(await get({ host: '127.0.0.1', port })).toBe('status 200');
    expect(await new Promise((resolve) => net.connect(80, '192.0.2.1').on('error', (e: NodeJS.ErrnoException) => resolve(e.code)))).toBe('ECONNREFUSED');
    expect(guard.attempts).toEqual(['169.254.169.254:80', 'westus-0.in.applicationinsights.azure.com:443', '192.0.2.1:80']);
    expect(sentinel.through).toEqual([]);
  });

  it('knows loopback', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['169.254.169.254', '10.0.0.1', '192.168.1.1', '0.0.0.0', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('as NODE_OPTIONS, does the same in a child process and says so on its stderr', () => {
    const script = `const http = require('node:http');
http.get('http://169.254.169.254/metadata/instance/compute').on('error', (e) => { console.log('child:', e.code); });`;
    const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: `${SENTINEL_PRELOAD} ${EGRESS_GUARD_NODE_OPTIONS}` }, encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout.trim()).toBe('child: ECONNREFUSED');
    expect(child.stderr).toContain('egress guard: refused 169.254.169.254:80');
    expect(child.stderr).not.toContain('sentinel');
  });
});
