// `npm run playground`: the bot in local mode plus the Microsoft 365 Agents Playground pointed at it.
// Ctrl+C stops both. Without a display (a server, CI) the Playground does not try to open a browser.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const port = process.env.PORT ?? '3978';
const endpoint = `http://127.0.0.1:${port}/api/messages`;
const children = [];
const run = (args, env = {}) => {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(child);
  child.on('exit', (code) => stop(code ?? 0));
  return child;
};
let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run(['--disable-warning=DEP0111', '--import', 'tsx', 'src/index.ts'], { PORT: port });
for (let i = 0; i < 100; i++) {
  if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
  await sleep(200);
}
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
run(['node_modules/@microsoft/m365agentsplayground/cli.js', '-e', endpoint, '-c', 'msteams', '--dt'], headless ? { TEAMSAPPTESTER_BROWSER: 'none' } : {});
