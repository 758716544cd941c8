import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';

import { start } from '../../src/index.js';
import { captureLogs, HAND_LIST_CLICK, temporaryAuditDir } from '../helpers/botHarness.js';
import { startFlags } from '../helpers/nodeFlags.js';

const root = new URL('../../', import.meta.url);

/** Runs the bot as `npm start` does (same node flags and entry point), with the given environment. */
function launch(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...startFlags(), '--import', 'tsx', 'src/index.ts'], {
    cwd: root,
    // No .env is read in tests: dotenv never overrides variables that are set, and these are all set.
    env: { PATH: process.env.PATH, PORT: '0', LOCAL_GRAPH_PORT: '0', AUDIT_DIR: temporaryAuditDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { child, output: () => text };
}

describe('the bot process', () => {
  it('starts in local mode, serves a turn, and stops cleanly on SIGTERM', async () => {
    const { child, output } = launch({});
    await expect.poll(() => /"url":"(http:\/\/127\.0\.0\.1:\d+)\/api\/messages"/.exec(output())?.[1], { timeout: 20_000 }).toBeTruthy();
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/api\/messages"/.exec(output())![1]!;
    expect(JSON.parse(output().split('\n')[0]!)).toMatchObject({ mode: 'local', level: 30 });

    const response = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(HAND_LIST_CLICK),
    });
    expect(((await response.json()) as { value: { body: { text: string }[] } }).value.body[0]!.text).toBe('Your upcoming appointments');

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(output()).toContain('Bookings Bot stopped');
  });

  it('reports the names a .env file sets that are no setting of the bot (each would be ignored), and starts', async () => {
    const { logs, logDestination } = captureLogs();
    const bot = await start({ PORT: '0', LOCAL_GRAPH_PORT: '0', AUDIT_DIR: temporaryAuditDir() }, { logDestination, envFileNames: ['PORT', 'BOT_ID', 'LIST_SIZE'] });
    await bot.stop();
    const warning = logs.map((l) => JSON.parse(l) as { level: number; unknown?: string[] }).find((l) => l.unknown);
    expect(warning).toMatchObject({ level: 40, unknown: ['BOT_ID', 'LIST_SIZE'] });
  });

  it('refuses an unknown LOCAL_USER at start, naming the seeded users, instead of asking for a sign-in that does not exist', async () => {
    const { child, output } = launch({ LOCAL_USER: 'nobody@contoso.onmicrosoft.com' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output()).toContain('LOCAL_USER: nobody@contoso.onmicrosoft.com is not in the local directory; the seeded users are AdeleV@contoso.onmicrosoft.com');
    expect(output()).not.toMatch(/\n\s+at /);
  });

  it.each(['PORT', 'LOCAL_GRAPH_PORT'])('a %s that another process holds is named, not shown as a stack trace', async (setting) => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const { child, output } = launch({ [setting]: String(port) });
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(1);
      expect(output()).toContain(`${setting}: port ${port} is in use by another process`);
      expect(output()).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  });

  it('refuses to start with a clear message naming the bad variable', async () => {
    const { child, output } = launch({ PORT: 'eighty', GRAPH_API_VERSION: 'v9' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output()).toContain('PORT:');
    expect(output()).toContain('GRAPH_API_VERSION:');
    expect(output()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses to start in production mode without the OAuth connection, naming it, without echoing the secret', async () => {
    const { child, output } = launch({
      MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6',
      MicrosoftAppPassword: 'hunter2-not-a-secret',
      MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(output()).toContain('OAUTH_CONNECTION_NAME: required');
    expect(output()).not.toContain('hunter2');
  });
});
