import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityAssertion, TOKEN_EXCHANGE_AUDIENCE } from '../../src/auth/managedIdentityAssertion.js';
import { toSignInError } from '../../src/auth/msalErrors.js';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { createLogger } from '../../src/logging/logger.js';
import { sendJson, StandInServer } from '../helpers/standins/http.js';
import { LocalManagedIdentity } from '../helpers/standins/managedIdentity.js';

const identity = new LocalManagedIdentity();
/** In front of the identity endpoint: answers 500 while `failing`, or passes the request on. */
let failing = false;
const front = new StandInServer(false, async (req, url, _body, res) => {
  if (failing) return sendJson(res, 500, { statusCode: 500, message: 'Internal error.' });
  const answer = await fetch(`${identity.endpoint}${url.search}`, { headers: { 'X-IDENTITY-HEADER': String(req.headers['x-identity-header'] ?? '') } });
  sendJson(res, answer.status, await answer.json());
});
const savedEnv = { ...process.env };
const logger = createLogger('silent');

beforeAll(async () => {
  await identity.start();
  await front.start();
  for (const name of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_)/.test(name)) delete process.env[name];
  // msal-node reads the platform's variables and keeps the source it chose for the process: set once, here.
  process.env.IDENTITY_ENDPOINT = `${front.url}/msi/token`;
  process.env.IDENTITY_HEADER = identity.identityHeader;
});
afterAll(async () => {
  process.env = savedEnv;
  await front.stop();
  await identity.stop();
});

describe("the managed identity's token as the bot's client assertion", () => {
  it("is the user-assigned identity's token for api://AzureADTokenExchange, from App Service's endpoint", async () => {
    const source = new ManagedIdentityAssertion(identity.clientId, logger);
    expect(source.source).toBe('AppService');
    const claims = decodeJwt(await source.assertion());
    expect(claims).toMatchObject({ aud: TOKEN_EXCHANGE_AUDIENCE, iss: identity.issuer, sub: identity.principalId, appid: identity.clientId });
    expect(identity.requests).toEqual([{ method: 'GET', apiVersion: '2019-08-01', resource: TOKEN_EXCHANGE_AUDIENCE, clientId: identity.clientId, headerMatched: true, outcome: 'issued' }]);
  });

  it('is a coded error: signInMisconfigured when the endpoint refuses the identity, signInUnavailable when it fails', async () => {
    const unassigned = await new ManagedIdentityAssertion('11111111-2222-4333-8444-555555555555', logger).assertion().catch((error: unknown) => error);
    expect(unassigned).toBeInstanceOf(CodedError);
    expect(unassigned).toMatchObject({ code: ErrorCode.SignInMisconfigured });
    // The on-behalf-of path maps MSAL's errors; the assertion's own arrives coded already and stays as it is.
    expect(toSignInError(unassigned)).toBe(unassigned);

    failing = true;
    try {
      // A 500 is retried by MSAL (3 times, 1 s apart) before it gives up; of another, unfetched identity.
      const broken = await new ManagedIdentityAssertion('66666666-7777-4888-8999-000000000000', logger).assertion().catch((error: unknown) => error);
      expect(broken).toMatchObject({ code: ErrorCode.SignInUnavailable });
    } finally {
      failing = false;
    }
  });

  it('is a coded error, signInUnavailable, when nothing answers on the endpoint', async () => {
    await front.stop();
    const unreachable = await new ManagedIdentityAssertion('22222222-3333-4444-8555-666666666666', logger).assertion().catch((error: unknown) => error);
    expect(unreachable).toMatchObject({ code: ErrorCode.SignInUnavailable });
    await front.start();
  });
});
