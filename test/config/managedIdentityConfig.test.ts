import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configErrorOf } from '../helpers/configError.js';

/** Production settings as the App Service has them with a managed identity: no secret, no certificate. */
const withIdentity = {
  MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6',
  MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  MicrosoftAppType: 'SingleTenant',
  MANAGED_IDENTITY_CLIENT_ID: '5e29463d-71da-4fe0-8e69-999b57db23b0',
  OAUTH_CONNECTION_NAME: 'bookings-sso',
};

const errorOf = configErrorOf;

describe('MANAGED_IDENTITY_CLIENT_ID: a federated credential from a user-assigned managed identity', () => {
  it('is the app\'s credential, with no secret and no certificate', () => {
    const mode = loadConfig(withIdentity).mode;
    expect(mode).toMatchObject({ kind: 'production', appType: 'SingleTenant', tenantId: withIdentity.MicrosoftAppTenantId });
    expect(mode.kind === 'production' && mode.credential).toEqual({ kind: 'managedIdentity', clientId: withIdentity.MANAGED_IDENTITY_CLIENT_ID });
  });

  it('refuses it with a client secret, naming both settings, and without echoing the secret', () => {
    const message = errorOf({ ...withIdentity, MicrosoftAppPassword: 'hunter2-secret' });
    expect(message).toContain('MANAGED_IDENTITY_CLIENT_ID and MicrosoftAppPassword: set one of them, not both');
    expect(message).not.toContain('hunter2');
  });

  it('refuses it with a certificate, naming the certificate settings', () => {
    const thumbprint = 'a'.repeat(64);
    expect(errorOf({ ...withIdentity, MicrosoftAppCertificateThumbprint: thumbprint, MicrosoftAppCertificateKeyFile: '/nowhere/bot.key.pem' })).toContain(
      'MANAGED_IDENTITY_CLIENT_ID and MicrosoftAppCertificateThumbprint/MicrosoftAppCertificateKeyFile: set one of them, not both',
    );
    expect(errorOf({ ...withIdentity, MicrosoftAppCertificateKeyFile: '/nowhere/bot.key.pem' })).toContain('MANAGED_IDENTITY_CLIENT_ID and MicrosoftAppCertificateThumbprint');
  });

  it('refuses it without the tenant, or for a multi-tenant app: a federated credential is trusted in the app\'s own tenant only', () => {
    expect(errorOf({ ...withIdentity, MicrosoftAppTenantId: '' })).toContain('MANAGED_IDENTITY_CLIENT_ID: needs MicrosoftAppType=SingleTenant and MicrosoftAppTenantId');
    expect(errorOf({ ...withIdentity, MicrosoftAppType: 'MultiTenant' })).toContain('MANAGED_IDENTITY_CLIENT_ID: needs MicrosoftAppType=SingleTenant and MicrosoftAppTenantId');
    expect(errorOf({ ...withIdentity, MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '' })).toContain('MANAGED_IDENTITY_CLIENT_ID: needs');
  });

  it('refuses a value that is not a client id, and the setting without MicrosoftAppId (it would start local mode)', () => {
    expect(errorOf({ ...withIdentity, MANAGED_IDENTITY_CLIENT_ID: 'my-identity' })).toContain("MANAGED_IDENTITY_CLIENT_ID: must be the user-assigned managed identity's client id, a GUID");
    const withoutAppId: Record<string, string> = { ...withIdentity };
    delete withoutAppId.MicrosoftAppId;
    expect(errorOf(withoutAppId)).toMatch(/MicrosoftAppId: required with .*MANAGED_IDENTITY_CLIENT_ID/);
  });

  it('names it as the alternative when no credential is set, and for UserAssignedMSI', () => {
    const noCredential: Record<string, string> = { ...withIdentity };
    delete noCredential.MANAGED_IDENTITY_CLIENT_ID;
    expect(errorOf(noCredential)).toContain('MicrosoftAppPassword: required when MicrosoftAppId is set (or MicrosoftAppCertificateThumbprint with MicrosoftAppCertificateKeyFile, or MANAGED_IDENTITY_CLIENT_ID)');
    expect(errorOf({ ...withIdentity, MicrosoftAppType: 'UserAssignedMSI' })).toContain('MicrosoftAppType: UserAssignedMSI cannot sign in on behalf of users');
  });
});
