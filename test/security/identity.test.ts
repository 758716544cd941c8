import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type Card, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE, ALEX_VIEWER, CONTOSO } from '../helpers/localGraph.js';
import { type ProductionHarness, startProductionBot } from '../helpers/productionHarness.js';

/** Adele's Teams ids, as any client could copy them into its own activities. */
const ADELE_TEAMS = teamsActivity({});
const ADELE_IDS = ADELE_TEAMS.from as { id: string; aadObjectId: string; name: string };

/**
 * Who the user is comes from their token, never from ids a client chose. On Web Chat and Direct Line the client
 * writes `from` ("in Web Chat, the attacker can impersonate someone else by changing the user ID": Direct Line
 * enhanced authentication). Alex, a viewer, signs in as himself on Web Chat while his client claims Adele's Teams ids.
 */
describe("a Web Chat client claiming another user's Teams ids", () => {
  let h: ProductionHarness;
  beforeEach(async () => {
    h = await startProductionBot();
    await h.tokenService.signInDirectly(ADELE_IDS.id, h.entra.user(ADELE));
    // The Token Service holds Alex's own sign-in, for the id his client sends: Adele's.
    await h.tokenService.signInDirectly(ADELE_IDS.id, h.entra.user(ALEX_VIEWER), 'webchat');
  });
  afterEach(async () => {
    await h.stop();
  });

  // Every id Teams would send for Adele, tenant included: the client writes them all.
  const webChat = (text: string) => ({ ...teamsActivity({ type: 'message', text }), channelId: 'webchat', from: ADELE_IDS, conversation: { ...(ADELE_TEAMS.conversation as object), id: 'webchat-conversation' }, entities: [] });
  const lastCard = (): Card => h.connector.cardCalls().at(-1)!.activity.attachments![0]!.content;
  const listInTeams = async () => (await h.click('appointments.list', { offset: 0 })).body.value;

  it("is shown what the token's user (a viewer) may see, not the role remembered for the ids it claims", async () => {
    // Adele, administrator, lists in Teams: her places and role are remembered.
    const adeles = await listInTeams();
    expect(actionsOf(adeles).some((a) => a.title === 'Cancel')).toBe(true);

    await h.post(webChat('appointments'));
    await h.connector.waitForCards(1);
    const alexs = lastCard();
    expect(textsOf(alexs)[0]).toBe('Your upcoming appointments');
    expect(actionsOf(alexs).filter((a) => a.title === 'Cancel')).toEqual([]);
    expect(textsOf(alexs)).toContain("View only: your Bookings role in this business can't cancel appointments.");
    // Graph was read as Alex for Alex's list.
    expect(h.graph.requests.filter((r) => r.path.endsWith('/calendarView')).at(-1)!.user).toBe(ALEX_VIEWER);
  });

  it("records a cancel in the audit trail as the token's user, whatever object id the client claimed", async () => {
    const megan = h.entra.user('MeganB@contoso.onmicrosoft.com');
    await h.tokenService.signInDirectly('webchat-megan', megan, 'webchat');
    // Megan's own Web Chat id, but Adele's object id and tenant in `from` and the conversation.
    const fromMegan = (extra: Record<string, unknown>) => ({ ...webChat(''), from: { id: 'webchat-megan', aadObjectId: ADELE_IDS.aadObjectId, name: 'Adele Vance' }, conversation: { ...(ADELE_TEAMS.conversation as object), id: 'webchat-megan-chat' }, ...extra });
    await h.post(fromMegan({ text: 'appointments' }));
    await h.connector.waitForCards(1);
    const cancel = actionsOf(lastCard()).find((a) => a.title === 'Cancel')!;
    // Web Chat gets Action.Submit buttons: the verb is in the data.
    await h.post(fromMegan({ text: '', value: cancel.data }));
    await h.connector.waitForCards(2);
    const confirm = actionsOf(lastCard()).find((a) => a.title === 'Confirm cancellation')!;
    await h.post(fromMegan({ text: '', value: { ...(confirm.data as object), cancellationMessage: 'Sorry, we have to cancel.' } }));
    await h.connector.waitForCards(3);
    expect(textsOf(lastCard())[0]).toBe('✓ Appointment cancelled');
    await expect.poll(async () => (await h.audit()).filter((e) => e.outcome === 'cancelled').length).toBe(1);
    const [entry] = (await h.audit()).filter((e) => e.outcome === 'cancelled');
    expect(entry!.userObjectId).toBe(megan.id);
    expect(h.graph.store.cancellations[0]!.by).toBe(megan.userPrincipalName);
  });

  it('a sign-out on Web Chat, where activities carry no aadObjectId, forgets the Graph token the sign-in obtained', async () => {
    await h.tokenService.signInDirectly('webchat-adele', h.entra.user(ADELE), 'webchat');
    const fromAdele = (text: string) => ({ ...webChat(text), from: { id: 'webchat-adele', name: 'Adele Vance' }, conversation: { id: 'webchat-adele-chat' } });
    const tokensCached = async () => ((await (await fetch(`${h.bot.url}/healthz`)).json()) as { graphTokensCached: number }).graphTokensCached;
    await h.post(fromAdele('appointments'));
    await h.connector.waitForCards(1);
    expect(await tokensCached()).toBe(1);
    await h.post(fromAdele('sign out'));
    await expect.poll(() => h.connector.calls.some((c) => c.activity.text?.includes('signed out'))).toBe(true);
    expect(await tokensCached()).toBe(0);
  });

  it('a sign-out forgets where the user is staff, on every instance: after signing in again, the next list reads the tenant again', async () => {
    await listInTeams();
    const staffReads = () => h.graph.requests.filter((r) => r.path.endsWith('/staffMembers')).length;
    const before = staffReads();
    expect(before).toBeGreaterThan(0);
    await h.post(teamsActivity({ type: 'message', text: 'sign out' }));
    await expect.poll(() => h.connector.calls.some((c) => c.activity.text?.includes('signed out'))).toBe(true);
    await h.tokenService.signInDirectly(ADELE_IDS.id, h.entra.user(ADELE));
    await listInTeams();
    expect(staffReads()).toBe(2 * before);
  });

  it("writes nothing Adele's Teams turns then read: her business choice and her places stay hers", async () => {
    await h.post(webChat(`appointments ${'Contoso'}`));
    await h.connector.waitForCards(1);
    // Adele, in Teams, still sees every business she is staff of (Alex's choice under her ids narrowed nothing of hers).
    const adeles = await listInTeams();
    expect(textsOf(adeles)).not.toContain('Only Contoso Lunch Delivery');
    expect(actionsOf(adeles).some((a) => a.title === 'Cancel' && (a.data as { businessId: string }).businessId === CONTOSO)).toBe(true);
  });
});
