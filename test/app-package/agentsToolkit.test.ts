import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const repo = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
interface ToolkitProject {
  version: string;
  provision?: Step[];
  deploy?: Step[];
  publish?: Step[];
}

/**
 * What F5's first provision step writes for everyone (env/.env.local is each developer's and git-ignored): the
 * `::set-teamsfx-env` lines of `node scripts/env-defaults.mjs …`, run with an empty environment.
 */
function localSharedSettings(): Record<string, string> {
  const step = projects['m365agents.local.yml']!.provision![0]!;
  expect(step.uses).toBe('script');
  const [, script, ...args] = String(step.with!.run).split(' ');
  const { stdout } = spawnSync(process.execPath, [join(repo, script!), ...args], { cwd: repo, env: {}, encoding: 'utf8' });
  return Object.fromEntries([...stdout.matchAll(/^::set-teamsfx-env (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

const projects: Record<string, ToolkitProject> = {
  'm365agents.yml': parseYaml(read('m365agents.yml')) as ToolkitProject,
  'm365agents.local.yml': parseYaml(read('m365agents.local.yml')) as ToolkitProject,
  'm365agents.playground.yml': parseYaml(read('m365agents.playground.yml')) as ToolkitProject,
};

/** The Microsoft 365 Agents Toolkit files must agree with the manifest, the env files, the scripts and the bot's config. */
describe('Agents Toolkit project files', () => {
  it.each(Object.entries(projects))('%s is a toolkit v1.11 project whose paths exist', (_file, project) => {
    expect(project.version).toBe('v1.11');
    const steps = [...(project.provision ?? []), ...(project.deploy ?? []), ...(project.publish ?? [])];
    for (const step of steps.filter((s) => typeof s.with?.manifestPath === 'string')) {
      expect(existsSync(join(repo, step.with!.manifestPath as string))).toBe(true);
    }
  });

  it('provisions every id the manifest needs, and the bot runs with the same app id the manifest uses for SSO', () => {
    const local = projects['m365agents.local.yml']!;
    const written = new Set((local.provision ?? []).flatMap((s) => Object.values(s.writeToEnvironmentFile ?? {})));
    for (const name of Object.keys(localSharedSettings())) written.add(name);
    const placeholders = new Set([...read('appPackage/manifest.json').matchAll(/\$\{\{(\w+)\}\}/g)].map((m) => m[1]!));
    // BOT_DOMAIN comes from the dev tunnel task.
    for (const name of placeholders) expect(written.has(name) || name === 'BOT_DOMAIN', name).toBe(true);
    const botEnv = local.deploy!.find((s) => s.uses === 'file/createOrUpdateEnvironmentFile')!.with!;
    expect(botEnv.target).toBe('./.env');
    expect(botEnv.envs).toMatchObject({ MicrosoftAppId: '${{BOT_ID}}', MicrosoftAppPassword: '${{SECRET_BOT_PASSWORD}}', OAUTH_CONNECTION_NAME: '${{OAUTH_CONNECTION_NAME}}' });
    expect(localSharedSettings()).toEqual({ APP_NAME_SUFFIX: 'local', OAUTH_CONNECTION_NAME: 'bookings-sso' });
    expect(read('appPackage/manifest.json')).toContain('"resource": "api://botid-${{BOT_ID}}"');
  });

  it('commits an env file for each shared environment, keeps secrets out of them, and leaves env/.env.local to each developer', () => {
    for (const env of ['dev', 'prod', 'playground']) {
      const values = parseEnv(read(`env/.env.${env}`));
      expect(values.TEAMSFX_ENV).toBe(env);
      expect(Object.keys(values).filter((k) => k.startsWith('SECRET_'))).toEqual([]);
    }
    const ignored = (path: string) => spawnSync('git', ['check-ignore', '--no-index', '-q', path], { cwd: repo }).status === 0;
    expect(ignored('env/.env.dev.user')).toBe(true);
    expect(ignored('env/.env.local')).toBe(true);
    expect(ignored('env/.env.dev')).toBe(false);
  });

  it('wires F5 and the Playground to tasks and npm scripts that exist', () => {
    const parseJsonc = (path: string) => ts.parseConfigFileTextToJson(path, read(path)).config as Record<string, unknown>;
    const tasks = (parseJsonc('.vscode/tasks.json').tasks as { label: string; command?: string; dependsOn?: string[] }[]) ?? [];
    const labels = new Set(tasks.map((t) => t.label));
    for (const task of tasks) for (const dependency of task.dependsOn ?? []) expect(labels.has(dependency), dependency).toBe(true);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const task of tasks.filter((t) => t.command?.startsWith('npm '))) {
      const script = task.command === 'npm start' ? 'start' : task.command!.replace(/^npm run /, '');
      expect(scripts[script], task.command).toBeDefined();
    }
    const launch = parseJsonc('.vscode/launch.json').configurations as { preLaunchTask: string }[];
    for (const configuration of launch) expect(labels.has(configuration.preLaunchTask)).toBe(true);
  });
});
