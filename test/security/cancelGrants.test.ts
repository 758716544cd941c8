import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE, CONTOSO } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

const TEAMS_USER_ID = (teamsActivity({}).from as { id: string }).id;
const MEGAN = 'MeganB@contoso.onmicrosoft.com';
const OUT_OF_DATE = 'This card was out of date, so nothing has been cancelled yet. Check the appointment as it is now, then confirm again.';
const MESSAGE = 'Sorry, the kitchen is closed that day.';

/**
 * Confirm sends only Graph's POST (issue 16): the Cancel prompt's Confirm carries a grant the bot signed, bound to the
 * user, the appointment, the access decision and an expiry. Anything else (forged, altered, expired, someone else's)
 * sends nothing and is answered like a stale card: the prompt again, as the appointment is now, the text kept.
 */
describe('the signed grant of a Cancel prompt (production mode, every peer a stand-in)', () => {
  let h: ProductionHarness;
  let now: number;

  beforeEach(async () => {
    now = Date.now();
    h = await startProductionBot({}, { clock: () => new Date(now) });
    await h.tokenService.signInDirectly(TEAMS_USER_ID, h.entra.user(ADELE));
    await h.tokenService.signInDirectly('29:megan-teams-user', h.entra.user(MEGAN));
  });
  afterEach(async () => {
    await h.stop();
  });

  const asMegan = { from: { id: '29:megan-teams-user', aadObjectId: '', name: 'Megan Bowen' } };
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
  /** Adele's prompt for the first Contoso appointment she may cancel, and its Confirm data. */
  const prompted = async (extra: Record<string, unknown> = {}) => {
    const list = (await h.click('appointments.list', {}, extra)).body.value;
    const cancels = actionsOf(list).filter((a) => a.title === 'Cancel' && (a.data as { businessId: string }).businessId === CONTOSO);
    const prompt = (await h.click(cancels[0]!.verb, cancels[0]!.data, extra)).body.value;
    const confirm = actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!;
    return { confirm: confirm.data as Record<string, string>, other: cancels[1]!.data as Record<string, string> };
  };
  const expectPromptAgain = (card: Card) => {
    const texts = textsOf(card);
    expect(texts[0]).toBe('Cancel this appointment?');
    expect(texts).toContain(`⚠ ${OUT_OF_DATE}`);
    // The text the user wrote is still in the input.
    expect(JSON.stringify(card)).toContain(MESSAGE);
  };

  it('confirms with Graph\'s POST alone: no read, no Token Service, no Entra ID, and the right path, body and token', async () => {
    const { confirm } = await prompted();
    const before = { graph: h.graph.requests.length, tokenService: h.tokenService.calls.length, entra: h.entra.calls.length };
    const done = (await h.click('appointment.cancel.confirm', { ...confirm, cancellationMessage: MESSAGE })).body.value;
    expect(textsOf(done)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', MESSAGE]));
    const during = h.graph.requests.slice(before.graph);
    expect(during.map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([`POST /v1.0/solutions/bookingBusinesses/${CONTOSO}/appointments/${confirm.appointmentId}/cancel`]);
    expect(during[0]).toMatchObject({ body: { cancellationMessage: MESSAGE }, user: ADELE });
    expect(h.tokenService.calls).toHaveLength(before.tokenService);
    expect(h.entra.calls).toHaveLength(before.entra);
  });

  it('sends nothing for a forged or altered grant, or one for another appointment: the prompt again, the text kept', async () => {
    const { confirm, other } = await prompted();
    const [body, mac] = confirm.grant!.split('.') as [string, string];
    const forged = [
      { ...confirm, grant: `${body}.${mac.slice(0, -2)}xx` },
      // The payload rewritten with one more space, and deflated again: the MAC no longer holds.
      { ...confirm, grant: `${deflateRawSync(inflateRawSync(Buffer.from(body, 'base64url')).toString().replace('"may":"cancel"', '"may":"cancel" ')).toString('base64url')}.${mac}` },
      { ...confirm, grant: undefined },
      // Adele's grant for one appointment, sent with another's ids.
      { ...other, grant: confirm.grant },
    ];
    for (const data of forged) expectPromptAgain((await h.click('appointment.cancel.confirm', { ...data, cancellationMessage: MESSAGE })).body.value);
    expect(posts()).toHaveLength(0);
    expect(h.graph.store.cancellations).toHaveLength(0);
  });

  it('sends nothing once the grant has expired (15 minutes at most, and no longer than a role is remembered); the fresh prompt it answers with confirms', async () => {
    const { confirm } = await prompted();
    now += 15 * 60_000;
    const again = (await h.click('appointment.cancel.confirm', { ...confirm, cancellationMessage: MESSAGE })).body.value;
    expectPromptAgain(again);
    expect(posts()).toHaveLength(0);
    const fresh = actionsOf(again).find((a) => a.title === 'Confirm cancellation')!;
    const done = (await h.click(fresh.verb, { ...(fresh.data as object), cancellationMessage: MESSAGE })).body.value;
    expect(textsOf(done)).toContain('✓ Appointment cancelled');
    expect(posts()).toHaveLength(1);
  });

  /** The appointment in the local Graph: what Bookings would show once someone moves it. */
  const stored = (appointmentId: string) => h.graph.store.appointment(h.graph.store.business(CONTOSO)!, appointmentId)!;
  const whenOf = (card: Card) => textsOf(card).find((t) => t.startsWith('When: '));

  it('an appointment moved after the prompt: a Confirm more than 2 minutes later reads it first, sends nothing, and asks again at its new time', async () => {
    const { confirm } = await prompted();
    const shownAt = whenOf((await h.click('appointment.cancel.prompt', { businessId: confirm.businessId, appointmentId: confirm.appointmentId })).body.value);
    const appointment = stored(confirm.appointmentId!);
    const threeDays = 3 * 86_400_000;
    appointment.start = new Date(appointment.start.getTime() + threeDays);
    appointment.end = new Date(appointment.end.getTime() + threeDays);
    now += 3 * 60_000;
    const again = (await h.click('appointment.cancel.confirm', { ...confirm, cancellationMessage: MESSAGE })).body.value;
    expectPromptAgain(again);
    expect(whenOf(again)).not.toBe(shownAt);
    expect(posts()).toHaveLength(0);

    const fresh = actionsOf(again).find((a) => a.title === 'Confirm cancellation')!;
    const done = (await h.click(fresh.verb, { ...(fresh.data as object), cancellationMessage: MESSAGE })).body.value;
    expect(textsOf(done)[0]).toBe('✓ Appointment cancelled');
    // The cancelled card names the time Graph has.
    expect(whenOf(done)).toBe(whenOf(again));
    expect(posts()).toHaveLength(1);
  });

  it('the same Confirm more than 2 minutes later, the appointment unmoved: one read of it, then the POST', async () => {
    const { confirm } = await prompted();
    now += 3 * 60_000;
    const before = h.graph.requests.length;
    const done = (await h.click('appointment.cancel.confirm', { ...confirm, cancellationMessage: MESSAGE })).body.value;
    expect(textsOf(done)[0]).toBe('✓ Appointment cancelled');
    expect(h.graph.requests.slice(before).map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`)).toEqual([
      `GET appointments/${encodeURIComponent(confirm.appointmentId!)}`,
      `POST ${encodeURIComponent(confirm.appointmentId!)}/cancel`,
    ]);
  });

  it("sends nothing for someone else's grant, even one who may cancel the appointment too", async () => {
    const { confirm } = await prompted();
    const megan = { from: { ...asMegan.from, aadObjectId: h.entra.user(MEGAN).id } };
    // Megan (Contoso's scheduler) may cancel it herself, but not with Adele's grant: she gets her own prompt.
    expectPromptAgain((await h.click('appointment.cancel.confirm', { ...confirm, cancellationMessage: MESSAGE }, megan)).body.value);
    expect(posts()).toHaveLength(0);
  });
});
