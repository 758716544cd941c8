import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerOf, sendJson, StandInServer } from '../helpers/standins/http.js';

/**
 * scripts/federated-credentials.mjs, the provision step that makes the bot's app registration trust the App Service's
 * managed identity and the Token Service, run as the Toolkit runs it (a child process with the env of the steps
 * before it), against a stand-in for Microsoft Graph's federatedIdentityCredential upsert and a stand-in `az`.
 */
const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

const BOT_ID = '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6';
/** Microsoft's own tenant: the Bot Framework docs give its base64url form, v4j5cvGGr0GRqy180BHbRw. */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PRINCIPAL = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const UNIQUE_ID = '5e7f9a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const GRAPH_TOKEN = 'graph-token-for-the-owner';

interface Credential {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string | null;
}

/**
 * Microsoft Graph's "Upsert federatedIdentityCredential" (learn.microsoft.com/graph/api/federatedidentitycredential-upsert;
 * microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api/federatedidentitycredential-upsert.md):
 * PATCH /applications(appId='{appId}')/federatedIdentityCredentials(name='{name}'); with Prefer: create-if-missing a
 * missing one is created (201 and the object), an existing one updated (204); without it the request is an update
 * only. issuer, subject and audiences are required to create; audiences takes a single value; issuer and subject
 * together are unique on the app; at most 20 per app. Only the app's owners (here: the holder of GRAPH_TOKEN) may.
 */
class GraphCredentials {
  readonly apps = new Map<string, Map<string, Credential>>([[BOT_ID, new Map()]]);
  readonly requests: { method: string; path: string; prefer?: string; body: unknown }[] = [];
  ownerToken = GRAPH_TOKEN;
  readonly server = new StandInServer(false, (req, url, body, res) => this.handle(req.method ?? 'GET', decodeURIComponent(url.pathname), req.headers.prefer, bearerOf(req), body, res));
  url = '';

  async start(): Promise<this> {
    this.url = await this.server.start();
    return this;
  }

  private handle(method: string, path: string, prefer: string | string[] | undefined, token: string | undefined, body: string, res: ServerResponse): void {
    const parsed = body ? (JSON.parse(body) as Partial<Credential>) : {};
    this.requests.push({ method, path, prefer: typeof prefer === 'string' ? prefer : undefined, body: parsed });
    const error = (status: number, code: string, message: string) => sendJson(res, status, { error: { code, message } });
    if (!token) return error(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const m = /^\/v1\.0\/applications\(appId='([^']+)'\)\/federatedIdentityCredentials\(name='([^']+)'\)$/.exec(path);
    if (method !== 'PATCH' || !m) return error(400, 'BadRequest', `Unsupported request ${method} ${path}`);
    const [, appId, name] = m as unknown as [string, string, string];
    const credentials = this.apps.get(appId);
    if (!credentials) return error(404, 'Request_ResourceNotFound', `Resource '${appId}' does not exist or one of its queried reference-property objects are not present.`);
    if (token !== this.ownerToken) return error(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const existing = credentials.get(name);
    const next = { ...existing, ...parsed, name } as Credential;
    if (!existing && prefer !== 'create-if-missing') return error(404, 'Request_ResourceNotFound', `Resource '${name}' does not exist.`);
    if (!next.issuer || !next.subject || !next.audiences) return error(400, 'Request_BadRequest', 'issuer, subject and audiences are required.');
    if (next.audiences.length !== 1) return error(400, 'Request_BadRequest', 'audiences takes a single value.');
    if ([...credentials.values()].some((c) => c.name !== name && c.issuer === next.issuer && c.subject === next.subject)) {
      return error(400, 'Request_BadRequest', 'FederatedIdentityCredential with the same issuer and subject already exists.');
    }
    if (!existing && credentials.size >= 20) return error(400, 'Request_BadRequest', 'An application can have at most 20 federated identity credentials.');
    credentials.set(name, next);
    if (existing) {
      res.writeHead(204);
      return void res.end();
    }
    sendJson(res, 201, { id: crypto.randomUUID(), ...next });
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in `az`: answers `az account get-access-token` with a token, or fails as az does when nobody signed in. */
function fakeAz(signedIn: boolean): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-az-'));
  dirs.push(dir);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const answer = signedIn ? `echo ${GRAPH_TOKEN}` : `echo "ERROR: Please run 'az login' to setup account." >&2\nexit 1`;
  writeFileSync(join(dir, 'az'), `#!/bin/sh\necho "$@" >> "${log}"\n${answer}\n`);
  chmodSync(join(dir, 'az'), 0o755);
  return { bin: dir, log };
}

async function script(env: Record<string, string>, az = fakeAz(true)): Promise<{ code: number; stdout: string; stderr: string; azCalls: string[] }> {
  const options = { cwd: repo, env: { PATH: `${az.bin}:${process.env.PATH}`, ...env }, timeout: 30_000 };
  const azCalls = () => readFileSync(az.log, 'utf8').split('\n').filter(Boolean);
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/federated-credentials.mjs'], options);
    return { code: 0, stdout, stderr, azCalls: azCalls() };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, azCalls: azCalls() };
  }
}

describe('scripts/federated-credentials.mjs: the app registration trusts the managed identity and the Token Service', () => {
  let graph: GraphCredentials;
  let env: Record<string, string>;
  beforeEach(async () => {
    graph = await new GraphCredentials().start();
    env = { BOT_ID, BOT_TENANT_ID: TENANT, BOT_MANAGED_IDENTITY_PRINCIPAL_ID: PRINCIPAL, SECRET_OAUTH_CONNECTION_UNIQUE_ID: UNIQUE_ID, MICROSOFT_GRAPH_URL: graph.url };
  });
  afterEach(async () => {
    await graph.server.stop();
  });

  it('adds both credentials as Microsoft documents them, with a Graph token from the Azure CLI for the bot\'s tenant', async () => {
    const result = await script(env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.azCalls).toEqual([`account get-access-token --tenant ${TENANT} --resource-type ms-graph --query accessToken --output tsv`]);
    expect(graph.requests.every((r) => r.prefer === 'create-if-missing')).toBe(true);
    const issuer = `https://login.microsoftonline.com/${TENANT}/v2.0`;
    expect([...graph.apps.get(BOT_ID)!.values()]).toEqual([
      // Entra, "Configure an application to trust a managed identity": subject = the identity's principal (object) id.
      expect.objectContaining({ name: 'bookings-bot-app-service', issuer, subject: PRINCIPAL, audiences: ['api://AzureADTokenExchange'] }),
      // Bot Framework docs, "Implement Authentication with Federated Identity Credentials": the tenant and the Token
      // Store app (9ExAW52n_ky4ZiS_jhpJIQ) base64url-encoded, then the connection's Unique Identifier.
      expect.objectContaining({ name: 'bookings-bot-token-service', issuer, subject: `/eid1/c/pub/t/v4j5cvGGr0GRqy180BHbRw/a/9ExAW52n_ky4ZiS_jhpJIQ/${UNIQUE_ID}`, audiences: ['api://AzureADTokenExchange'] }),
    ]);
    expect(result.stdout).toContain('bookings-bot-app-service: created');
  });

  it('changes nothing when run again, and follows a recreated identity instead of adding a second credential', async () => {
    expect((await script(env)).code).toBe(0);
    const again = await script(env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('bookings-bot-app-service: up to date');
    expect(graph.apps.get(BOT_ID)!.size).toBe(2);

    const recreated = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
    expect((await script({ ...env, BOT_MANAGED_IDENTITY_PRINCIPAL_ID: recreated })).code).toBe(0);
    expect(graph.apps.get(BOT_ID)!.size).toBe(2);
    expect(graph.apps.get(BOT_ID)!.get('bookings-bot-app-service')!.subject).toBe(recreated);
  });

  it('stops, naming what is missing, when run outside provision or before arm/deploy', async () => {
    const early = Object.fromEntries(Object.entries(env).filter(([name]) => !['BOT_MANAGED_IDENTITY_PRINCIPAL_ID', 'SECRET_OAUTH_CONNECTION_UNIQUE_ID'].includes(name)));
    const result = await script(early);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing BOT_MANAGED_IDENTITY_PRINCIPAL_ID, SECRET_OAUTH_CONNECTION_UNIQUE_ID');
    expect(graph.requests).toEqual([]);
  });

  it('stops with the command to run when the Azure CLI is not signed in, and sends Graph nothing', async () => {
    const result = await script(env, fakeAz(false));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`az login --tenant ${TENANT} --allow-no-subscriptions`);
    expect(result.stderr).toContain("Please run 'az login'");
    expect(graph.requests).toEqual([]);
  });

  it('says who may do it when Graph refuses the caller (not an owner of the app)', async () => {
    graph.ownerToken = 'someone-else';
    const result = await script(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Graph answered 403 for bookings-bot-app-service');
    expect(result.stderr).toContain('Only an owner of the app, or an Application Administrator');
  });
});
