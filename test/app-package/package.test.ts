import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppPackageError, assembleAppPackage, writeAppPackage } from '../../src/app-package/build.js';

const repo = new URL('../../', import.meta.url).pathname;
const BOT_ID = '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6';
const valid = { TEAMS_APP_ID: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', BOT_ID, BOT_DOMAIN: 'bookings-bot.contoso.com' };

/** A copy of the repo's appPackage/ and env/ in a temp dir, so a test can break things without touching the real ones. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'app-package-'));
  cpSync(join(repo, 'appPackage'), join(dir, 'appPackage'), { recursive: true });
  cpSync(join(repo, 'env'), join(dir, 'env'), { recursive: true });
  return dir;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppPackageError);
    return (error as AppPackageError).problems;
  }
  throw new Error('expected AppPackageError');
}

describe('the Teams app package', () => {
  let root: string;
  beforeEach(() => {
    root = workspace();
    // The schemas are the bundled copies: any attempt to fetch one fails the test.
    vi.stubGlobal('fetch', () => Promise.reject(new Error('network is blocked in this test')));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    rmSync(root, { recursive: true, force: true });
  });

  it('validates against the bundled v1.22 schemas and zips manifest, localization and icons at the root', async () => {
    const pkg = assembleAppPackage({ root, env: 'dev', overrides: valid });
    const zip = await JSZip.loadAsync(readFileSync(await writeAppPackage(pkg, root)));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png', 'zh-cn.json']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<string, unknown> & { name: { short: string } };
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(manifest).toMatchObject({ manifestVersion: '1.22', id: valid.TEAMS_APP_ID, bots: [{ botId: BOT_ID, scopes: ['personal'] }] });
    expect(manifest.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://botid-${BOT_ID}` });
    expect(manifest.validDomains).toEqual(['token.botframework.com', 'bookings-bot.contoso.com']);
    expect(manifest.name.short).toBe('Bookings Botdev');
    const zh = JSON.parse(await zip.file('zh-cn.json')!.async('string')) as Record<string, string>;
    expect(zh['bots[0].commandLists[0].commands[0].title']).toBe('预约');
    const color = PNG.sync.read(Buffer.from(await zip.file('color.png')!.async('uint8array')));
    const outline = PNG.sync.read(Buffer.from(await zip.file('outline.png')!.async('uint8array')));
    expect([color.width, color.height, outline.width, outline.height]).toEqual([192, 192, 32, 32]);
  });

  it('lets Teams open a regional Token Service\'s sign-in pages: its token domain joins validDomains', () => {
    expect(assembleAppPackage({ root, env: 'dev', overrides: valid }).manifest.validDomains).toEqual(['token.botframework.com', 'bookings-bot.contoso.com']);
    const europe = assembleAppPackage({ root, env: 'dev', overrides: { ...valid, BOT_TOKEN_SERVICE_URL: 'https://europe.api.botframework.com' } });
    expect(europe.manifest.validDomains).toEqual(['token.botframework.com', 'bookings-bot.contoso.com', 'europe.token.botframework.com']);
    const usGov = assembleAppPackage({ root, env: 'dev', overrides: { ...valid, BOT_TOKEN_SERVICE_URL: 'https://api.botframework.azure.us' } });
    expect(usGov.manifest.validDomains).toContain('token.botframework.azure.us');
  });

  it('names production plainly: an empty APP_NAME_SUFFIX is allowed', () => {
    expect(assembleAppPackage({ root, env: 'prod', overrides: valid }).manifest).toMatchObject({ name: { short: 'Bookings Bot' } });
  });

  it('refuses unresolved placeholders, naming each one and the env file', () => {
    expect(problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: { BOT_ID } }))).toEqual([
      "manifest.json: ${{BOT_DOMAIN}} has no value in env/.env.dev (the bot's host name, e.g. bookings-bot.contoso.com)",
      "manifest.json: ${{TEAMS_APP_ID}} has no value in env/.env.dev (the Teams app's id, a GUID)",
    ]);
  });

  it('refuses a bot id that is not a GUID, and one that differs from the bot configuration', () => {
    expect(problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: { ...valid, BOT_ID: 'my-bot' } }))).toEqual(
      expect.arrayContaining(["BOT_ID must be the bot's Entra application (client) id, a GUID, got \"my-bot\""]),
    );
    const other = '00000000-1111-4222-8333-444444444444';
    expect(problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: { ...valid, MicrosoftAppId: other } }))).toEqual([
      `MicrosoftAppId (${other}) differs from BOT_ID (${BOT_ID}): the bot and its manifest must use one app id`,
    ]);
  });

  it('refuses a manifest the schema rejects (missing botId) or with a resource Teams SSO cannot use', () => {
    const path = join(root, 'appPackage', 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { bots: Record<string, unknown>[]; webApplicationInfo: { resource: string } };
    delete manifest.bots[0]!.botId;
    manifest.webApplicationInfo.resource = 'api://${{BOT_ID}}';
    writeFileSync(path, JSON.stringify(manifest));
    const problems = problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: valid }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^manifest\.json\/bots\/0 must have required property 'botId'/),
        `webApplicationInfo.resource must be "api://botid-${BOT_ID}" (Teams SSO requires the botid- form)`,
      ]),
    );
  });

  it('refuses a localization file the bundled localization schema rejects', () => {
    const path = join(root, 'appPackage', 'zh-cn.json');
    writeFileSync(path, JSON.stringify({ 'name.short': '预约机器人', 'description.short': 'x', 'description.full': 'y', 'bots[7].title': 'nope' }));
    expect(problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: valid }))).toEqual([expect.stringMatching(/^zh-cn\.json must NOT have additional properties/)]);
  });

  it('refuses icons of the wrong size or an outline that is not white on transparent', () => {
    const wrong = new PNG({ width: 64, height: 64 });
    wrong.data.fill(128);
    writeFileSync(join(root, 'appPackage', 'outline.png'), PNG.sync.write(wrong));
    expect(problemsOf(() => assembleAppPackage({ root, env: 'dev', overrides: valid }))).toEqual([
      'outline.png must be 32×32, is 64×64',
      'outline.png must be white on a transparent background',
    ]);
  });

  it('says which environment is missing', () => {
    // env/.env.local is there once F5 has provisioned on this machine (it is each developer's, git-ignored).
    expect(problemsOf(() => assembleAppPackage({ root, env: 'staging', overrides: valid }))).toEqual([expect.stringMatching(/^env\/\.env\.staging does not exist \(environments: dev, (local, )?playground, prod\)$/)]);
  });
});
