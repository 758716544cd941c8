import net from 'node:net';

/**
 * Keeps a test process on loopback: every TCP connection (http, https, undici, tls) to a host that is not loopback
 * is refused before a packet leaves (no DNS lookup either) and noted. Tests here may reach 127.0.0.0/8 and ::1 only.
 *
 * Why: @azure/monitor-opentelemetry 1.18.1 asks the Azure VM metadata service (http://169.254.169.254) for resource
 * attributes as soon as useAzureMonitor() runs, whatever the options (its InternalConfig runs azureVmDetector), and
 * its statsbeat, unless APPLICATION_INSIGHTS_NO_STATSBEAT is set, asks the same address and later posts to
 * Microsoft's own statsbeat endpoints. A test that starts the distro installs this first.
 */
export interface EgressGuard {
  /** host:port of every connection refused, in order. */
  readonly attempts: string[];
  /** Puts net.Socket#connect back. */
  restore: () => void;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost|::ffff:127(\.\d{1,3}){3})$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

/** Where a Socket#connect call goes: host and port, or a Unix socket path (always allowed). */
function targetOf(args: unknown[]): { host: string; port: string } | 'ipc' {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net.connect hands over its normalized [options, cb]
  if (first !== null && typeof first === 'object') {
    const o = first as { host?: string; port?: number | string; path?: string | null };
    // As net does (pipe = !!path): http's Agent hands over path: null for a TCP connection.
    if (o.path) return 'ipc';
    return { host: o.host ?? 'localhost', port: String(o.port ?? '') };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return 'ipc';
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: String(first) };
}

/** In this process: from now on until restore(). */
export function installEgressGuard(): EgressGuard {
  const original = Reflect.get(net.Socket.prototype, 'connect') as Connect;
  const attempts: string[] = [];
  const guarded: Connect = function (this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target === 'ipc' || isLoopback(target.host)) return original.apply(this, args);
    attempts.push(`${target.host}:${target.port}`);
    const error = Object.assign(new Error(`egress guard: ${target.host}:${target.port} is not loopback; tests stay on this machine`), { code: 'ECONNREFUSED' });
    process.nextTick(() => this.destroy(error));
    return this;
  };
  (net.Socket.prototype as unknown as { connect: Connect }).connect = guarded;
  return {
    attempts,
    restore: () => {
      (net.Socket.prototype as unknown as { connect: Connect }).connect = original;
    },
  };
}

const PRELOAD = `
import net from 'node:net';
const connect = net.Socket.prototype.connect;
const loopback = ${LOOPBACK.toString()};
net.Socket.prototype.connect = function (...args) {
  let first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host = 'localhost', port = '';
  if (first !== null && typeof first === 'object') { if (first.path) return connect.apply(this, args); host = first.host ?? 'localhost'; port = String(first.port ?? ''); }
  else if (typeof first === 'string' && !/^\\d+$/.test(first)) return connect.apply(this, args);
  else { port = String(first); if (typeof args[1] === 'string') host = args[1]; }
  if (loopback.test(host.replace(/^\\[|\\]$/g, ''))) return connect.apply(this, args);
  process.stderr.write('egress guard: refused ' + host + ':' + port + '\\n');
  process.nextTick(() => this.destroy(Object.assign(new Error('egress guard: ' + host + ':' + port + ' is not loopback'), { code: 'ECONNREFUSED' })));
  return this;
};
`;

/**
 * The same for a child process (the bot under test): NODE_OPTIONS that preload it. Each refusal is written to the
 * child's stderr as "egress guard: refused host:port".
 */
export const EGRESS_GUARD_NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`;
