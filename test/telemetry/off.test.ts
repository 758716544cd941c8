import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HAND_LIST_CLICK } from '../helpers/botHarness.js';
import { EGRESS_GUARD_NODE_OPTIONS } from '../helpers/standins/egressGuard.js';
import { IngestionStandIn } from '../helpers/standins/ingestion.js';

const repo = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bookings-telemetry-off-'));

/**
 * A module hook that notes every module of OpenTelemetry or the distro an ESM import resolves (the bot's own imports
 * are ESM, so the first import of either from src/ is seen here).
 */
const hook = join(dir, 'hook.mjs');
writeFileSync(
  hook,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/node_modules\\/(@opentelemetry|@azure\\/monitor-opentelemetry)/.test(resolved.url)) appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}`,
);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);

/** The bot started in local mode in a process of its own, one list clicked, stopped; what was loaded, and its lines. */
async function runBot(env: Record<string, string>): Promise<{ loaded: string[]; lines: Record<string, unknown>[] }> {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const script = `
import { Writable } from 'node:stream';
const { start } = await import(${JSON.stringify(pathToFileURL(join(repo, 'src/index.ts')).href)});
const lines = [];
const logDestination = new Writable({ write(chunk, _enc, done) { lines.push(...chunk.toString().split('\\n').filter(Boolean)); done(); } });
const bot = await start({ PORT: '0', LOCAL_GRAPH_PORT: '0', AUDIT_DIR: ${JSON.stringify(join(dir, 'audit'))}, ...JSON.parse(process.env.BOT_ENV) }, { logDestination });
const response = await fetch(bot.url + '/api/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(${JSON.stringify({ ...HAND_LIST_CLICK, id: 'off-1' })}) });
await response.text();
await bot.stop();
process.stdout.write(JSON.stringify(lines.map((l) => JSON.parse(l))));
`;
  // Not spawnSync: the ingestion stand-in answers from this process while the bot runs.
  const { stdout } = await promisify(execFile)(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', '--import', pathToFileURL(register).href, '--input-type=module', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, NODE_OPTIONS: EGRESS_GUARD_NODE_OPTIONS, LOADED_LOG: log, BOT_ENV: JSON.stringify(env), APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', TMPDIR: dir },
  });
  return { loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean), lines: JSON.parse(stdout) as Record<string, unknown>[] };
}

describe('telemetry off (no APPLICATIONINSIGHTS_CONNECTION_STRING)', () => {
  const stand = new IngestionStandIn();
  afterAll(async () => {
    await stand.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads nothing of OpenTelemetry or the distro, and local mode logs as before (no trace, no user hash)', async () => {
    const { loaded, lines } = await runBot({});
    expect(loaded).toEqual([]);
    const handled = lines.find((l) => l.msg === 'action handled' && l.turn === 'off-1')!;
    expect(handled).toMatchObject({ verb: 'appointments.list', conversation: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(Object.keys(handled)).not.toContain('trace');
    expect(Object.keys(handled)).not.toContain('user');
  });

  it('with the setting, the distro is loaded and the same turn\'s lines carry its trace id', async () => {
    await stand.start();
    const { loaded, lines } = await runBot({ APPLICATIONINSIGHTS_CONNECTION_STRING: stand.connectionString() });
    expect(loaded.some((url) => url.includes('/@azure/monitor-opentelemetry/'))).toBe(true);
    expect(lines.find((l) => l.msg === 'action handled' && l.turn === 'off-1')).toMatchObject({ trace: expect.stringMatching(/^[0-9a-f]{32}$/) });
    // And its turn reached the stand-in (the stop flushed it).
    expect(stand.requests.map((r) => r.data?.baseData?.name)).toEqual(['invoke appointments.list']);
  });
});
