import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * The Microsoft 365 Agents Toolkit CLI (@microsoft/m365agentstoolkit-cli, a dev dependency installed with
 * --ignore-scripts: its optional keychain dependency needs a native build) checks the project with what it bundles:
 * the project file schema its provision/deploy read, and the Teams manifest schemas of `atk validate`.
 */
const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const cliRoot = dirname(createRequire(import.meta.url).resolve('@microsoft/m365agentstoolkit-cli/package.json'));
const atk = join(cliRoot, 'cli.js');

/** Values as provision leaves them in env/.env.<env> (made up; the shapes Teams requires). */
const PROVISIONED = { TEAMS_APP_ID: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', BOT_ID: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6', BOT_DOMAIN: 'bkbotabc123.azurewebsites.net' };

/**
 * Preloaded into the CLI: connections to anything but this machine fail at once, and are listed on stderr. The CLI
 * tries its telemetry and experimentation hosts even with --telemetry false; the check must pass without them.
 */
const NO_NETWORK = `
import net from 'node:net';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
  if (o.path === undefined && !['127.0.0.1', 'localhost', '::1', undefined].includes(o.host)) {
    process.stderr.write('refused network: ' + o.host + ':' + o.port + '\\n');
    process.nextTick(() => this.destroy(new Error('no network in this test')));
    return this;
  }
  return connect.apply(this, args);
};
`;

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/**
 * What F5's first provision step writes to env/.env.local, which is each developer's and git-ignored: the
 * `::set-teamsfx-env` lines of its `node scripts/env-defaults.mjs …`.
 */
function localSharedSettings(): string {
  const step = (parseYaml(readFileSync(join(repo, 'm365agents.local.yml'), 'utf8')) as { provision: { uses: string; with: { run: string } }[] }).provision[0]!;
  expect(step.uses).toBe('script');
  const [, script, ...args] = step.with.run.split(' ');
  const { stdout } = spawnSync(process.execPath, [join(repo, script!), ...args], { cwd: repo, env: {}, encoding: 'utf8' });
  return [...stdout.matchAll(/^::set-teamsfx-env (\w+=.*)$/gm)].map((m) => m[1]!).join('\n');
}

/** The project's Toolkit files in a temp dir, with env/.env.<env> filled as after provision. */
function provisionedCopy(env: string, values: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `bookings-bot-atk-${env}-`));
  copies.push(dir);
  for (const entry of ['appPackage', 'env', 'm365agents.yml', 'm365agents.local.yml', 'aad.manifest.json', 'package.json']) cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  // Not this checkout's own env/.env.local (if F5 ever ran here): the one provision writes from nothing.
  if (env === 'local') writeFileSync(join(dir, 'env', '.env.local'), `TEAMSFX_ENV=local\n${localSharedSettings()}\n`);
  appendFileSync(join(dir, 'env', `.env.${env}`), `\n${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  writeFileSync(join(dir, 'no-network.mjs'), NO_NETWORK);
  return dir;
}

async function validate(dir: string, env: string): Promise<{ code: number; output: string }> {
  const args = [atk, 'validate', '--manifest-file', 'appPackage/manifest.json', '--env', env, '--folder', dir, '--telemetry', 'false', '--interactive', 'false'];
  const options = { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, NODE_OPTIONS: `--import=${join(dir, 'no-network.mjs')}` }, timeout: 90_000 };
  try {
    const { stdout, stderr } = await run(process.execPath, args, options);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the Agents Toolkit CLI\'s own checks', () => {
  it.each(['m365agents.yml', 'm365agents.local.yml', 'm365agents.playground.yml'])('%s is valid against the v1.11 project schema the CLI bundles', (file) => {
    const text = readFileSync(join(repo, file), 'utf8');
    expect(text).toContain('$schema=https://aka.ms/m365-agents-toolkits/v1.11/yaml.schema.json');
    const schema = JSON.parse(readFileSync(join(cliRoot, 'resource', 'yaml-schema', 'v1.11', 'yaml.schema.json'), 'utf8')) as object;
    const check = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const valid = check(parseYaml(text));
    expect(check.errors ?? [], JSON.stringify(check.errors, null, 1)).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each(['local', 'dev', 'prod'])('`atk validate --manifest-file appPackage/manifest.json --env %s` passes, offline, once provision has filled the env', async (env) => {
    const { code, output } = await validate(provisionedCopy(env, PROVISIONED), env);
    expect(output).toContain('All passed');
    expect(code, output).toBe(0);
  }, 120_000);

  it('and fails, naming the field, on a value Teams would refuse or a placeholder nobody filled', async () => {
    const badId = await validate(provisionedCopy('dev', { ...PROVISIONED, BOT_ID: 'bookings-bot' }), 'dev');
    expect(badId.code).not.toBe(0);
    expect(badId.output).toContain('/webApplicationInfo/id must match pattern');
    const unfilled = await validate(provisionedCopy('prod', { TEAMS_APP_ID: PROVISIONED.TEAMS_APP_ID, BOT_ID: PROVISIONED.BOT_ID }), 'prod');
    expect(unfilled.code).not.toBe(0);
    expect(unfilled.output).toContain("Missing environment variables 'BOT_DOMAIN'");
  }, 120_000);
});
