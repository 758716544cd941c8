import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { HAND_LIST_CLICK, temporaryAuditDir } from '../helpers/botHarness.js';
import { BotProcess } from '../helpers/botProcess.js';
import { freePort } from '../helpers/freePort.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { LOOPBACK_ONLY_NODE_OPTIONS } from '../helpers/loopbackOnly.js';

const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * A copy of the project (its own files; node_modules linked) in a temp dir, so `npm run build` and `npm run package`
 * write their dist/ and build/ there and not into the working tree.
 */
function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bookings-bot-project-'));
  for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'appPackage', 'env']) cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** `npm run <script>` as a person types it, in its own process group so the whole tree can be stopped as Ctrl+C does. */
function npmRun(script: string, cwd: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', ['run', '--silent', script], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { child, output: () => text };
}

/** Ctrl+C: SIGINT to the script's process group (npm and everything it started); resolves when npm has exited. */
async function interrupt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGINT');
  await exited;
}

const reachable = (url: string) => fetch(url).then(
  (r) => r.status,
  () => 'refused',
);

/** docs/configuration.md, "Scripts": each npm script does what the table says, started as a person starts it. */
describe('the npm scripts', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('`npm run build` compiles to dist/ (cards, strings and pages beside it), and `node dist/index.js` serves a turn', async () => {
    const dir = projectCopy();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await run('npm', ['run', '--silent', 'build'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });

    const bot = new BotProcess('built', 'dist/index.js', { PORT: '0', LOCAL_GRAPH_PORT: '0', AUDIT_DIR: temporaryAuditDir() }, [], true, dir);
    cleanups.push(() => bot.stop());
    await bot.start();
    expect(JSON.parse(bot.logs[0]!)).toMatchObject({ mode: 'local' });
    const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HAND_LIST_CLICK) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; value: { body: { text?: string }[] } };
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.value.body[0]!.text).toBe('Your upcoming appointments');
    // The built bot, not the sources: no tsx loader in its command line.
    expect(readFileSync(`/proc/${bot.pid}/cmdline`, 'utf8').split('\0')).toEqual([process.execPath, '--disable-warning=DEP0111', 'dist/index.js', '']);
  }, 120_000);

  it('`npm run stage-deploy` leaves build/deploy/ as the App Service runs it: `node dist/index.js`, production dependencies only, serving a turn', async () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    // tsx and TypeScript are dev tools; `npm start` (after `npm install`, which installs them) still runs the sources.
    for (const tool of ['tsx', 'typescript']) {
      expect(pkg.dependencies[tool], tool).toBeUndefined();
      expect(pkg.devDependencies[tool], tool).toBeDefined();
    }
    expect(pkg.scripts.start).toContain('--import tsx src/index.ts');

    const dir = projectCopy();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    await run('npm', ['run', '--silent', 'build'], { cwd: dir, env });
    await run('npm', ['run', '--silent', 'stage-deploy'], { cwd: dir, env });
    const staged = join(dir, 'build', 'deploy');
    expect(readdirSync(staged).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    for (const devOnly of ['tsx', 'typescript', 'vitest', 'azurite', '@microsoft/m365agentstoolkit-cli']) expect(existsSync(join(staged, 'node_modules', devOnly)), devOnly).toBe(false);
    for (const runtime of Object.keys(pkg.dependencies)) expect(existsSync(join(staged, 'node_modules', runtime)), runtime).toBe(true);

    const bot = new BotProcess('staged', 'dist/index.js', { PORT: '0', LOCAL_GRAPH_PORT: '0', AUDIT_DIR: temporaryAuditDir() }, [], true, staged);
    cleanups.push(() => bot.stop());
    await bot.start();
    const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HAND_LIST_CLICK) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { value: { body: { text?: string }[] } }).value.body[0]!.text).toBe('Your upcoming appointments');
    expect(readFileSync(`/proc/${bot.pid}/cwd/package.json`, 'utf8')).toBe(readFileSync(join(staged, 'package.json'), 'utf8'));
  }, 240_000);

  it('`npm run local-graph` serves the local Graph alone on LOCAL_GRAPH_PORT: its token endpoint and the Bookings API', async () => {
    const port = await freePort();
    const { child, output } = npmRun('local-graph', repo, { LOCAL_GRAPH_PORT: String(port) });
    cleanups.push(() => interrupt(child));
    const url = `http://127.0.0.1:${port}/`;
    await expect.poll(output, { timeout: 20_000 }).toContain(`Local Graph Bookings service on ${url}`);

    const token = (await (await fetch(`${url}local/token`, { method: 'POST', body: JSON.stringify({ user: ADELE }) })).json()) as { access_token: string };
    const businesses = await fetch(`${url}v1.0/solutions/bookingBusinesses`, { headers: { Authorization: `Bearer ${token.access_token}` } });
    expect(businesses.status).toBe(200);
    expect(((await businesses.json()) as { value: { id: string }[] }).value.map((b) => b.id)).toContain(CONTOSO);

    await interrupt(child);
    expect(await reachable(url)).toBe('refused');
  });

  it('`npm run playground` starts the bot and the Agents Playground pointed at it; Ctrl+C stops both', async () => {
    // The Playground's port is fixed by the script (56150, README); it must be free.
    expect(await reachable('http://127.0.0.1:56150/')).toBe('refused');
    const port = await freePort();
    // No display: the script tells the Playground not to open a browser. The preload keeps both on 127.0.0.1.
    const { child, output } = npmRun('playground', repo, { PORT: String(port), LOCAL_GRAPH_PORT: '0', AUDIT_DIR: temporaryAuditDir(), NODE_OPTIONS: LOOPBACK_ONLY_NODE_OPTIONS });
    cleanups.push(() => interrupt(child));

    await expect.poll(() => reachable('http://127.0.0.1:56150/'), { timeout: 30_000, interval: 250 }).toBe(200);
    // The bot it started: local mode, on PORT, answering a turn.
    expect(output()).toContain(`"url":"http://127.0.0.1:${port}/api/messages"`);
    const response = await fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HAND_LIST_CLICK) });
    expect(((await response.json()) as { value: { body: { text?: string }[] } }).value.body[0]!.text).toBe('Your upcoming appointments');

    await interrupt(child);
    expect(await reachable('http://127.0.0.1:56150/')).toBe('refused');
    await expect.poll(() => reachable(`http://127.0.0.1:${port}/healthz`)).toBe('refused');
    expect(output()).toContain('Bookings Bot stopped');
  }, 60_000);

  it('`npm run package -- --env dev` builds build/appPackage.zip: manifest with the env\'s values, the Chinese strings and both icons', async () => {
    const dir = projectCopy();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const BOT_ID = '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6';
    const values = { TEAMS_APP_ID: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', BOT_ID, BOT_DOMAIN: 'bookings-bot.contoso.com' };
    const { stdout } = await run('npm', ['run', '--silent', 'package', '--', '--env', 'dev'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...values } });
    expect(stdout).toContain('build/appPackage.zip');

    const zip = await JSZip.loadAsync(readFileSync(join(dir, 'build', 'appPackage.zip')));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png', 'zh-cn.json']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ id: values.TEAMS_APP_ID, bots: [{ botId: BOT_ID, scopes: ['personal'] }], webApplicationInfo: { id: BOT_ID, resource: `api://botid-${BOT_ID}` } });
    expect(manifest.validDomains).toContain(values.BOT_DOMAIN);
    // env/.env.dev's APP_NAME_SUFFIX.
    expect(manifest).toMatchObject({ name: { short: 'Bookings Botdev' } });
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(manifest.localizationInfo).toMatchObject({ defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'zh-cn', file: 'zh-cn.json' }] });
    expect(Object.values(JSON.parse(await zip.file('zh-cn.json')!.async('string')) as Record<string, string>)).toContain('预约');
    const png = async (name: string) => PNG.sync.read(Buffer.from(await zip.file(name)!.async('uint8array')));
    const [color, outline] = [await png('color.png'), await png('outline.png')];
    expect([color.width, color.height, outline.width, outline.height]).toEqual([192, 192, 32, 32]);
    // The outline icon is white on transparent: every pixel white, with some transparent and some not.
    const alphas = new Set<number>();
    for (let i = 0; i < outline.data.length; i += 4) {
      if (outline.data[i + 3]! > 0) expect([outline.data[i], outline.data[i + 1], outline.data[i + 2]]).toEqual([255, 255, 255]);
      alphas.add(outline.data[i + 3]!);
    }
    expect(alphas.has(0) && [...alphas].some((a) => a > 0)).toBe(true);
  }, 60_000);
});
