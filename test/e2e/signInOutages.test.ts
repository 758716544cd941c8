import { afterEach, describe, expect, it } from 'vitest';
import { actionsOf, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const UNREACHABLE = "Microsoft's sign-in service could not be reached, so I can't act as you right now. Nothing was changed. Please try again in a moment.";
const TIMEOUT = 'Microsoft Bookings did not answer in time. Please try again; if the first attempt went through, I will tell you.';
const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;
const MEGAN = 'MeganB@contoso.onmicrosoft.com';
const LIST = { offset: 0, range: 'upcoming', scope: 'mine' };

/**
 * README, "Sign-in situation": "Token Service or Entra ID unreachable → could not be reached, try again". Here the
 * peer is down (its port refuses connections), not slow: the answer is the outage text at once, not the timeout that
 * a hang ends in, with Try again, in an HTTP 200; and once the peer is back the same Try again works.
 */
describe('a sign-in peer that is down', () => {
  let h: ProductionHarness;
  afterEach(async () => {
    await h.stop();
  });

  const expectUnreachableCard = (answer: Awaited<ReturnType<ProductionHarness['click']>>) => {
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const texts = textsOf(answer.body.value);
    expect(texts).toContain(UNREACHABLE);
    expect(texts).not.toContain(TIMEOUT);
    const tryAgain = actionsOf(answer.body.value).find((a) => a.title === 'Try again');
    expect(tryAgain).toMatchObject({ verb: 'appointments.list' });
    return tryAgain!;
  };

  it('the Bot Framework Token Service refusing connections: "could not be reached" with Try again, which works once it is back', async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));

    // No Graph token cached yet, so this click needs the user's token from the Token Service.
    await h.tokenService.stop();
    const tryAgain = expectUnreachableCard(await h.click('appointments.list', LIST));
    // Without the user's token nothing went to Graph.
    expect(h.graph.requests).toHaveLength(0);
    const failed = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'action failed');
    expect(failed.map((l) => l.code)).toEqual(['signInUnavailable']);

    await h.tokenService.start();
    const retried = await h.click(tryAgain.verb, tryAgain.data);
    expect(textsOf(retried.body.value)[0]).toBe('Your upcoming appointments');

    // Now the user's Graph token is cached: their next click needs no Token Service, so its outage goes unnoticed.
    await h.tokenService.stop();
    expect(textsOf((await h.click('appointments.list', LIST)).body.value)[0]).toBe('Your upcoming appointments');
  });

  it('Entra ID refusing connections at the on-behalf-of exchange: "could not be reached" with Try again, which works once it is back', async () => {
    h = await startProductionBot();
    // Adele's turn first: the bot's own Token Service token and Entra's metadata are then what a running bot already has.
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    expect(textsOf((await h.click('appointments.list', LIST)).body.value)[0]).toBe('Your upcoming appointments');
    // Megan has no Graph token yet: her click needs an on-behalf-of exchange.
    const megan = h.entra.user(MEGAN);
    const asMegan = { from: { id: '29:megan-teams-user', aadObjectId: megan.id, name: megan.displayName } };
    await h.tokenService.signInDirectly('29:megan-teams-user', megan);

    await h.entra.stop();
    const tryAgain = expectUnreachableCard(await h.click('appointments.list', LIST, asMegan));
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['issued']);
    expect(h.graph.requests.some((r) => r.user === MEGAN)).toBe(false);

    await h.entra.start();
    const retried = await h.click(tryAgain.verb, tryAgain.data, asMegan);
    expect(textsOf(retried.body.value)[0]).toBe('Your upcoming appointments');
    expect(h.entra.oboCalls().map((c) => c.outcome)).toEqual(['issued', 'issued']);
    expect(h.graph.requests.some((r) => r.user === MEGAN)).toBe(true);
  });
});
