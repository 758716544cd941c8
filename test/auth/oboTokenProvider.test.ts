import type { Acting } from '../../src/bookings/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { createMsalClient } from '../../src/auth/msalClient.js';
import type { OboTokenProvider } from '../../src/auth/oboTokenProvider.js';
import { Secret } from '../../src/bookings/secret.js';
import { ExpiringMemoryStorage } from '../../src/storage/expiringMemoryStorage.js';
import { StorageTokenCache } from '../../src/storage/storageTokenCache.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { ADELE } from '../helpers/localGraph.js';
import { oboProviderAgainst } from '../helpers/oboProvider.js';
import { LocalEntra, TENANT_ID } from '../helpers/standins/entra.js';

/** The OBO provider with a real MSAL client against the local Entra ID stand-in (https on 127.0.0.1). */
describe('OboTokenProvider', () => {
  let entra: LocalEntra;
  let now: number;
  let obo: OboTokenProvider;
  let msal: ReturnType<typeof createMsalClient>;

  beforeEach(async () => {
    entra = await new LocalEntra().start();
    now = Date.now();
    ({ obo, msal } = oboProviderAgainst(entra, { now: () => now }));
  });
  afterEach(async () => {
    obo.close();
    await entra.stop();
  });

  /** Adele as a turn acts for her, with her Token Service token as the credential. */
  const user = async (): Promise<Acting> => ({ user: { id: '29:adele', aadObjectId: entra.user(ADELE).id, tenantId: TENANT_ID }, credential: new Secret(await entra.connectionToken(entra.user(ADELE))) });
  const oboCalls = () => entra.oboCalls().length;

  it('fails a sign-out whose shared cache cannot be cleared (an instance could go on as the user), and forgets best-effort after a Graph 401', async () => {
    const adele = await user();
    const down = new Error('storage down');
    const errors: unknown[] = [];
    const shared = { get: () => Promise.resolve(undefined), set: () => Promise.resolve(true), delete: () => Promise.reject(down), signedOut: () => Promise.reject(down) };
    const withShared = oboProviderAgainst(entra, { shared, onSharedCacheError: (error) => errors.push(error) }).obo;
    try {
      await withShared.getToken(adele);
      await expect(withShared.forgetEverywhere(adele)).rejects.toBe(down);
      await expect(withShared.forget(adele)).resolves.toBeUndefined();
      expect(errors).toEqual([down]);
    } finally {
      withShared.close();
    }
  });

  it('exchanges once per user and serves repeats from the cache, also with a renewed user token', async () => {
    const adele = await user();
    const first = await obo.getToken(adele);
    expect(await Promise.all([obo.getToken(adele), obo.getToken(adele)])).toEqual([first, first]);
    // The Token Service renewed Adele's token (or a second Teams client exchanged its own): still her Graph token.
    expect(await obo.getToken(await user())).toBe(first);
    expect(oboCalls()).toBe(1);
    expect(obo.cachedTokens).toBe(1);
  });

  it('keeps nothing in MSAL\'s own cache, and drops expired Graph tokens, so memory does not grow with every user ever served', async () => {
    const adele = await user();
    await obo.getToken(adele);
    expect(await msal.getTokenCache().getAllAccounts()).toEqual([]);
    expect(obo.evictExpired()).toBe(0);
    now += 2 * 60 * 60 * 1000;
    expect(obo.evictExpired()).toBe(1);
    expect(obo.cachedTokens).toBe(0);
    await obo.getToken(adele);
    expect(oboCalls()).toBe(2);
  });

  it('exchanges anew 5 minutes before the Graph token expires (as MSAL renews), not at its expiry', async () => {
    const adele = await user();
    await obo.getToken(adele);
    // Four minutes before expiry: still valid, but within the renewal margin.
    now += (entra.graphTokenLifetimeSeconds - 4 * 60) * 1000;
    await obo.getToken(adele);
    expect(oboCalls()).toBe(2);
  });

  it('a sign-out drops the Graph token on this instance at once (no shared cache): the next turn exchanges again', async () => {
    const adele = await user();
    await obo.getToken(adele);
    await obo.forgetEverywhere(adele);
    expect(obo.cachedTokens).toBe(0);
    await obo.getToken(adele);
    expect(oboCalls()).toBe(2);
  });

  it('forgets a user on sign-out', async () => {
    const adele = await user();
    await obo.getToken(adele);
    await obo.forget(adele);
    expect(obo.cachedTokens).toBe(0);
    await obo.getToken(adele);
    expect(oboCalls()).toBe(2);
  });

  it('forgets the token stored under the user token\'s own tenant and object id, also when the activity names others', async () => {
    const signedIn = await user();
    const adele = { ...signedIn, user: { ...signedIn.user, aadObjectId: 'an-object-id-the-activity-claims' } };
    await obo.getToken(adele);
    await obo.forget(adele); // Graph refused the token
    expect(obo.cachedTokens).toBe(0);
    await obo.getToken(adele);
    expect(oboCalls()).toBe(2);
  });

  it('does not bring a token back when the user signs out on another instance while an exchange is under way', async () => {
    const shared = new StorageTokenCache(new ExpiringMemoryStorage(60_000), 'the-bot-client-secret');
    const [a, b] = [oboProviderAgainst(entra, { shared }).obo, oboProviderAgainst(entra, { shared }).obo];
    try {
      const adele = await user();
      entra.oboDelayMs = 300;
      const exchanging = a.getToken(adele);
      await expect.poll(() => entra.oboReceived).toBe(1); // Entra has the request and holds it 300 ms
      await b.forgetEverywhere(adele); // she signs out on instance B
      expect(oboCalls()).toBe(0); // before the exchange ended
      await exchanging; // the turn begun before still gets its answer
      const withoutToken = { ...adele, credential: undefined };
      expect(await a.hasFreshToken(withoutToken)).toBe(false);
      expect(await b.hasFreshToken(withoutToken)).toBe(false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('stops sharing an exchange that hangs at the deadline of the turn that began it: the user\'s next turn asks Entra afresh', async () => {
    entra.oboDelayMs = 6_000;
    void obo.getToken({ ...(await user()), deadline: performance.now() + 300 }).catch(() => undefined);
    await expect.poll(() => entra.oboReceived).toBe(1);
    entra.oboDelayMs = 0;
    // Turns that come after it: they join the hung exchange until its first turn's deadline, then start their own.
    let next: Promise<string> | undefined;
    await expect.poll(async () => {
      next = obo.getToken({ ...(await user()), deadline: performance.now() + 5_000 });
      return entra.oboReceived;
    }, { timeout: 3_000 }).toBe(2);
    await expect(next).resolves.toMatch(/^eyJ/);
  });

  it('keeps no token from an exchange that ends after the user signed out on this instance (no shared cache)', async () => {
    const adele = await user();
    entra.oboDelayMs = 300;
    const exchanging = obo.getToken({ ...adele, startedAt: now });
    await expect.poll(() => entra.oboReceived).toBe(1);
    now += 10;
    await obo.forgetEverywhere(adele);
    await exchanging;
    expect(await obo.hasFreshToken({ ...adele, credential: undefined })).toBe(false);
    expect(obo.cachedTokens).toBe(0);
  });

  it('keeps no token from a turn that began while the sign-out turn was still signing the user out at the Token Service', async () => {
    const adele = await user();
    await obo.forgetEverywhere({ ...adele, deadline: performance.now() + 2_000 }); // its Token Service call may take that long
    await obo.getToken({ ...adele, startedAt: now + 1_000 }); // another Teams client's turn, begun meanwhile
    expect(await obo.hasFreshToken({ ...adele, credential: undefined })).toBe(false);
    expect(obo.cachedTokens).toBe(0);
  });

  it('keeps no token when the user signed out after the turn began, before its exchange started', async () => {
    const shared = new StorageTokenCache(new ExpiringMemoryStorage(60_000), 'the-bot-client-secret');
    const [a, b] = [oboProviderAgainst(entra, { shared, now: () => now }).obo, oboProviderAgainst(entra, { shared, now: () => now }).obo];
    try {
      const adele = { ...(await user()), startedAt: now }; // the turn on A began, then read storage…
      now += 10;
      await b.forgetEverywhere(adele); // …while she signed out on B
      now += 10;
      await a.getToken(adele);
      expect(await a.hasFreshToken({ ...adele, credential: undefined })).toBe(false);
      expect(await b.hasFreshToken({ ...adele, credential: undefined })).toBe(false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses without a user token, and maps Entra refusals to codes', async () => {
    await expect(obo.getToken({ user: { id: '29:x' } })).rejects.toMatchObject({ code: ErrorCode.SignInRequired });
    entra.withoutConsent.add(entra.user(ADELE).id);
    await expect(obo.getToken(await user())).rejects.toMatchObject({ code: ErrorCode.ConsentRequired });
  });
});
