import { describe, expect, it } from 'vitest';
import { parseAuthenticationString, parseConnectionString } from '../../src/config/appInsights.js';
import { ConfigError, loadConfig, unknownSettings } from '../../src/config/config.js';

const KEY = '00000000-0000-4000-8000-00000000a15e';
const PORTAL = `InstrumentationKey=${KEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=0f2f1c3e-1d2b-4e5f-8a9b-0c1d2e3f4a5b`;
const MI_CLIENT_ID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

describe('APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
  it('takes the string the portal shows, normalized for the exporter (part names, spaces, a trailing ";")', () => {
    expect(parseConnectionString(PORTAL)).toEqual({ connectionString: PORTAL, ingestionEndpoint: 'https://westeurope-5.in.applicationinsights.azure.com/' });
    expect(parseConnectionString(` instrumentationkey = ${KEY} ; ingestionEndpoint=https://x.in.applicationinsights.azure.com/;`)).toEqual({
      connectionString: `InstrumentationKey=${KEY};IngestionEndpoint=https://x.in.applicationinsights.azure.com/`,
      ingestionEndpoint: 'https://x.in.applicationinsights.azure.com/',
    });
  });

  it('refuses what the exporter would take silently and send elsewhere, or refuse later', () => {
    const problems: [string, RegExp][] = [
      [`InstrumentationKey=${KEY}`, /IngestionEndpoint must be the https URL/],
      [`InstrumentationKey=${KEY};IngestionEndpoint=http://x.in.applicationinsights.azure.com/`, /IngestionEndpoint must be the https URL/],
      [`InstrumentationKey=${KEY};IngestionEndpoint=not a url`, /IngestionEndpoint must be the https URL/],
      [`InstrumentationKey=${KEY};IngestionEndpoint=https://x/?a=b`, /each part must be Key=Value/],
      [`InstrumentationKey=${KEY.toUpperCase()};IngestionEndpoint=https://x/`, /InstrumentationKey must be the resource's GUID in lower case/],
      [`IngestionEndpoint=https://x/`, /InstrumentationKey must be/],
      ['garbage', /each part must be Key=Value/],
      [`InstrumentationKey=${KEY};IngestionEndpoint=https://x/;Colour=blue`, /"Colour" is not a part of it/],
      [`InstrumentationKey=${KEY};InstrumentationKey=${KEY};IngestionEndpoint=https://x/`, /InstrumentationKey is given twice/],
      [`InstrumentationKey=${KEY};IngestionEndpoint=https://x/;LiveEndpoint=http://y/`, /LiveEndpoint must be an https URL/],
    ];
    for (const [raw, problem] of problems) expect((parseConnectionString(raw) as { problem?: string }).problem, raw).toMatch(problem);
  });

  it('a bad one stops the bot at start with a message that names the setting and never quotes the string', () => {
    const bad = [
      `InstrumentationKey=${KEY};IngestionEndpoint=http://secret-host.example/`,
      `InstrumentationKey=${KEY.toUpperCase()};IngestionEndpoint=https://secret-host.example/`,
      `InstrumentationKey=${KEY};IngestionEndpoint=https://secret-host.example/?sig=abc`,
      `InstrumentationKey=${KEY};IngestionEndpoint=https://secret-host.example/;LiveEndpoint=http://secret-host.example/`,
    ];
    for (const secret of bad) {
      let error: unknown;
      try {
        loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: secret });
      } catch (thrown) {
        error = thrown;
      }
      expect(error, secret).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}APPLICATIONINSIGHTS_CONNECTION_STRING: /);
      expect((error as Error).message.toLowerCase()).not.toContain(KEY);
      expect((error as Error).message).not.toContain('secret-host');
    }
  });

  it('without it telemetry is off; with it, on (instrumentation key, or Entra ID with the managed identity)', () => {
    expect(loadConfig({}).telemetry).toBeUndefined();
    expect(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' }).telemetry).toBeUndefined();
    expect(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: PORTAL }).telemetry).toEqual({ connectionString: PORTAL, ingestionEndpoint: 'https://westeurope-5.in.applicationinsights.azure.com/' });
    const production = { MicrosoftAppId: '3f0c6a7e-1b2d-4c5e-8f90-a1b2c3d4e5f6', MicrosoftAppTenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', OAUTH_CONNECTION_NAME: 'c', MANAGED_IDENTITY_CLIENT_ID: MI_CLIENT_ID, APPLICATIONINSIGHTS_CONNECTION_STRING: PORTAL };
    const other = '11111111-2222-4333-8444-555555555555';
    expect(loadConfig({ ...production, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${other}` }).telemetry?.entraClientId).toBe(other);
    expect(loadConfig({ ...production, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).telemetry?.entraClientId).toBe(MI_CLIENT_ID);
    expect(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: PORTAL, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }).telemetry?.entraClientId).toBe('system');
  });

  it('APPLICATIONINSIGHTS_AUTHENTICATION_STRING: Authorization=AAD, an optional ClientId GUID, and only with a connection string', () => {
    expect(parseAuthenticationString('Authorization=AAD')).toEqual({ clientId: undefined });
    expect(parseAuthenticationString(`authorization=aad;ClientId=${MI_CLIENT_ID}`)).toEqual({ clientId: MI_CLIENT_ID });
    expect((parseAuthenticationString('Authorization=Key') as { problem: string }).problem).toMatch(/must say Authorization=AAD/);
    expect((parseAuthenticationString('Authorization=AAD;ClientId=me') as { problem: string }).problem).toMatch(/ClientId must be the managed identity's client id/);
    expect(() => loadConfig({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' })).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: set it only with APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });

  it("a .env naming the telemetry libraries' own settings is not warned about as ignored; a misspelt one is", () => {
    expect(unknownSettings(['APPLICATION_INSIGHTS_NO_STATSBEAT', 'OTEL_METRIC_EXPORT_INTERVAL', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'COLOUR'])).toEqual(['COLOUR']);
    expect(unknownSettings(['APPLICATION_INSIGHTS_NO_STATSBEATS', 'OTEL_SERVICENAME'])).toEqual(['APPLICATION_INSIGHTS_NO_STATSBEATS', 'OTEL_SERVICENAME']);
  });

  it('refuses the distro\'s JSON configuration, which would override the options that keep URLs and ids out', () => {
    for (const name of ['APPLICATIONINSIGHTS_CONFIGURATION_CONTENT', 'APPLICATIONINSIGHTS_CONFIGURATION_FILE']) {
      const error = (() => {
        try {
          loadConfig({ [name]: '{"instrumentationOptions":{"http":{"enabled":true}}}' });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`${name}: not allowed`);
    }
  });
});
