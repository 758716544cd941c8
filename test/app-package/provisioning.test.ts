import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config/config.js';
import { runtimeFlags } from '../helpers/nodeFlags.js';

/**
 * "From a fresh tenant to a first cancel with one provisioning command": what `atk provision` applies (aad.manifest.json,
 * infra/*.bicep with their parameter files, m365agents*.yml) must hold together before anyone runs it against a
 * tenant. Nothing here reaches Azure: these are the checks that can be made on the files.
 */
const repo = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(repo, path), 'utf8');
const json = <T>(path: string) => JSON.parse(read(path)) as T;

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
interface Project {
  provision?: Step[];
  deploy?: Step[];
}
interface EntraManifest {
  id: string;
  appId: string;
  signInAudience: string;
  identifierUris: string[];
  api: {
    oauth2PermissionScopes: { id: string; value: string; type: string; isEnabled: boolean }[];
    preAuthorizedApplications: { appId: string; delegatedPermissionIds: string[] }[];
  };
  web: { redirectUris: string[] };
  publicClient?: { redirectUris: string[] };
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
}
interface Parameters {
  parameters: Record<string, { value: unknown }>;
}
interface PermissionsFixture {
  source: { published: string; read: string };
  resourceAppId: string;
  delegated: Record<string, { id: string }>;
}

const placeholders = (text: string) => new Set([...text.matchAll(/\$\{\{ *(\w+) *\}\}/g)].map((m) => m[1]!));
const project = (file: string) => parseYaml(read(file)) as Project;

const entra = json<EntraManifest>('aad.manifest.json');
const teams = json<{ webApplicationInfo: { id: string; resource: string }; bots: { botId: string }[] }>('appPackage/manifest.json');
const fixture = json<PermissionsFixture>('test/fixtures/graph-delegated-permissions.json');

/** Which project file, Bicep template and parameter file each environment provisions with. */
const environments = {
  local: { project: 'm365agents.local.yml', bicep: 'infra/azure.local.bicep', parameters: 'infra/azure.parameters.local.json' },
  dev: { project: 'm365agents.yml', bicep: 'infra/azure.bicep', parameters: 'infra/azure.parameters.json' },
  prod: { project: 'm365agents.yml', bicep: 'infra/azure.bicep', parameters: 'infra/azure.parameters.json' },
} as const;

const TEAMS_CLIENTS = { desktopAndMobile: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', web: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346' };
const GRAPH = '00000003-0000-0000-c000-000000000000';
/** https://learn.microsoft.com/entra/identity-platform/reference-microsoft-graph-app-manifest#signinaudience-attribute */
const AUDIENCE_OF_APP_TYPE = { SingleTenant: 'AzureADMyOrg', MultiTenant: 'AzureADMultipleOrgs' } as const;

/** Bicep, read as text: `param name type [= default]` with the decorators above it, and `output NAME`. */
function bicep(path: string) {
  const text = read(path);
  const params = new Map<string, { hasDefault: boolean; secure: boolean }>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^param (\w+) \w+( =)?/.exec(line);
    if (!m) return;
    let secure = false;
    for (let j = i - 1; j >= 0 && lines[j]!.startsWith('@'); j--) if (lines[j]!.startsWith('@secure()')) secure = true;
    params.set(m[1]!, { hasDefault: m[2] !== undefined, secure });
  });
  const outputs = [...text.matchAll(/^output (\w+) /gm)].map((m) => m[1]!);
  return { text, params, outputs };
}

/**
 * Where the value of a placeholder comes from when `atk provision --env <env>` reaches a step: env/.env.<env>, an
 * earlier action's writeToEnvironmentFile or Bicep outputs (arm/deploy writes those), or the Toolkit itself.
 */
function provenance(env: keyof typeof environments) {
  const file = parseEnv(read(`env/.env.${env}`));
  const known = new Map<string, string>();
  for (const [name, value] of Object.entries(file)) if (value !== '') known.set(name, 'env file');
  // Empty on purpose (env/.env.prod says so): the production app is called plain "Bookings Bot".
  if (file.APP_NAME_SUFFIX === '') known.set('APP_NAME_SUFFIX', 'env file (empty on purpose)');
  // Toolkit built-ins: empty, the Toolkit asks for the subscription and the resource group (m365agents.yml comments).
  for (const name of ['AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME']) if (name in file) known.set(name, 'asked by the Toolkit');
  if (env === 'local') {
    // F5's "Start local tunnel" task writes the tunnel's URL and host before provision runs.
    const tasks = ts.parseConfigFileTextToJson('.vscode/tasks.json', read('.vscode/tasks.json')).config as { tasks: { label: string; args?: { ports?: { writeToEnvironmentFile?: Record<string, string> }[] } }[] };
    const tunnel = tasks.tasks.find((t) => t.label === 'Start local tunnel')!;
    for (const name of Object.values(tunnel.args!.ports![0]!.writeToEnvironmentFile!)) known.set(name, 'dev tunnel task');
  }
  return known;
}

/** The placeholders a step needs, with the files it reads (Entra manifest, Bicep parameters, Teams manifest). */
function needs(step: Step): Set<string> {
  const found = placeholders(JSON.stringify(step.with ?? {}));
  const add = (path: string) => placeholders(read(path)).forEach((p) => found.add(p));
  if (step.uses === 'aadApp/update') add(step.with!.manifestPath as string);
  if (step.uses === 'arm/deploy') for (const t of step.with!.templates as { parameters: string }[]) add(t.parameters);
  if (typeof step.with?.manifestPath === 'string' && step.uses.startsWith('teamsApp/')) {
    add(step.with.manifestPath);
    add('appPackage/zh-cn.json');
  }
  return found;
}

/** What a step leaves in the environment for the steps after it. */
function writes(step: Step): string[] {
  const names = Object.values(step.writeToEnvironmentFile ?? {});
  // aadApp/update generates the scope id when the manifest uses ${{AAD_APP_ACCESS_AS_USER_PERMISSION_ID}} and the
  // env has none, and writes it (fx-core src/component/driver/aad/utility/buildAadManifest.ts, loadManifest).
  if (step.uses === 'aadApp/update') names.push('AAD_APP_ACCESS_AS_USER_PERMISSION_ID');
  if (step.uses === 'arm/deploy') for (const t of step.with!.templates as { path: string }[]) names.push(...bicep(t.path.replace(/^\.\//, '')).outputs);
  return names;
}

describe('provisioning: the Entra app as code (aad.manifest.json)', () => {
  it('names the app provision created and exposes api://botid-<BOT_ID>, the resource the Teams manifest asks SSO tokens for', () => {
    expect(entra.id).toBe('${{BOT_OBJECT_ID}}');
    expect(entra.appId).toBe('${{BOT_ID}}');
    expect(entra.identifierUris).toEqual(['api://botid-${{BOT_ID}}']);
    expect(teams.webApplicationInfo).toEqual({ id: '${{BOT_ID}}', resource: entra.identifierUris[0] });
    expect(teams.bots[0]!.botId).toBe(entra.appId);
  });

  it('has the access_as_user scope, pre-authorized for the Teams desktop/mobile and web clients and nothing else', () => {
    const scopes = entra.api.oauth2PermissionScopes;
    expect(scopes).toMatchObject([{ value: 'access_as_user', type: 'User', isEnabled: true, id: '${{AAD_APP_ACCESS_AS_USER_PERMISSION_ID}}' }]);
    expect(entra.api.preAuthorizedApplications).toEqual([
      { appId: TEAMS_CLIENTS.desktopAndMobile, delegatedPermissionIds: [scopes[0]!.id] },
      { appId: TEAMS_CLIENTS.web, delegatedPermissionIds: [scopes[0]!.id] },
    ]);
  });

  it('lets the Token Service and the consent card return to the app', () => {
    expect(entra.web.redirectUris).toEqual(['https://token.botframework.com/.auth/web/redirect']);
    expect(entra.publicClient?.redirectUris).toEqual(['https://login.microsoftonline.com/common/oauth2/nativeclient']);
  });

  it('asks for the Graph delegated permissions the bot uses, by their published ids, and for nothing else', () => {
    expect(fixture.source.published).toMatch(/^https:\/\/learn\.microsoft\.com\/graph\/permissions-reference/);
    expect(fixture.resourceAppId).toBe(GRAPH);
    expect(entra.requiredResourceAccess).toHaveLength(1);
    const graph = entra.requiredResourceAccess[0]!;
    expect(graph.resourceAppId).toBe(GRAPH);
    expect(graph.resourceAccess.every((a) => a.type === 'Scope')).toBe(true);
    const byId = new Map(Object.entries(fixture.delegated).map(([name, p]) => [p.id, name]));
    const asked = graph.resourceAccess.map((a) => byId.get(a.id) ?? `unknown id ${a.id}`);
    expect(asked.sort()).toEqual(Object.keys(fixture.delegated).sort());
    // The bot's own default GRAPH_SCOPES (what on-behalf-of asks for) are all among them.
    const production = loadConfig({ MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6', MicrosoftAppPassword: 'x', MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', OAUTH_CONNECTION_NAME: 'c' }).mode;
    if (production.kind !== 'production') throw new Error('expected production mode');
    for (const scope of production.graphScopes) expect(asked, scope).toContain(scope.replace('https://graph.microsoft.com/', ''));
    // What the OAuth connection's sign-in needs besides.
    for (const scope of ['openid', 'profile', 'offline_access']) expect(asked).toContain(scope);
  });

  it('is applied with aadApp/update after aadApp/create, before the Azure resources, locally and for dev/prod', () => {
    for (const file of ['m365agents.local.yml', 'm365agents.yml']) {
      const steps = project(file).provision!.map((s) => s.uses);
      const update = project(file).provision!.find((s) => s.uses === 'aadApp/update')!;
      expect(update.with).toEqual({ manifestPath: './aad.manifest.json', outputFilePath: './build/aad.manifest.${{TEAMSFX_ENV}}.json' });
      expect(steps.indexOf('aadApp/create')).toBeLessThan(steps.indexOf('aadApp/update'));
      expect(steps.indexOf('aadApp/update')).toBeLessThan(steps.indexOf('arm/deploy'));
      expect(steps).not.toContain('botFramework/create');
    }
  });

  it('signs in the audience that MicrosoftAppType says, everywhere it is said', () => {
    const appTypes = new Set<string>();
    for (const env of Object.values(environments)) appTypes.add(json<Parameters>(env.parameters).parameters.microsoftAppType!.value as string);
    const localEnv = project('m365agents.local.yml').deploy!.find((s) => s.uses === 'file/createOrUpdateEnvironmentFile')!.with!.envs as Record<string, string>;
    appTypes.add(localEnv.MicrosoftAppType!);
    expect([...appTypes]).toEqual(['SingleTenant']);
    const audience = AUDIENCE_OF_APP_TYPE.SingleTenant;
    expect(entra.signInAudience).toBe(audience);
    for (const file of ['m365agents.local.yml', 'm365agents.yml']) expect(project(file).provision!.find((s) => s.uses === 'aadApp/create')!.with!.signInAudience).toBe(audience);
    // The bot's own default.
    expect(loadConfig({ MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6', MicrosoftAppPassword: 'x', MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', OAUTH_CONNECTION_NAME: 'c' }).mode).toMatchObject({ appType: 'SingleTenant' });
  });
});

describe('provisioning: the Azure resources as code (infra/)', () => {
  it('gives every Bicep parameter without a default a value, and no value to a parameter that does not exist', () => {
    for (const env of Object.values(environments)) {
      const { params } = bicep(env.bicep);
      const given = Object.keys(json<Parameters>(env.parameters).parameters);
      for (const name of given) expect(params.has(name), `${env.parameters}: ${name}`).toBe(true);
      for (const [name, p] of params) if (!p.hasDefault) expect(given, `${env.bicep}: ${name}`).toContain(name);
    }
  });

  it('creates the OAuth connection whose Token Exchange URL is the identifier URI, with the scope the sign-in asks for', () => {
    for (const env of Object.values(environments)) {
      const parameters = json<Parameters>(env.parameters).parameters;
      expect(parameters.ssoResource!.value).toBe(entra.identifierUris[0]);
      expect(parameters.ssoResource!.value).toBe(teams.webApplicationInfo.resource);
      expect(parameters.botAadAppClientId!.value).toBe('${{BOT_ID}}');
      expect(parameters.oauthConnectionName!.value).toBe('${{OAUTH_CONNECTION_NAME}}');
      // The secret only as a placeholder (env/.env.<env>.user), into a @secure() parameter.
      expect(parameters.botAadAppClientSecret!.value).toBe('${{SECRET_BOT_PASSWORD}}');
      expect(bicep(env.bicep).params.get('botAadAppClientSecret')).toMatchObject({ secure: true });
      expect(bicep(env.bicep).text).toMatch(/module azureBotRegistration '\.\/botRegistration\/azurebot\.bicep'/);
    }
    const bot = bicep('infra/botRegistration/azurebot.bicep');
    expect(bot.params.get('botAadAppClientSecret')).toMatchObject({ secure: true });
    const connection = bot.text.slice(bot.text.indexOf("'Microsoft.BotService/botServices/connections@"));
    expect(connection).toContain("serviceProviderDisplayName: 'Azure Active Directory v2'");
    expect(connection).toContain("serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'");
    expect(connection).toContain('name: oauthConnectionName');
    expect(connection).toMatch(/key: 'tokenExchangeUrl'\s+value: ssoResource\s/);
    expect(connection).toContain("scopes: '${ssoResource}/access_as_user'");
    expect(entra.api.oauth2PermissionScopes[0]!.value).toBe('access_as_user');
    // The Azure Bot: single tenant by default, the Teams channel.
    expect(bot.text).toContain("param microsoftAppType string = 'SingleTenant'");
    expect(bot.text).toContain('msaAppType: microsoftAppType');
    expect(bot.text).toContain("channelName: 'MsTeamsChannel'");
    for (const env of ['local', 'dev', 'prod']) expect(parseEnv(read(`env/.env.${env}`)).OAUTH_CONNECTION_NAME).toBe('bookings-sso');
  });

  it('hosts dev/prod on a Linux App Service running the built bot on Node 20, HTTPS only, health-checked on /healthz', () => {
    const { text } = bicep('infra/azure.bicep');
    expect(text).toContain("linuxFxVersion: 'NODE|20-lts'");
    // With the runtime flags npm start has (a young generation sized for concurrent turns: docs/benchmarks.md).
    expect(runtimeFlags()).not.toEqual([]);
    expect(text).toContain(`appCommandLine: 'node ${runtimeFlags().join(' ')} dist/index.js'`);
    expect(text).toContain("healthCheckPath: '/healthz'");
    expect(text).toContain('httpsOnly: true');
    expect(text).toContain('reserved: true // Linux');
    expect(text).toContain("messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'");
    // Its app settings are the bot's own variables (docs/configuration.md) or the host's.
    const settings = [...text.matchAll(/\{ name: '(\w+)', value: ('[^']*'|\w+)/g)].map((m) => ({ name: m[1]!, value: m[2]! }));
    const host = ['NODE_ENV', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'WEBSITE_RUN_FROM_PACKAGE'];
    for (const { name } of settings) expect(ENV_VARIABLES.includes(name) || host.includes(name), name).toBe(true);
    const names = settings.map((s) => s.name);
    for (const name of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'OAUTH_CONNECTION_NAME', 'STORAGE_ACCOUNT_URL', 'STORAGE_CONTAINER', 'AUDIT_DIR']) expect(names).toContain(name);
    expect(settings.find((s) => s.name === 'MicrosoftAppPassword')!.value).toBe('botAadAppClientSecret');
    expect(names).not.toContain('STORAGE_CONNECTION_STRING');
    // The deploy step finds the App Service through this output.
    expect(bicep('infra/azure.bicep').outputs).toContain('BOT_AZURE_APP_SERVICE_RESOURCE_ID');
  });

  it('for several instances, a storage account without keys, the README\'s lifecycle rule, and Blob access for the App Service\'s identity', () => {
    const { text } = bicep('infra/storage.bicep');
    expect(text).toContain('allowSharedKeyAccess: false');
    // "Storage Blob Data Contributor", on the container, for the web app's system-assigned identity.
    expect(text).toContain("var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'");
    expect(text).toMatch(/resource blobAccess 'Microsoft\.Authorization\/roleAssignments@[\d-]+' = \{\s+scope: container\s/);
    expect(bicep('infra/azure.bicep').text).toContain('readerWriterPrincipalId: webApp.identity.principalId');
    expect(bicep('infra/azure.bicep').text).toContain("type: 'SystemAssigned'");
    // The same rule as docs/instances.md shows, for the configured container.
    const documented = JSON.parse(/## Expiring old state[\s\S]*?```json\n([\s\S]*?)```/.exec(read('docs/instances.md'))![1]!) as { rules: { name: string; definition: { filters: { prefixMatch: string[] }; actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: number } } } } }[] };
    const rule = documented.rules[0]!;
    expect(text).toContain(`name: '${rule.name}'`);
    for (const prefix of rule.definition.filters.prefixMatch) expect(text).toContain(`'${prefix.replace(/^bookings-bot\//, '${containerName}/')}'`);
    expect(text).toContain(`daysAfterModificationGreaterThan: ${rule.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan}`);
  });
});

describe('provisioning: every placeholder has a value when its step runs', () => {
  it.each(Object.keys(environments) as (keyof typeof environments)[])('env %s: provision and deploy, step by step', (env) => {
    const known = provenance(env);
    const { project: file } = environments[env];
    const steps = [...(project(file).provision ?? []), ...(project(file).deploy ?? [])];
    const missing: string[] = [];
    for (const step of steps) {
      const self = step.uses === 'aadApp/update' ? ['AAD_APP_ACCESS_AS_USER_PERMISSION_ID'] : [];
      for (const name of needs(step)) if (!known.has(name) && !self.includes(name)) missing.push(`${step.uses}: ${name}`);
      for (const name of writes(step)) known.set(name, step.uses);
    }
    expect(missing).toEqual([]);
    // Written by an action, not committed: the ids and the secret.
    for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'BOT_OBJECT_ID', 'BOT_TENANT_ID', 'SECRET_BOT_PASSWORD']) expect(known.get(name), name).toMatch(/^(teamsApp|aadApp)\//);
    if (env !== 'local') expect(known.get('BOT_DOMAIN')).toBe('arm/deploy');
  });
});

describe('provisioning: the manual fallback (docs/sign-in.md) says what the files say', () => {
  it('names the same URI, scope, Teams clients, redirect URIs, permissions and OAuth connection', () => {
    const doc = read('docs/sign-in.md');
    const manual = doc.slice(doc.indexOf('## Register the bot and set up sign-in'), doc.indexOf('## The Teams app package'));
    const byAppId = (value: string) => value.replace('${{BOT_ID}}', '{appId}');
    expect(manual).toContain(`\`${byAppId(entra.identifierUris[0]!)}\``);
    expect(manual).toContain(`name \`${entra.api.oauth2PermissionScopes[0]!.value}\``);
    for (const client of entra.api.preAuthorizedApplications) expect(manual).toContain(`\`${client.appId}\``);
    for (const uri of [...entra.web.redirectUris, ...(entra.publicClient?.redirectUris ?? [])]) expect(manual).toContain(`\`${uri}\``);
    for (const name of Object.keys(fixture.delegated)) expect(manual, name).toContain(`\`${name}\``);
    expect(manual).toContain('*Accounts in\n   this organizational directory only* (single tenant)');
    expect(manual).toContain('**Single Tenant**');
    const connection = manual.slice(manual.indexOf('**OAuth connection**'));
    expect(connection).toContain(`\`${parseEnv(read('env/.env.dev')).OAUTH_CONNECTION_NAME}\` (= \`OAUTH_CONNECTION_NAME\`)`);
    expect(connection).toContain('**Azure Active Directory v2**');
    expect(connection).toContain(`*Token Exchange URL*: \`${byAppId(json<Parameters>('infra/azure.parameters.json').parameters.ssoResource!.value as string)}\``);
    expect(connection).toContain(`*Scopes*: \`${byAppId(entra.identifierUris[0]!)}/access_as_user\``);
  });
});

describe('provisioning: the one admin-consent link', () => {
  it('`npm run consent-link` prints the tenant-wide consent URL for the provisioned app, returning to a redirect URI it has', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'consent-')), '.env.dev');
    writeFileSync(file, 'BOT_ID=3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6\nBOT_TENANT_ID=a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d\n');
    const link = new URL(execFileSync(process.execPath, [join(repo, 'scripts/consent-link.mjs'), '--env-file', file], { encoding: 'utf8' }).trim());
    expect(`${link.origin}${link.pathname}`).toBe('https://login.microsoftonline.com/a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d/adminconsent');
    expect(link.searchParams.get('client_id')).toBe('3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6');
    expect(entra.publicClient?.redirectUris).toContain(link.searchParams.get('redirect_uri'));
    // Before provision there is nothing to consent to, and it says so.
    expect(() => execFileSync(process.execPath, [join(repo, 'scripts/consent-link.mjs'), '--env', 'dev'], { stdio: 'pipe' })).toThrow(/has no BOT_ID or BOT_TENANT_ID: run `npx atk provision --env dev` first/);
  });
});
