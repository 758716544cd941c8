/**
 * For processes the tests start but cannot configure, such as the Agents Playground (it listens on every interface,
 * on a port `npm run playground` fixes): NODE_OPTIONS that preload a patch of net.Server#listen, so that a server
 * naming no host listens on 127.0.0.1. Child processes inherit it with the environment.
 */
const PRELOAD = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (first !== null && typeof first === 'object') {
    if (first.host === undefined && first.path === undefined && first.fd === undefined && !('_handle' in first)) args[0] = { ...first, host: '127.0.0.1' };
  } else if ((first === undefined || typeof first === 'number' || /^[0-9]+$/.test(String(first))) && typeof second !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
`;

export const LOOPBACK_ONLY_NODE_OPTIONS = `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`;
