import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetupError, targetOf } from '../../src/tenant-check/environment.js';
import { ADELE } from '../helpers/localGraph.js';
import { BOT_APP_ID, BOT_SECRET, LocalEntra, TENANT_ID } from '../helpers/standins/entra.js';

describe('what --env <env> signs in to', () => {
  const root = mkdtempSync(join(tmpdir(), 'tenant-check-env-'));
  mkdirSync(join(root, 'env'));
  writeFileSync(join(root, 'env', '.env.dev'), 'BOT_ID=\nBOT_TENANT_ID=contoso.onmicrosoft.com\n');
  writeFileSync(join(root, 'env', '.env.dev.user'), `BOT_ID=${BOT_APP_ID}\n`);
  writeFileSync(join(root, 'env', '.env.prod'), 'BOT_ID=\nBOT_TENANT_ID=\n');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads BOT_ID and BOT_TENANT_ID from env/.env.<env> and its .user file; Microsoft\'s endpoints and the bot\'s permissions by default', () => {
    expect(targetOf(root, 'dev', {})).toEqual({
      env: 'dev',
      appId: BOT_APP_ID,
      tenantId: 'contoso.onmicrosoft.com',
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com/',
      scopes: ['https://graph.microsoft.com/BookingsAppointment.ReadWrite.All', 'https://graph.microsoft.com/Bookings.Read.All', 'https://graph.microsoft.com/User.Read'],
    });
  });

  it('takes the bot\'s own settings for other clouds from the shell: ENTRA_AUTHORITY_HOST (https only), GRAPH_BASE_URL, GRAPH_SCOPES', () => {
    const target = targetOf(root, 'dev', { ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.us/', GRAPH_BASE_URL: 'https://graph.microsoft.us', GRAPH_SCOPES: 'Bookings.Read.All User.Read' });
    expect([target.authorityHost, target.graphBaseUrl, target.scopes]).toEqual(['https://login.microsoftonline.us', 'https://graph.microsoft.us/', ['https://graph.microsoft.com/Bookings.Read.All', 'https://graph.microsoft.com/User.Read']]);
    expect(() => targetOf(root, 'dev', { ENTRA_AUTHORITY_HOST: 'http://login.example' })).toThrow(/ENTRA_AUTHORITY_HOST: "http:\/\/login\.example" is not a https URL/);
  });

  it('says what is missing, and takes no environment name that could leave env/', () => {
    expect(() => targetOf(root, 'prod', {})).toThrow(new SetupError('env/.env.prod has no BOT_ID or BOT_TENANT_ID: run `npx atk provision --env prod` first'));
    expect(() => targetOf(root, 'staging', {})).toThrow('env/.env.staging does not exist');
    for (const env of ['../dev', 'dev/../../x', '.', '']) expect(() => targetOf(root, env, {}), env).toThrow(/is not an environment name/);
  });
});

describe('the Entra ID stand-in: the device authorization grant (RFC 8628, as Entra serves it)', () => {
  const entra = new LocalEntra();
  const post = async (path: string, form: Record<string, string>) => {
    const response = await fetch(`${entra.url}/${TENANT_ID}/oauth2/v2.0/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const deviceCode = () => post('devicecode', { client_id: BOT_APP_ID, scope: 'https://graph.microsoft.com/User.Read openid offline_access' });
  const redeem = (code: string, extra: Record<string, string> = {}) => post('token', { client_id: BOT_APP_ID, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: code, ...extra });

  beforeAll(async () => {
    await entra.start();
  });
  afterAll(() => entra.stop());

  it('answers the device code request with the documented fields, then authorization_pending until the person signs in, then the tokens', async () => {
    entra.publicClientFlows = true;
    const { status, body } = await deviceCode();
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['device_code', 'expires_in', 'interval', 'message', 'user_code', 'verification_uri']);
    expect(body).toMatchObject({ expires_in: 900, interval: 5, verification_uri: `${entra.url}/devicelogin` });
    const pending = await redeem(body.device_code as string);
    expect(pending).toMatchObject({ status: 400, body: { error: 'authorization_pending', error_codes: [70016] } });
    await entra.signInWithDeviceCode(body.user_code as string, ADELE);
    const issued = await redeem(body.device_code as string);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'https://graph.microsoft.com/User.Read' });
    // Redeemed once: the code is spent.
    expect(await redeem(body.device_code as string)).toMatchObject({ status: 400, body: { error: 'expired_token', error_codes: [70020] } });
  });

  it('refuses a public client that sends a secret, and treats an app without public client flows as confidential', async () => {
    entra.publicClientFlows = true;
    const first = (await deviceCode()).body;
    expect(await redeem(first.device_code as string, { client_secret: BOT_SECRET })).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [700025] } });
    entra.publicClientFlows = false;
    const second = (await deviceCode()).body;
    expect(await redeem(second.device_code as string)).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000218] } });
  });

  it('lets a device code expire', async () => {
    entra.publicClientFlows = true;
    entra.deviceCodeLifetimeSeconds = 0;
    try {
      const { body } = await deviceCode();
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await redeem(body.device_code as string)).toMatchObject({ status: 400, body: { error: 'expired_token', error_codes: [70020] } });
    } finally {
      entra.deviceCodeLifetimeSeconds = 900;
    }
  });
});
