import { createPrivateKey, randomUUID } from 'node:crypto';
import { EmulatorValidation } from 'botframework-connector';
import { exportPKCS8, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamsActivity } from '../helpers/botHarness.js';
import type { ChannelTokenForgery } from '../helpers/connector.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';
import { BOT_APP_ID, TENANT_ID } from '../helpers/standins/entra.js';

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Inbound authentication in production mode: the channel stand-in publishes its signing keys as OpenID metadata
 * (endorsed for msteams, emulator and webchat) and the bot trusts it, as it trusts login.botframework.com. Each
 * token below is correct in all but one way; each must get 401 and leave no trace: no reply, no call to the Token
 * Service or Graph, one log line, and a body that repeats nothing of the token.
 */
describe('tokens correct in all but one way are refused and not processed', () => {
  let h: ProductionHarness;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    h = await startProductionBot({ LOG_LEVEL: 'info' });
    otherKey = (await generateKeyPair('RS256')).privateKey;
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Posts "appointments" with the given Authorization header (or none); returns the answer and what it left behind. */
  const send = async (authorization: string | undefined, activity: Record<string, unknown> = {}) => {
    const before = { replies: h.connector.calls.length, tokenService: h.tokenService.calls.length, graph: h.graph.requests.length, logs: h.logs.length };
    const full = { id: randomUUID(), serviceUrl: h.connector.url, ...teamsActivity({ type: 'message', text: 'appointments' }), ...activity };
    const response = await fetch(`${h.bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
      body: JSON.stringify(full),
    });
    const body = await response.text();
    // Replies are sent during the turn, before the HTTP answer: nothing can still be on its way.
    return {
      status: response.status,
      body,
      replies: h.connector.calls.length - before.replies,
      tokenServiceCalls: h.tokenService.calls.length - before.tokenService,
      graphCalls: h.graph.requests.length - before.graph,
      logLines: h.logs.slice(before.logs).map((line) => JSON.parse(line) as { msg: string; status?: number }),
    };
  };
  const forged = (forgery: ChannelTokenForgery) => h.connector.forgedAuthorization(h.connector.url, forgery);

  it('processes the correct token (the control: the same request does reach the Token Service and gets a reply)', async () => {
    const answer = await send(await forged({}));
    expect(answer.status).toBe(200);
    expect(answer.replies).toBeGreaterThan(0);
    expect(answer.tokenServiceCalls).toBeGreaterThan(0);
  });

  const cases: [string, () => Promise<string | undefined>, Record<string, unknown>?][] = [
    ['no Authorization header', () => Promise.resolve(undefined)],
    ['not a bearer token', () => Promise.resolve('Basic dXNlcjpwYXNz')],
    ['a bearer token that is not a JWT', () => Promise.resolve('Bearer not-a-jwt')],
    ['audience: another app', () => forged({ claims: { aud: randomUUID() } })],
    ['audience: missing', () => forged({ claims: { aud: undefined } })],
    ['issuer: another one', () => forged({ claims: { iss: 'https://api.botframework.com.example' } })],
    ['issuer: an Emulator issuer (not allowed by default)', () => forged({ claims: { iss: `https://sts.windows.net/${TENANT_ID}/`, tid: TENANT_ID, appid: BOT_APP_ID } })],
    ['expired (past the 5-minute clock tolerance)', () => forged({ claims: { nbf: now() - 4000, exp: now() - 600 } })],
    ['not yet valid', () => forged({ claims: { nbf: now() + 600, exp: now() + 4000 } })],
    ['serviceurl claim: another host than the activity names', () => forged({ claims: { serviceurl: 'https://attacker.example/' } })],
    ['signed with an unknown key', () => forged({ header: { kid: 'not-published' }, key: otherKey })],
    ['signed with another key under the published key id', () => forged({ key: otherKey })],
    ['key not endorsed for the channel', () => forged({}), { channelId: 'slack' }],
    ['alg: none', () => Promise.resolve(`Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: 'https://api.botframework.com', aud: BOT_APP_ID, exp: now() + 3600 })}.`)],
    ['alg: HS256 keyed with the public key (algorithm confusion)', async () => forged({ header: { alg: 'HS256' }, key: new TextEncoder().encode(await exportSPKI(h.connector.keyPair.publicKey)) })],
    ['alg: PS256 with the published key (not an algorithm botbuilder allows)', async () => forged({ header: { alg: 'PS256' }, key: createPrivateKey(await exportPKCS8(h.connector.keyPair.privateKey)) })],
  ];

  it.each(cases)('%s → 401, nothing sent or asked, one log line, a generic body', async (_name, authorization, activity) => {
    const answer = await send(await authorization(), activity);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ error: 'Unauthorized.' });
    expect({ replies: answer.replies, tokenService: answer.tokenServiceCalls, graph: answer.graphCalls }).toEqual({ replies: 0, tokenService: 0, graph: 0 });
    expect(answer.logLines).toEqual([expect.objectContaining({ msg: 'request refused', status: 401 })]);
  });

  it('refuses a token it has just accepted, on an activity for another host or channel: nothing sent there', async () => {
    const token = await forged({});
    expect((await send(token)).status).toBe(200);
    for (const activity of [{ serviceUrl: 'https://attacker.example/' }, { channelId: 'slack' }]) {
      const answer = await send(token, activity);
      expect(answer.status).toBe(401);
      expect({ replies: answer.replies, tokenService: answer.tokenServiceCalls, graph: answer.graphCalls }).toEqual({ replies: 0, tokenService: 0, graph: 0 });
    }
  });
});

describe('the Emulator issuer list botbuilder grows from unverified tenant ids', () => {
  let h: ProductionHarness;
  beforeAll(async () => {
    h = await startProductionBot({ LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('stays as it was after 10,000 tokens with random tenant ids, each refused with 401', async () => {
    const issuers = EmulatorValidation.ToBotFromEmulatorTokenValidationParameters.issuer as string[];
    const before = [...issuers];
    const { privateKey } = await generateKeyPair('RS256');
    const token = (tid: string) =>
      new SignJWT({ tid, appid: BOT_APP_ID, ver: '1.0' }).setProtectedHeader({ alg: 'RS256' }).setIssuer(`https://sts.windows.net/${tid}/`).setAudience(BOT_APP_ID).setExpirationTime('1h').sign(privateKey);
    const activity = JSON.stringify({ ...teamsActivity({ type: 'message', text: 'appointments' }), serviceUrl: h.connector.url });
    const statuses = new Map<number, number>();
    const worker = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${h.bot.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token(randomUUID())}` }, body: activity });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 20 }, () => worker(500)));
    expect(Object.fromEntries(statuses)).toEqual({ 401: 10_000 });
    expect(issuers).toEqual(before);
    expect(h.connector.calls).toHaveLength(0);
  }, 120_000);
});
