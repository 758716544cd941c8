import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_VARIABLES, loadConfig } from '../../src/config/config.js';
import { type ArmSchemas, BicepExpression, type BicepResource, type BicepValue, bicepResources, bicepVariables, schemaProblems } from '../helpers/bicep.js';
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

/** The Agents Toolkit's reading of a script's output (fx-core's script driver, parseSetOutputCommand). */
function setEnvOutputs(stdout: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const m of stdout.matchAll(/::(set-teamsfx-env|set-output)\s+(\w+)=((["'])(.*?)\4|[^"'\s]+)/g)) outputs[m[2]!] = m[5] ?? m[3]!;
  return outputs;
}

/** `node scripts/<file>.mjs <args>`, the form every `script` step here takes (it runs in sh and cmd.exe alike). */
function scriptOf(step: Step): { file: string; args: string[] } {
  const run = typeof step.with?.run === 'string' ? step.with.run : '';
  const m = /^node (scripts\/[\w-]+\.mjs)((?: [^\s"'`$%&|;<>()]+)*)$/.exec(run);
  if (!m) throw new Error(`a script step that is not "node scripts/<file>.mjs <plain args>": ${run}`);
  return { file: m[1]!, args: m[2]!.trim().split(' ').filter(Boolean) };
}

/** Runs a step's script as the Toolkit does, with `env` as the environment so far; its output and exit. */
function runScript(step: Step, env: Record<string, string> = {}): { status: number | null; outputs: Record<string, string>; stderr: string } {
  const { file, args } = scriptOf(step);
  const result = spawnSync(process.execPath, [join(repo, file), ...args], { cwd: repo, env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, outputs: setEnvOutputs(result.stdout), stderr: result.stderr };
}

/** The environment names scripts/federated-credentials.mjs needs: what it says is missing when given none. */
function federatedCredentialsNeeds(step: Step): string[] {
  const { status, stderr } = runScript(step);
  const missing = /missing ([\w, ]+):/.exec(stderr)?.[1];
  if (status !== 1 || !missing) throw new Error(`unexpected answer without an environment: ${stderr}`);
  return missing.split(', ');
}

/**
 * Where the value of a placeholder comes from when `atk provision --env <env>` reaches a step: env/.env.<env>, an
 * earlier action's writeToEnvironmentFile, a script's `::set-teamsfx-env`, Bicep outputs (arm/deploy writes those),
 * or the Toolkit itself. env/.env.local is each developer's (git-ignored): nothing is read from it.
 */
function provenance(env: keyof typeof environments) {
  const known = new Map<string, string>();
  if (env !== 'local') {
    const file = parseEnv(read(`env/.env.${env}`));
    for (const [name, value] of Object.entries(file)) if (value !== '') known.set(name, 'env file');
    // Empty on purpose (env/.env.prod says so): the production app is called plain "Bookings Bot".
    if (file.APP_NAME_SUFFIX === '') known.set('APP_NAME_SUFFIX', 'env file (empty on purpose)');
  }
  known.set('TEAMSFX_ENV', 'the Toolkit (the environment\'s name)');
  // Empty or absent, the Toolkit asks for the subscription and the resource group (fx-core coordinator, provision).
  for (const name of ['AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME']) known.set(name, 'asked by the Toolkit');
  // A project with arm/deploy gets 6 random hex digits when it has none, before the first step (fx-core
  // src/component/coordinator/index.ts, provision: "ensure RESOURCE_SUFFIX", uuid.v4().slice(0, 6)).
  if (project(environments[env].project).provision!.some((s) => s.uses === 'arm/deploy')) known.set('RESOURCE_SUFFIX', 'generated by the Toolkit');
  if (env === 'local') {
    // F5's "Start local tunnel" task writes the tunnel's URL and host before provision runs.
    const tasks = ts.parseConfigFileTextToJson('.vscode/tasks.json', read('.vscode/tasks.json')).config as { tasks: { label: string; args?: { ports?: { writeToEnvironmentFile?: Record<string, string> }[] } }[] };
    const tunnel = tasks.tasks.find((t) => t.label === 'Start local tunnel')!;
    for (const name of Object.values(tunnel.args!.ports![0]!.writeToEnvironmentFile!)) known.set(name, 'dev tunnel task');
  }
  return known;
}

/** The placeholders (or, for a script, environment names) a step needs, with the files it reads. */
function needs(step: Step): Set<string> {
  const found = placeholders(JSON.stringify(step.with ?? {}));
  const add = (path: string) => placeholders(read(path)).forEach((p) => found.add(p));
  if (step.uses === 'aadApp/update') add(step.with!.manifestPath as string);
  if (step.uses === 'arm/deploy') for (const t of step.with!.templates as { parameters: string }[]) add(t.parameters);
  if (typeof step.with?.manifestPath === 'string' && step.uses.startsWith('teamsApp/')) {
    add(step.with.manifestPath);
    add('appPackage/zh-cn.json');
  }
  if (step.uses === 'script' && scriptOf(step).file === 'scripts/federated-credentials.mjs') federatedCredentialsNeeds(step).forEach((n) => found.add(n));
  return found;
}

/** What a step leaves in the environment for the steps after it. */
function writes(step: Step): string[] {
  const names = Object.values(step.writeToEnvironmentFile ?? {});
  // aadApp/update generates the scope id when the manifest uses ${{AAD_APP_ACCESS_AS_USER_PERMISSION_ID}} and the
  // env has none, and writes it (fx-core src/component/driver/aad/utility/buildAadManifest.ts, loadManifest).
  if (step.uses === 'aadApp/update') names.push('AAD_APP_ACCESS_AS_USER_PERMISSION_ID');
  if (step.uses === 'arm/deploy') for (const t of step.with!.templates as { path: string }[]) names.push(...bicep(t.path.replace(/^\.\//, '')).outputs);
  if (step.uses === 'script' && scriptOf(step).file === 'scripts/env-defaults.mjs') names.push(...Object.keys(runScript(step).outputs));
  return names;
}

/** Every resource infra/ declares, with its file. */
const infraResources = (): (BicepResource & { file: string })[] =>
  ['infra/azure.bicep', 'infra/azure.local.bicep', 'infra/storage.bicep', 'infra/botRegistration/azurebot.bicep'].flatMap((file) => bicepResources(read(file)).map((r) => ({ ...r, file })));
const resourceOf = (file: string, symbol: string) => bicepResources(read(file)).find((r) => r.symbol === symbol)!;
/** A Bicep expression's source as the parser keeps it (tokens joined by spaces). */
const expr = (value: BicepValue | undefined) => (value instanceof BicepExpression ? value.source : undefined);
/** The provision step of `file` that runs `script` (scripts/<name>.mjs). */
const scriptStep = (file: string, script: string) => project(file).provision!.find((s) => s.uses === 'script' && scriptOf(s).file === script)!;
/** Whether git ignores `path` by .gitignore's rules (tracked or not). */
const ignored = (path: string) => spawnSync('git', ['check-ignore', '--no-index', '-q', path], { cwd: repo }).status === 0;

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

  it('declares only resources and properties the ARM schemas of their API versions have (Azure/azure-resource-manager-schemas)', () => {
    const schemas = json<ArmSchemas & { source: { repository: string; commit: string } }>('test/fixtures/arm-resource-schemas.json');
    expect(schemas.source.repository).toBe('https://github.com/Azure/azure-resource-manager-schemas');
    const resources = infraResources();
    for (const resource of resources) expect(schemaProblems(resource, schemas), `${resource.file}: ${resource.symbol}`).toEqual([]);
    // The fixture holds what infra/ uses and nothing stale.
    expect(new Set(resources.map((r) => `${r.type}@${r.apiVersion}`))).toEqual(new Set(Object.keys(schemas.resources)));
  });

  it('names each environment\'s resources after its own RESOURCE_SUFFIX, so environments in one resource group stay apart', () => {
    for (const env of Object.values(environments)) {
      // No default (a default would be the same for every environment of a resource group): the parameter file's.
      expect(bicep(env.bicep).params.get('resourceBaseName'), env.bicep).toMatchObject({ hasDefault: false });
      expect(json<Parameters>(env.parameters).parameters.resourceBaseName!.value).toBe('bkbot${{RESOURCE_SUFFIX}}');
    }
    for (const file of ['infra/azure.bicep', 'infra/azure.local.bicep', 'infra/storage.bicep', 'infra/botRegistration/azurebot.bicep']) expect(read(file), file).not.toContain('uniqueString(');
    // Committed environments leave it to the Toolkit (empty) or keep the one it wrote; either way the key is there.
    for (const env of ['dev', 'prod']) expect(parseEnv(read(`env/.env.${env}`)), env).toHaveProperty('RESOURCE_SUFFIX');
    // What the Toolkit generates (6 hex digits) keeps the name within @maxLength(20) and a storage account's rules.
    expect(`bkbot${'0f9e8d'}`).toMatch(/^[a-z0-9]{3,20}$/);
    const names = ['identity', 'serverfarm', 'webApp'].map((symbol) => expr(resourceOf('infra/azure.bicep', symbol).body.name));
    expect(names).toEqual(['resourceBaseName', 'resourceBaseName', 'resourceBaseName']);
  });

  it('creates the OAuth connection whose Token Exchange URL is the identifier URI, asking for the bot\'s own scope by its GUID', () => {
    for (const env of Object.values(environments)) {
      const parameters = json<Parameters>(env.parameters).parameters;
      expect(parameters.ssoResource!.value).toBe(entra.identifierUris[0]);
      expect(parameters.ssoResource!.value).toBe(teams.webApplicationInfo.resource);
      expect(parameters.botAadAppClientId!.value).toBe('${{BOT_ID}}');
      expect(parameters.oauthConnectionName!.value).toBe('${{OAUTH_CONNECTION_NAME}}');
      expect(bicep(env.bicep).text).toMatch(/module azureBotRegistration '\.\/botRegistration\/azurebot\.bicep'/);
    }
    const file = 'infra/botRegistration/azurebot.bicep';
    const bot = bicep(file);
    // Entra serves an app's token for itself only with the resource named by the GUID (AADSTS90009): by URI the
    // renewal fails (test/app-package/oauthConnection.test.ts runs both through the Token Service stand-in).
    expect(bot.text).toMatch(/^var connectionScopes = '\$\{botAadAppClientId\}\/access_as_user'$/m);
    expect(entra.api.oauth2PermissionScopes[0]!.value).toBe('access_as_user');
    const connections = bicepResources(bot.text).filter((r) => r.type === 'Microsoft.BotService/botServices/connections');
    // One connection, its properties one of two: two conditional resources of one name are what ARM refuses or deploys
    // only the first of (Azure/bicep#7561, #11290).
    expect(connections).toHaveLength(1);
    const [connection] = connections as [BicepResource];
    expect(expr(connection.body.name)).toBe('oauthConnectionName');
    expect(expr(connection.body.properties)).toBe('federated ? federatedConnection : secretConnection');
    const variables = bicepVariables(bot.text);
    const propertiesOf = (name: string) => variables.get(name) as Record<string, BicepValue>;
    const parametersOf = (name: string) => Object.fromEntries((propertiesOf(name).parameters as { key: string; value: BicepValue }[]).map((p) => [p.key, expr(p.value) ?? p.value]));
    // Each against the connection's schema, as the resource's properties.
    const schemas = json<ArmSchemas>('test/fixtures/arm-resource-schemas.json');
    for (const name of ['federatedConnection', 'secretConnection']) expect(schemaProblems({ ...connection, body: { ...connection.body, properties: propertiesOf(name) } }, schemas), name).toEqual([]);
    // dev/prod: "AAD v2 with Federated Credentials", no secret; F5: "Azure Active Directory v2" with the app's secret.
    expect(propertiesOf('federatedConnection')).toMatchObject({ serviceProviderDisplayName: 'AAD v2 with Federated Credentials', serviceProviderId: 'c00b44ab-5e16-c44c-af26-2fd5bc55eb18' });
    expect(Object.keys(propertiesOf('federatedConnection'))).not.toContain('clientSecret');
    expect(parametersOf('federatedConnection')).toEqual({ ClientId: 'botAadAppClientId', UniqueIdentifier: 'oauthConnectionUniqueId', TokenExchangeUrl: 'ssoResource', TenantId: 'botTenantId' });
    expect(propertiesOf('secretConnection')).toMatchObject({ serviceProviderDisplayName: 'Azure Active Directory v2', serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c' });
    expect(expr(propertiesOf('secretConnection').clientSecret)).toBe('botAadAppClientSecret');
    expect(parametersOf('secretConnection')).toMatchObject({ tokenExchangeUrl: 'ssoResource' });
    for (const name of ['federatedConnection', 'secretConnection']) expect(expr(propertiesOf(name).scopes), name).toBe('connectionScopes');
    expect(bot.text).toMatch(/^var federated = !empty\(oauthConnectionUniqueId\)$/m);
    // Which one each environment gets: the identifier only in dev/prod, the secret only in F5, both @secure().
    expect(json<Parameters>('infra/azure.parameters.json').parameters).toMatchObject({ oauthConnectionUniqueId: { value: '${{SECRET_OAUTH_CONNECTION_UNIQUE_ID}}' } });
    expect(json<Parameters>('infra/azure.parameters.json').parameters).not.toHaveProperty('botAadAppClientSecret');
    expect(json<Parameters>('infra/azure.parameters.local.json').parameters).toMatchObject({ botAadAppClientSecret: { value: '${{SECRET_BOT_PASSWORD}}' } });
    expect(json<Parameters>('infra/azure.parameters.local.json').parameters).not.toHaveProperty('oauthConnectionUniqueId');
    for (const [path, name] of [[file, 'botAadAppClientSecret'], [file, 'oauthConnectionUniqueId'], ['infra/azure.bicep', 'oauthConnectionUniqueId'], ['infra/azure.local.bicep', 'botAadAppClientSecret']] as const) {
      expect(bicep(path).params.get(name), `${path}: ${name}`).toMatchObject({ secure: true });
    }
    // The Azure Bot: single tenant, the Teams channel.
    expect(bot.text).toContain("param microsoftAppType string = 'SingleTenant'");
    expect(bot.text).toContain('msaAppType: microsoftAppType');
    expect(bot.text).toContain("channelName: 'MsTeamsChannel'");
    for (const env of ['dev', 'prod']) expect(parseEnv(read(`env/.env.${env}`)).OAUTH_CONNECTION_NAME).toBe('bookings-sso');
    expect(runScript(scriptStep('m365agents.local.yml', 'scripts/env-defaults.mjs')).outputs.OAUTH_CONNECTION_NAME).toBe('bookings-sso');
  });

  it('hosts dev/prod on a Linux App Service running the built bot on Node 22 LTS, HTTPS only, health-checked on /healthz', () => {
    const { text } = bicep('infra/azure.bicep');
    // Node 20 reached end of life on 2026-04-30; App Service drops such runtimes (Azure/app-service-linux-docs).
    expect(text).toContain("linuxFxVersion: 'NODE|22-lts'");
    // The code still targets Node 20 (engines), which 22 runs.
    expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toBe('>=20');
    // With the runtime flags npm start has (a young generation sized for concurrent turns: docs/benchmarks.md).
    expect(runtimeFlags()).not.toEqual([]);
    expect(text).toContain(`appCommandLine: 'node ${runtimeFlags().join(' ')} dist/index.js'`);
    expect(text).toContain("healthCheckPath: '/healthz'");
    expect(text).toContain('httpsOnly: true');
    expect(text).toContain('reserved: true // Linux');
    expect(text).toContain("messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'");
    // The deploy step finds the App Service through this output.
    expect(bicep('infra/azure.bicep').outputs).toContain('BOT_AZURE_APP_SERVICE_RESOURCE_ID');
  });

  it('gives the App Service the bot\'s settings with the managed identity as its only credential: they start the bot in production mode', () => {
    const { text } = bicep('infra/azure.bicep');
    const settings = [...text.matchAll(/\{ name: '(\w+)', value: ('[^']*'|[\w.]+)/g)].map((m) => ({ name: m[1]!, value: m[2]! }));
    // Its app settings are the bot's own variables (docs/configuration.md), or the host's; AZURE_CLIENT_ID is read by
    // @azure/identity's DefaultAzureCredential (createDefaultManagedIdentityCredential), which reaches Blob storage.
    // APPLICATION_INSIGHTS_NO_STATSBEAT is read by the telemetry distro itself (docs/configuration.md, "Telemetry").
    const host = ['NODE_ENV', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'WEBSITE_RUN_FROM_PACKAGE', 'AZURE_CLIENT_ID', 'APPLICATION_INSIGHTS_NO_STATSBEAT'];
    for (const { name } of settings) expect(ENV_VARIABLES.includes(name) || host.includes(name), name).toBe(true);
    const names = settings.map((s) => s.name);
    for (const name of ['MicrosoftAppId', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'MANAGED_IDENTITY_CLIENT_ID', 'AZURE_CLIENT_ID', 'OAUTH_CONNECTION_NAME', 'STORAGE_ACCOUNT_URL', 'STORAGE_CONTAINER', 'AUDIT_DIR']) expect(names).toContain(name);
    for (const name of ['MicrosoftAppPassword', 'MicrosoftAppCertificateThumbprint', 'MicrosoftAppCertificateKeyFile', 'STORAGE_CONNECTION_STRING']) expect(names).not.toContain(name);
    const value = (name: string) => settings.find((s) => s.name === name)!.value;
    expect(value('MANAGED_IDENTITY_CLIENT_ID')).toBe('identity.properties.clientId');
    expect(value('AZURE_CLIENT_ID')).toBe('identity.properties.clientId');
    expect(bicep('infra/azure.bicep').params.has('botAadAppClientSecret')).toBe(false);
    // The one identity: user-assigned, attached to the App Service, the host's only one.
    expect(resourceOf('infra/azure.bicep', 'identity').type).toBe('Microsoft.ManagedIdentity/userAssignedIdentities');
    expect(resourceOf('infra/azure.bicep', 'webApp').body.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { "['${identity.id}']": {} } });
    // With provisioned-looking values, the settings load as the bot's configuration: production, that identity.
    const sample: Record<string, string> = {
      botAadAppClientId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6',
      botTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      microsoftAppType: 'SingleTenant',
      'identity.properties.clientId': '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      oauthConnectionName: 'bookings-sso',
      storageAccountUrl: 'https://bkbot0f9e8d.blob.core.windows.net',
      storageContainer: 'bookings-bot',
      'appInsights.properties.ConnectionString': 'InstrumentationKey=00000000-0000-4000-8000-00000000a15e;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=0f2f1c3e-1d2b-4e5f-8a9b-0c1d2e3f4a5b',
    };
    // A quoted value's interpolations (${identity.properties.clientId}) take the sample's values too.
    const literal = (value: string) => value.slice(1, -1).replace(/\$\{([\w.]+)\}/g, (_m, name: string) => sample[name]!);
    const env = Object.fromEntries(settings.filter((s) => s.name !== 'AUDIT_DIR').map((s) => [s.name, s.value.startsWith("'") ? literal(s.value) : sample[s.value]]));
    const config = loadConfig(env);
    expect(config.mode).toMatchObject({ kind: 'production', appId: sample.botAadAppClientId, credential: { kind: 'managedIdentity', clientId: sample['identity.properties.clientId'] }, appType: 'SingleTenant' });
    expect(config.storage).toMatchObject({ kind: 'blob', accountUrl: sample.storageAccountUrl });
    // Telemetry on, keyless: ingestion signs in as the same identity.
    expect(config.telemetry).toMatchObject({ ingestionEndpoint: 'https://westeurope-5.in.applicationinsights.azure.com/', entraClientId: sample['identity.properties.clientId'] });
    expect(value('APPLICATION_INSIGHTS_NO_STATSBEAT')).toBe("'true'");
  });

  it('for dev and prod, Application Insights on a Log Analytics workspace, taking telemetry only with Entra ID tokens, from the bot\'s identity', () => {
    const file = 'infra/azure.bicep';
    const workspace = resourceOf(file, 'workspace');
    const appInsights = resourceOf(file, 'appInsights');
    const publisher = resourceOf(file, 'telemetryPublisher');
    expect(workspace.type).toBe('Microsoft.OperationalInsights/workspaces');
    expect(workspace.body.properties).toMatchObject({ sku: { name: 'PerGB2018' }, features: { disableLocalAuth: true } });
    expect(appInsights.type).toBe('Microsoft.Insights/components');
    expect(appInsights.body.properties).toMatchObject({ Application_Type: 'web', IngestionMode: 'LogAnalytics', DisableLocalAuth: true, DisableIpMasking: false });
    expect(expr((appInsights.body.properties as Record<string, BicepValue>).WorkspaceResourceId)).toBe('workspace . id');
    // "Monitoring Metrics Publisher", on the component, for the user-assigned identity the bot runs as.
    expect(bicep(file).text).toContain("var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'");
    expect(publisher.type).toBe('Microsoft.Authorization/roleAssignments');
    expect(expr(publisher.body.scope)).toBe('appInsights');
    expect(publisher.body.properties).toMatchObject({ principalType: 'ServicePrincipal' });
    expect(expr((publisher.body.properties as Record<string, BicepValue>).principalId)).toBe('identity . properties . principalId');
    // Not in the F5 (local) environment: there the bot runs on the developer's machine, without telemetry.
    expect(bicep('infra/azure.local.bicep').text).not.toContain('Microsoft.Insights/components');
  });

  it('for several instances, a storage account without keys, the README\'s lifecycle rule, and Blob access for that same identity', () => {
    const { text } = bicep('infra/storage.bicep');
    expect(text).toContain('allowSharedKeyAccess: false');
    // "Storage Blob Data Contributor", on the container, for the user-assigned identity the bot runs as.
    expect(text).toContain("var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'");
    expect(text).toMatch(/resource blobAccess 'Microsoft\.Authorization\/roleAssignments@[\d-]+' = \{\s+scope: container\s/);
    expect(bicep('infra/azure.bicep').text).toContain('readerWriterPrincipalId: identity.properties.principalId');
    expect(bicep('infra/azure.bicep').text).not.toContain('SystemAssigned');
    // The same rule as docs/instances.md shows, for the configured container.
    const documented = JSON.parse(/## Expiring old state[\s\S]*?```json\n([\s\S]*?)```/.exec(read('docs/instances.md'))![1]!) as { rules: { name: string; definition: { filters: { prefixMatch: string[] }; actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: number } } } } }[] };
    const rule = documented.rules[0]!;
    expect(text).toContain(`name: '${rule.name}'`);
    for (const prefix of rule.definition.filters.prefixMatch) expect(text).toContain(`'${prefix.replace(/^bookings-bot\//, '${containerName}/')}'`);
    expect(text).toContain(`daysAfterModificationGreaterThan: ${rule.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan}`);
  });
});

describe('provisioning: no secret in dev and prod', () => {
  it('creates the app without a client secret there (F5 keeps one), and makes it trust the identity once arm/deploy made it', () => {
    const remote = project('m365agents.yml').provision!;
    const create = remote.find((s) => s.uses === 'aadApp/create')!;
    expect(create.with).toMatchObject({ generateClientSecret: false });
    expect(create.writeToEnvironmentFile).not.toHaveProperty('clientSecret');
    expect(project('m365agents.local.yml').provision!.find((s) => s.uses === 'aadApp/create')!.with).toMatchObject({ generateClientSecret: true });
    expect(read('m365agents.yml')).not.toContain('SECRET_BOT_PASSWORD');
    expect(read('infra/azure.parameters.json')).not.toContain('SECRET_BOT_PASSWORD');
    // The order: the connection's identifier before arm/deploy (which puts it on the connection), the credentials after
    // it (they name the identity it creates), both before anything uses them.
    const uses = remote.map((s) => (s.uses === 'script' ? scriptOf(s).file : s.uses));
    expect(uses.indexOf('scripts/env-defaults.mjs')).toBeLessThan(uses.indexOf('arm/deploy'));
    expect(uses.indexOf('arm/deploy')).toBe(uses.indexOf('scripts/federated-credentials.mjs') - 1);
    expect(scriptOf(scriptStep('m365agents.yml', 'scripts/env-defaults.mjs')).args).toEqual(['SECRET_OAUTH_CONNECTION_UNIQUE_ID=@uuid']);
    expect(bicep('infra/azure.bicep').outputs).toEqual(expect.arrayContaining(['BOT_MANAGED_IDENTITY_PRINCIPAL_ID', 'BOT_MANAGED_IDENTITY_CLIENT_ID']));
  });

  it('makes the connection\'s identifier once per environment, random, and keeps it (a SECRET_ name: encrypted in env/.env.<env>.user)', () => {
    const step = scriptStep('m365agents.yml', 'scripts/env-defaults.mjs');
    const first = runScript(step).outputs.SECRET_OAUTH_CONNECTION_UNIQUE_ID!;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(runScript(step).outputs.SECRET_OAUTH_CONNECTION_UNIQUE_ID).not.toBe(first);
    expect(runScript(step, { SECRET_OAUTH_CONNECTION_UNIQUE_ID: first }).outputs).toEqual({ SECRET_OAUTH_CONNECTION_UNIQUE_ID: first });
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
    // Written by an action, not committed: the ids.
    for (const name of ['TEAMS_APP_ID', 'BOT_ID', 'BOT_OBJECT_ID', 'BOT_TENANT_ID']) expect(known.get(name), name).toMatch(/^(teamsApp|aadApp)\//);
    expect(known.get('RESOURCE_SUFFIX')).toBe('generated by the Toolkit');
    if (env === 'local') {
      expect(known.get('SECRET_BOT_PASSWORD')).toBe('aadApp/create');
      // env/.env.local is each developer's: what they share comes from m365agents.local.yml.
      expect(known.get('APP_NAME_SUFFIX')).toBe('script');
      expect(known.get('OAUTH_CONNECTION_NAME')).toBe('script');
    } else {
      expect(known.has('SECRET_BOT_PASSWORD')).toBe(false);
      expect(known.get('SECRET_OAUTH_CONNECTION_UNIQUE_ID')).toBe('script');
      expect(known.get('BOT_DOMAIN')).toBe('arm/deploy');
      expect(known.get('BOT_MANAGED_IDENTITY_PRINCIPAL_ID')).toBe('arm/deploy');
    }
  });
});

describe('provisioning: what stays out of git', () => {
  it('env/.env.local (each developer\'s ids and tunnel URL) and the zip deploy\'s scratch', () => {
    expect(ignored('env/.env.local')).toBe(true);
    expect(ignored('env/.env.dev.user')).toBe(true);
    for (const env of ['dev', 'prod', 'playground']) expect(ignored(`env/.env.${env}`), env).toBe(false);
    // The zip goes to build/ (ignored) instead of the Toolkit's default, .deployment/ (ignored too, for older Toolkits).
    const zipDeploy = project('m365agents.yml').deploy!.find((s) => s.uses === 'azureAppService/zipDeploy')!;
    expect(zipDeploy.with).toMatchObject({ artifactFolder: './build/deploy', outputZipFile: './build/deployment.zip' });
    expect(ignored('build/deployment.zip')).toBe(true);
    expect(ignored('.deployment/deployment.zip')).toBe(true);
    // Only the environments that are committed are in env/ for git (F5 writes env/.env.local on each machine).
    const tracked = execFileSync('git', ['ls-files', 'env'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(tracked.filter((path) => ignored(path))).toEqual([]);
    expect(readdirSync(join(repo, 'env')).filter((f) => /^\.env\.[\w-]+$/.test(f) && f !== '.env.local').sort()).toEqual(['.env.dev', '.env.playground', '.env.prod']);
  });
});

describe('provisioning: the manual fallback (docs/sign-in.md) says what the files say', () => {
  it('names the same URI, scope, Teams clients, redirect URIs, permissions and OAuth connection', () => {
    const doc = read('docs/sign-in.md');
    const manual = doc.slice(doc.indexOf('## Register the bot and set up sign-in'), doc.indexOf('## The Teams app package'));
    const byAppId = (value: string) => value.replace('${{BOT_ID}}', '{appId}').replace('${botAadAppClientId}', '{appId}');
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
    const scopes = /^var connectionScopes = '(.*)'$/m.exec(read('infra/botRegistration/azurebot.bicep'))![1]!;
    expect(connection).toContain(`*Scopes*: \`${byAppId(scopes)}\``);
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
