import { randomUUID } from 'node:crypto';
import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { type AuthenticateRequestResult, AuthenticationConstants, AuthenticationError } from 'botframework-connector';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InboundAdapter } from '../../../src/bot/inbound/gate.js';
import { FakeConnector } from '../../helpers/connector.js';
import { BOT_APP_ID, TENANT_ID } from '../../helpers/standins/entra.js';

/**
 * botbuilder's own verification, against the channel stand-in's published keys (endorsed for msteams, not slack);
 * each full verification is counted, so a test sees when a token was verified again and when it was remembered.
 */
class CountedAuthentication extends ConfigurationBotFrameworkAuthentication {
  verifications = 0;

  override authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    this.verifications++;
    return super.authenticateRequest(activity, authHeader);
  }
}

describe('a verified channel token is remembered for what it was verified against, until it expires', () => {
  let connector: FakeConnector;
  let auth: CountedAuthentication;
  let nowMs: number;
  let adapter: InboundAdapter;

  beforeAll(async () => {
    connector = await new FakeConnector().start();
  });
  afterAll(async () => {
    await connector.stop();
  });
  beforeEach(() => {
    auth = new CountedAuthentication({
      MicrosoftAppId: BOT_APP_ID,
      MicrosoftAppTenantId: TENANT_ID,
      MicrosoftAppType: 'SingleTenant',
      // Needed to build the adapter's outbound clients; nothing is sent here.
      MicrosoftAppPassword: 'unused',
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      ToBotFromChannelOpenIdMetadataUrl: connector.openIdMetadataUrl,
    });
    nowMs = Date.now();
    adapter = new InboundAdapter(auth, () => nowMs);
  });

  const turn = (authorization: string, change: Partial<Activity> = {}) =>
    adapter.turnOf(
      authorization,
      { type: 'message', id: randomUUID(), channelId: 'msteams', serviceUrl: connector.url, conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'b1' }, text: 'hi', ...change } as Activity,
      () => Promise.resolve(),
    );
  const tokenFor = (claims: Record<string, unknown> = {}) => connector.forgedAuthorization(connector.url, { claims });

  it('verifies a token once for any number of turns from the same channel and service URL', async () => {
    const token = await tokenFor();
    for (let i = 0; i < 3; i++) await turn(token);
    expect(auth.verifications).toBe(1);
  });

  it('still refuses the accepted token on an activity naming another service URL (its serviceurl claim)', async () => {
    const token = await tokenFor();
    await turn(token);
    await expect(turn(token, { serviceUrl: 'https://attacker.example/' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(auth.verifications).toBe(2);
  });

  it('still refuses the accepted token on an activity of a channel its key is not endorsed for', async () => {
    const token = await tokenFor();
    await turn(token);
    await expect(turn(token, { channelId: 'slack' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(auth.verifications).toBe(2);
  });

  it("verifies again once the token's exp has passed", async () => {
    const exp = Math.floor(nowMs / 1000) + 60;
    const token = await tokenFor({ exp });
    await turn(token);
    nowMs = exp * 1000 - 1;
    await turn(token);
    expect(auth.verifications).toBe(1);
    nowMs = exp * 1000;
    await turn(token);
    expect(auth.verifications).toBe(2);
  });

  it('verifies a long-lived token again after 10 minutes', async () => {
    const token = await tokenFor({ exp: Math.floor(nowMs / 1000) + 3600 });
    const start = nowMs;
    await turn(token);
    nowMs = start + 10 * 60_000 - 1;
    await turn(token);
    expect(auth.verifications).toBe(1);
    nowMs = start + 10 * 60_000;
    await turn(token);
    expect(auth.verifications).toBe(2);
  });

  it('verifies a token without exp (which botbuilder accepts) every time', async () => {
    const token = await tokenFor({ exp: undefined });
    await turn(token);
    await turn(token);
    expect(auth.verifications).toBe(2);
  });

  it('remembers at most 256 tokens: past them the oldest is verified again', async () => {
    const first = await tokenFor({ jti: 'first' });
    await turn(first);
    for (let i = 1; i < 256; i++) await turn(await tokenFor({ jti: String(i) }));
    await turn(first);
    expect(auth.verifications).toBe(256);
    await turn(await tokenFor({ jti: 'one more' }));
    await turn(first);
    expect(auth.verifications).toBe(258);
  });
});
