import { CloudAdapter, TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity } from 'botframework-connector';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OboTokenProvider } from '../../src/auth/oboTokenProvider.js';
import { Secret } from '../../src/bookings/secret.js';
import { TokenServiceSignIn } from '../../src/bot/signIn/tokenServiceSignIn.js';
import { ADELE } from '../helpers/localGraph.js';
import { oboProviderAgainst } from '../helpers/oboProvider.js';
import { BOT_APP_ID, LocalEntra, TENANT_ID } from '../helpers/standins/entra.js';

/**
 * Which turns may go on with the user's cached Graph token instead of asking the Token Service (issue 16): only one
 * whose activity botbuilder authenticated as the Bot Framework channel's. The identity is what botbuilder's token
 * validation puts in the turn state; over HTTP the Emulator's issuer cannot be validated offline (its metadata is
 * Microsoft's), so the three kinds of identity are set here as botbuilder would set them.
 */
describe('TokenServiceSignIn.remembered', () => {
  let entra: LocalEntra;
  let obo: OboTokenProvider;

  beforeEach(async () => {
    entra = await new LocalEntra().start();
    ({ obo } = oboProviderAgainst(entra));
    // Adele has signed in before: her Graph token is cached.
    await obo.getToken({ user: { id: '29:adele', aadObjectId: entra.user(ADELE).id, tenantId: TENANT_ID }, credential: new Secret(await entra.connectionToken(entra.user(ADELE))) });
  });
  afterEach(async () => {
    obo.close();
    await entra.stop();
  });

  const turnOf = (identity: ClaimsIdentity, aadObjectId = entra.user(ADELE).id, channelId = 'msteams', fromId = '29:adele') => {
    const adapter = new CloudAdapter();
    const context = new TurnContext(adapter, {
      type: 'invoke',
      channelId,
      from: { id: fromId, aadObjectId, name: 'Adele Vance' },
      conversation: { id: 'a:1', tenantId: TENANT_ID, isGroup: false, conversationType: 'personal', name: '' },
      recipient: { id: `28:${BOT_APP_ID}`, name: 'Bookings Bot' },
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
    });
    context.turnState.set(adapter.BotIdentityKey, identity);
    return context;
  };
  const withIssuer = (issuer: string) => new ClaimsIdentity([{ type: AuthenticationConstants.IssuerClaim, value: issuer }, { type: AuthenticationConstants.AudienceClaim, value: BOT_APP_ID }], true);
  const signIn = () => new TokenServiceSignIn('bookings-sso', obo);

  it('lets an activity the channel authenticated go on with the cached token', async () => {
    // As the Teams user whose own Token Service token got the cached Graph token: the activity's ids, checked by it.
    expect(await signIn().remembered(turnOf(withIssuer(AuthenticationConstants.ToBotFromChannelTokenIssuer)))).toEqual({ who: { tenantId: TENANT_ID, objectId: entra.user(ADELE).id } });
  });

  it('never for an activity admitted as the Emulator\'s: its ids are whatever its sender wrote', async () => {
    for (const issuer of [`https://sts.windows.net/${TENANT_ID}/`, `https://login.microsoftonline.com/${TENANT_ID}/v2.0`]) {
      expect(await signIn().remembered(turnOf(withIssuer(issuer)))).toBeUndefined();
    }
  });

  it('never for an anonymous turn, nor for a user whose Graph token is not cached', async () => {
    expect(await signIn().remembered(turnOf(new ClaimsIdentity([], true)))).toBeUndefined();
    expect(await signIn().remembered(turnOf(new ClaimsIdentity([{ type: AuthenticationConstants.IssuerClaim, value: AuthenticationConstants.ToBotFromChannelTokenIssuer }], false)))).toBeUndefined();
    expect(await signIn().remembered(turnOf(withIssuer(AuthenticationConstants.ToBotFromChannelTokenIssuer), '00000000-0000-4000-8000-0000000000ff'))).toBeUndefined();
  });

  it('never outside Teams: Direct Line and Web Chat carry the channel\'s issuer but ids their client chose', async () => {
    for (const channelId of ['webchat', 'directline', 'emulator']) {
      expect(await signIn().remembered(turnOf(withIssuer(AuthenticationConstants.ToBotFromChannelTokenIssuer), entra.user(ADELE).id, channelId))).toBeUndefined();
    }
  });

  it('never for another Teams user id claiming the same Entra user: the token is bound to the Teams user who signed in', async () => {
    const channel = withIssuer(AuthenticationConstants.ToBotFromChannelTokenIssuer);
    expect(await signIn().remembered(turnOf(channel, entra.user(ADELE).id, 'msteams', '29:someone-else'))).toBeUndefined();
  });

  it('never once the user has signed out (their cached token is dropped)', async () => {
    const channel = () => turnOf(withIssuer(AuthenticationConstants.ToBotFromChannelTokenIssuer));
    await obo.forget({ user: { id: '29:adele', aadObjectId: entra.user(ADELE).id, tenantId: TENANT_ID } });
    expect(await signIn().remembered(channel())).toBeUndefined();
  });
});
