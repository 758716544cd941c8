import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { ENV_VARIABLES, loadConfig, unknownSettings } from '../../src/config/config.js';
import { configErrorOf } from '../helpers/configError.js';

const production = {
  MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6',
  MicrosoftAppPassword: 'not-a-real-secret',
  MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  OAUTH_CONNECTION_NAME: 'bookings-sso',
};

const errorOf = configErrorOf;

describe('a misspelt or stray setting is never silent', () => {
  it('refuses a near-miss of a known name, naming the one meant: MicrosoftAppID, MICROSOFT_APP_ID, LIST_PAGESIZE', () => {
    const { MicrosoftAppId, ...rest } = production;
    expect(errorOf({ ...rest, MicrosoftAppID: MicrosoftAppId })).toContain('MicrosoftAppID: not a setting; did you mean MicrosoftAppId?');
    expect(errorOf({ ...rest, MICROSOFT_APP_ID: MicrosoftAppId })).toContain('MICROSOFT_APP_ID: not a setting; did you mean MicrosoftAppId?');
    expect(errorOf({ LIST_PAGESIZE: '2' })).toContain('LIST_PAGESIZE: not a setting; did you mean LIST_PAGE_SIZE?');
    // Other variables of the environment (PATH, HOME…) are nobody's misspelling.
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', LIST_PAGE_SIZE: '2' }).pageSize).toBe(2);
  });

  it('refuses production-only settings without MicrosoftAppId instead of starting in local mode', () => {
    const withoutAppId: Record<string, string> = { ...production };
    delete withoutAppId.MicrosoftAppId;
    expect(errorOf(withoutAppId)).toMatch(/MicrosoftAppId: required with MicrosoftAppPassword, MicrosoftAppTenantId, OAUTH_CONNECTION_NAME \(production mode\)/);
    expect(errorOf({ OAUTH_CONNECTION_NAME: 'bookings-sso' })).toMatch(/MicrosoftAppId: required with OAUTH_CONNECTION_NAME/);
    expect(loadConfig({ ...production }).mode.kind).toBe('production');
  });

  it('names the .env entries that are no setting of the bot', () => {
    expect(unknownSettings(['PORT', 'MicrosoftAppId', 'BOT_ID', 'TEAMS_APP_ID'])).toEqual(['BOT_ID', 'TEAMS_APP_ID']);
  });
});

describe('configuration', () => {
  it('defaults to local mode on 3978 with the embedded Graph, loopback only', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3978, host: '127.0.0.1', mode: { kind: 'local', graphPort: 3979 }, windowDays: 14, pageSize: 5 });
    expect(config.graph).toMatchObject({ baseUrl: undefined, version: 'v1.0', bookingsRoot: '/solutions/bookingBusinesses', timeoutMs: 8_000, turnTimeoutMs: 12_000 });
    expect(config).toMatchObject({ storage: { kind: 'memory', auditDir: '.data/audit' }, auditMessages: false });
  });

  it('shares state through a Blob container when given a connection string, and audits message text only when asked', () => {
    const config = loadConfig({ STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUDIT_MESSAGES: 'true' });
    expect(config).toMatchObject({ storage: { kind: 'blob', connectionString: 'UseDevelopmentStorage=true', container: 'bookings-bot' }, auditMessages: true });
    expect(() => loadConfig({ STORAGE_CONTAINER: 'Bookings_Bot' })).toThrow(/STORAGE_CONTAINER/);
    expect(() => loadConfig({ TURN_TIMEOUT_MS: '20000' })).toThrow(/TURN_TIMEOUT_MS/);
    expect(() => loadConfig({ AUDIT_MESSAGES: 'yes' })).toThrow(/AUDIT_MESSAGES/);
  });

  it('treats blank values as unset, as an .env copied from .env.sample has them', () => {
    expect(loadConfig({ PORT: '', MicrosoftAppId: ' ', GRAPH_API_VERSION: '' }).mode.kind).toBe('local');
  });

  it('switches to production with an app id, talking to graph.microsoft.com on all interfaces', () => {
    const config = loadConfig(production);
    expect(config.mode).toMatchObject({ kind: 'production', appId: production.MicrosoftAppId, appType: 'SingleTenant' });
    expect(config).toMatchObject({ host: '0.0.0.0', graph: { baseUrl: 'https://graph.microsoft.com/' } });
  });

  it('signs users in through the OAuth connection and asks Graph for the least Bookings permissions, on the public cloud', () => {
    expect(loadConfig(production).mode).toEqual({
      kind: 'production',
      appId: production.MicrosoftAppId,
      credential: { kind: 'secret', secret: production.MicrosoftAppPassword },
      tenantId: production.MicrosoftAppTenantId,
      appType: 'SingleTenant',
      connectionName: 'bookings-sso',
      graphScopes: ['https://graph.microsoft.com/BookingsAppointment.ReadWrite.All', 'https://graph.microsoft.com/Bookings.Read.All', 'https://graph.microsoft.com/User.Read'],
      authorityHost: 'https://login.microsoftonline.com',
      tokenServiceUrl: 'https://api.botframework.com',
      openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
      allowEmulator: false,
    });
  });

  it('takes the tenant as its id or its domain name, and admits Emulator tokens only when asked, for a tenant id', () => {
    expect(loadConfig({ ...production, MicrosoftAppTenantId: 'contoso.onmicrosoft.com' }).mode).toMatchObject({ tenantId: 'contoso.onmicrosoft.com', allowEmulator: false });
    expect(loadConfig({ ...production, ALLOW_EMULATOR_TOKENS: 'true' }).mode).toMatchObject({ allowEmulator: true });
  });

  it('takes GRAPH_SCOPES as short names or full URIs, separated by spaces or commas', () => {
    const mode = loadConfig({ ...production, GRAPH_SCOPES: 'Bookings.Read.All, https://graph.microsoft.com/User.Read' }).mode;
    expect(mode).toMatchObject({ graphScopes: ['https://graph.microsoft.com/Bookings.Read.All', 'https://graph.microsoft.com/User.Read'] });
  });

  it('signs in with a certificate instead of a secret when given its SHA-256 thumbprint and PEM key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-'));
    const keyFile = join(dir, 'bot.key.pem');
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    const thumbprint = 'a'.repeat(64);
    const mode = loadConfig({ ...production, MicrosoftAppPassword: '', MicrosoftAppCertificateThumbprint: thumbprint, MicrosoftAppCertificateKeyFile: keyFile }).mode;
    expect(mode).toMatchObject({ credential: { kind: 'certificate', thumbprintSha256: thumbprint, privateKey: expect.stringContaining('PRIVATE KEY') } });
    expect(errorOf({ ...production, MicrosoftAppCertificateThumbprint: thumbprint, MicrosoftAppCertificateKeyFile: join(dir, 'missing.pem') })).toContain('MicrosoftAppCertificateKeyFile: cannot read');
  });

  it('accepts a custom Graph endpoint and the 2018 beta path', () => {
    const config = loadConfig({ GRAPH_BASE_URL: 'http://127.0.0.1:4000', GRAPH_API_VERSION: 'beta', GRAPH_BOOKINGS_PATH: '/bookingBusinesses' });
    expect(config.graph).toMatchObject({ baseUrl: 'http://127.0.0.1:4000/', version: 'beta', bookingsRoot: '/bookingBusinesses' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ GRAPH_API_VERSION: 'v2.0' }, 'GRAPH_API_VERSION'],
    [{ GRAPH_BASE_URL: 'graph.microsoft.com' }, 'GRAPH_BASE_URL'],
    [{ GRAPH_TIMEOUT_MS: '0' }, 'GRAPH_TIMEOUT_MS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LOCAL_USER: 'adele' }, 'LOCAL_USER'],
    [{ GRAPH_BOOKINGS_PATH: '/bookingBusinesses' }, 'GRAPH_BOOKINGS_PATH'],
    [{ ...production, MicrosoftAppPassword: '' }, 'MicrosoftAppPassword'],
    [{ ...production, MicrosoftAppTenantId: '' }, 'MicrosoftAppTenantId'],
    [{ ...production, MicrosoftAppId: 'my-bot' }, 'MicrosoftAppId'],
    [{ ...production, MicrosoftAppType: 'Anonymous' }, 'MicrosoftAppType'],
    [{ ...production, MicrosoftAppType: 'UserAssignedMSI' }, 'MicrosoftAppType'],
    [{ ...production, OAUTH_CONNECTION_NAME: '' }, 'OAUTH_CONNECTION_NAME'],
    [{ ...production, GRAPH_SCOPES: ' , ' }, 'GRAPH_SCOPES'],
    [{ ...production, GRAPH_SCOPES: 'BookingsAppointment.ReadWrite.All Bookings.Read.All' }, 'GRAPH_SCOPES'],
    [{ ...production, MicrosoftAppCertificateThumbprint: 'abc' }, 'MicrosoftAppCertificateThumbprint'],
    [{ ...production, MicrosoftAppCertificateThumbprint: 'a'.repeat(64) }, 'MicrosoftAppCertificateThumbprint and MicrosoftAppCertificateKeyFile'],
    [{ ...production, ENTRA_AUTHORITY_HOST: 'http://login.example' }, 'ENTRA_AUTHORITY_HOST'],
    [{ ...production, MicrosoftAppTenantId: 'my tenant/../x' }, 'MicrosoftAppTenantId'],
    [{ ...production, MicrosoftAppTenantId: 'contoso' }, 'MicrosoftAppTenantId'],
    [{ ...production, MicrosoftAppTenantId: '../../common' }, 'MicrosoftAppTenantId'],
    [{ ...production, ALLOW_EMULATOR_TOKENS: 'yes' }, 'ALLOW_EMULATOR_TOKENS'],
    [{ ...production, MicrosoftAppTenantId: 'contoso.onmicrosoft.com', ALLOW_EMULATOR_TOKENS: 'true' }, 'ALLOW_EMULATOR_TOKENS'],
  ])('names the bad variable: %j', (env, name) => {
    expect(errorOf(env as Record<string, string>)).toContain(`${name}:`);
  });

  it('does not echo secrets in its errors', () => {
    expect(errorOf({ ...production, MicrosoftAppTenantId: '', MicrosoftAppPassword: 'hunter2-secret' })).not.toContain('hunter2');
  });

  it('is documented: every variable is in docs/configuration.md and .env.sample, and the sample as-is means local mode', () => {
    const readme = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const sample = parse(readFileSync(new URL('../../.env.sample', import.meta.url)));
    for (const name of ENV_VARIABLES) {
      expect(readme, name).toContain(`| \`${name}\` |`);
      expect(Object.keys(sample), name).toContain(name);
    }
    expect(Object.keys(sample).sort()).toEqual([...ENV_VARIABLES].sort());
    expect(loadConfig(sample).mode.kind).toBe('local');
  });
});
