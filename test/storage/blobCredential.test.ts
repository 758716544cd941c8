import { auditEntry } from '../helpers/auditEntry.js';
import { azuriteForSuite } from '../helpers/suiteAzurite.js';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinkFor } from '../../src/audit/sinks.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { loadConfig, type StorageConfig } from '../../src/config/config.js';
import { createStorage } from '../../src/storage/createStorage.js';
import { sendJson, StandInServer } from '../helpers/standins/http.js';

/**
 * Storage without keys (STORAGE_ACCOUNT_URL): the state storage and the audit sink reach Blob storage with an Entra
 * ID token, DefaultAzureCredential's by default (on an App Service, its managed identity), and never with a key.
 * Azurite takes bearer tokens only with `--oauth basic` over https; here it runs that way, with the test certificate.
 */

const entry = auditEntry({ attemptId: 'mi-1' });

/** A token shaped as Entra ID issues them for Azure Storage: what Azurite's `--oauth basic` checks (not the signature). */
function storageToken(tenant = 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return [part({ alg: 'RS256', typ: 'JWT' }), part({ aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${tenant}/`, iat: now, nbf: now, exp: now + 3600, oid: '0b7d2f6e-7c8a-4b1e-9a0d-2c3e4f5a6b7c', tid: tenant }), 'c2lnbmF0dXJl'].join('.');
}

/** A TokenCredential that records what it was asked for. */
class RecordingCredential implements TokenCredential {
  readonly scopes: string[][] = [];
  getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push([scopes].flat());
    return Promise.resolve({ token: storageToken(), expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

// Over https with OAuth, Azurite takes longer to come up.
const azurite = azuriteForSuite({ oauth: true }, 60_000);

let container = 0;
const accountConfig = (): StorageConfig => ({ kind: 'blob', accountUrl: azurite.accountUrl, container: `mi-${++container}` });

describe('Blob storage by STORAGE_ACCOUNT_URL, with a token instead of a key', () => {
  it('reads and writes state and the audit trail in Azurite with bearer tokens for https://storage.azure.com', async () => {
    const credential = new RecordingCredential();
    const config = accountConfig();
    const { storage } = createStorage(config, credential);
    await storage.write({ 'pendingSignIn/msteams/a:1/29:me': { verb: 'appointments.list' } });
    expect(await storage.read(['pendingSignIn/msteams/a:1/29:me'])).toMatchObject({ 'pendingSignIn/msteams/a:1/29:me': { verb: 'appointments.list' } });
    await storage.delete(['pendingSignIn/msteams/a:1/29:me']);
    expect(await storage.read(['pendingSignIn/msteams/a:1/29:me'])).toEqual({});

    const sink = sinkFor(config, credential);
    await sink.append([entry]);
    expect((await sink.read(new Date(0))).map((e) => e.attemptId)).toEqual(['mi-1']);
    expect(credential.scopes.length).toBeGreaterThan(0);
    expect(new Set(credential.scopes.flat())).toEqual(new Set(['https://storage.azure.com/.default']));
  });

  it('is refused without a valid token: Azurite really checks them', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiredJwt = storageToken().split('.').map((part, i) => (i === 1 ? Buffer.from(JSON.stringify({ ...(JSON.parse(Buffer.from(part, 'base64url').toString()) as object), nbf: now - 7200, exp: now - 3600 })).toString('base64url') : part)).join('.');
    for (const token of ['not-a-jwt', expiredJwt]) {
      const refused: TokenCredential = { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
      const { storage } = createStorage(accountConfig(), refused);
      const failure = await storage.write({ k: { v: 1 } }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: ErrorCode.StorageUnavailable });
      expect((failure as { cause: { statusCode: number } }).cause.statusCode, token.slice(0, 10)).toBeOneOf([401, 403]);
    }
  });

  describe('with no credential given: DefaultAzureCredential, as on an App Service', () => {
    // App Service's managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), stood in on 127.0.0.1.
    const requests: { resource: string | null; header: string | undefined }[] = [];
    const msi = new StandInServer(false, (req, url, _body, res) => {
      requests.push({ resource: url.searchParams.get('resource'), header: req.headers['x-identity-header'] as string | undefined });
      if (req.headers['x-identity-header'] !== 'identity-header-value') return sendJson(res, 401, { error: 'wrong header' });
      sendJson(res, 200, { access_token: storageToken(), expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: url.searchParams.get('resource'), token_type: 'Bearer' });
    });
    const saved = { ...process.env };
    beforeAll(async () => {
      const url = await msi.start();
      for (const name of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_|IDENTITY_SERVER)/.test(name)) delete process.env[name];
      process.env.IDENTITY_ENDPOINT = `${url}/msi/token`;
      process.env.IDENTITY_HEADER = 'identity-header-value';
    });
    afterAll(async () => {
      process.env = saved;
      await msi.stop();
    });

    it('gets its token from the managed identity endpoint and stores with it, state and audit', async () => {
      const config = loadConfig({ STORAGE_ACCOUNT_URL: azurite.accountUrl, STORAGE_CONTAINER: 'managed-identity' }).storage;
      expect(config).toEqual({ kind: 'blob', accountUrl: azurite.accountUrl, container: 'managed-identity' });
      const { storage } = createStorage(config);
      await storage.write({ 'cancel/b/a': { state: 'attempted' } });
      expect(await storage.read(['cancel/b/a'])).toMatchObject({ 'cancel/b/a': { state: 'attempted' } });
      const sink = sinkFor(config);
      await sink.append([{ ...entry, attemptId: 'mi-2' }]);
      expect((await sink.read(new Date(0))).map((e) => e.attemptId)).toEqual(['mi-2']);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.header === 'identity-header-value' && r.resource === 'https://storage.azure.com')).toBe(true);
    });
  });
});

describe('Blob storage by STORAGE_CONNECTION_STRING (the key path) still works', () => {
  const keyed = azuriteForSuite();

  it('state and audit trail through the connection string, no credential asked', async () => {
    const credential = new RecordingCredential();
    const config = loadConfig({ STORAGE_CONNECTION_STRING: keyed.connectionString, STORAGE_CONTAINER: 'with-key' }).storage;
    const { storage } = createStorage(config, credential);
    await storage.write({ 'preferences/business/29:me': { businessId: 'b' } });
    expect(await storage.read(['preferences/business/29:me'])).toMatchObject({ 'preferences/business/29:me': { businessId: 'b' } });
    const sink = sinkFor(config, credential);
    await sink.append([{ ...entry, attemptId: 'key-1' }]);
    expect((await sink.read(new Date(0))).map((e) => e.attemptId)).toEqual(['key-1']);
    expect(credential.scopes).toEqual([]);
  });
});

describe('STORAGE_ACCOUNT_URL in the configuration', () => {
  it('is an https URL, and excludes the connection string', () => {
    expect(loadConfig({ STORAGE_ACCOUNT_URL: 'https://contoso.blob.core.windows.net/' }).storage).toEqual({ kind: 'blob', accountUrl: 'https://contoso.blob.core.windows.net', container: 'bookings-bot' });
    expect(() => loadConfig({ STORAGE_ACCOUNT_URL: 'http://contoso.blob.core.windows.net' })).toThrow(/STORAGE_ACCOUNT_URL: must be the storage account's https Blob endpoint/);
    expect(() => loadConfig({ STORAGE_ACCOUNT_URL: 'contoso' })).toThrow(/STORAGE_ACCOUNT_URL/);
    const both = () => loadConfig({ STORAGE_ACCOUNT_URL: 'https://contoso.blob.core.windows.net', STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(both).toThrow(/STORAGE_CONNECTION_STRING and STORAGE_ACCOUNT_URL: set one of them, not both/);
  });
});
