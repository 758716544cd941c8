import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionsOf, type BotHarness, cardOf, emulatorActivity, startBot, textsOf } from '../helpers/botHarness.js';

/** The Emulator / Web Chat path: Action.Submit clicks arrive as messages with a value; every answer is a new card. */
describe('Bookings Bot in the Bot Framework Emulator (local mode)', () => {
  let h: BotHarness;
  const conversation = 'f2b6c1a0-5d1e-11ef-9c1c-1f1e2d3c4b5a|livechat';
  const say = (text: string) => h.post(emulatorActivity(conversation, { type: 'message', text }));
  const click = (action: Record<string, unknown>, inputs: Record<string, unknown> = {}) =>
    h.post(emulatorActivity(conversation, { type: 'message', value: { ...(action.data as object), ...inputs } }));

  beforeEach(async () => {
    h = await startBot({ LIST_PAGE_SIZE: '20' });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('welcomes the user when the conversation starts', async () => {
    await h.post(
      emulatorActivity(conversation, {
        type: 'conversationUpdate',
        membersAdded: [{ id: '56800324-bookings-bot', name: 'Bot' }, { id: 'a5bd5b0e-0f5b-4a7e-9f55-2c4c5a0e1f11', name: 'User' }],
      }),
    );
    const [welcome] = await h.connector.waitForCards(1);
    expect(textsOf(cardOf(welcome!))).toContain("Hi, I'm Bookings Bot.");
    expect(h.connector.cardCalls()).toHaveLength(1);
  });

  it('lists, cancels with a message, and the appointment is gone from the next list', async () => {
    expect((await say('appointments')).status).toBe(200);
    const [listCall] = await h.connector.waitForCards(1);
    expect(h.connector.calls[0]!.activity.type).toBe('typing');
    const list = cardOf(listCall!);
    expect(list.version).toBe('1.5');
    expect(textsOf(list)[0]).toBe('Your upcoming appointments');
    expect(textsOf(list)).toContain('Next 14 days · times in Europe/London');
    // The Emulator cannot send Action.Execute, so it gets plain Action.Submit buttons.
    const actions = actionsOf(list);
    expect(actions.some((a) => a.type === 'Action.Execute')).toBe(false);
    const cancels = actions.filter((a) => a.title === 'Cancel');
    const fortnight = [new Date(), new Date(Date.now() + 14 * 864e5)] as const;
    const listed = ['ContosoLunchDelivery@contoso.onmicrosoft.com', 'FabrikamWellness@contoso.onmicrosoft.com'].flatMap((id) => h.graph.store.calendarView(h.graph.store.business(id)!, ...fortnight));
    expect(cancels.length).toBeGreaterThan(3);
    expect(JSON.stringify(list)).not.toMatch(/@example|jordanm@|\+86|555-0199/); // no customer contact details

    const target = cancels[0]!;
    const { businessId, appointmentId } = target.data as { businessId: string; appointmentId: string };
    expect(target.data).toEqual({ verb: 'appointment.cancel.prompt', businessId, appointmentId, lang: 'en-US' });
    // The card's ids are Graph's own: the appointment is in the business's calendar.
    expect(listed.map((a) => a.id)).toContain(appointmentId);

    await click(target);
    const prompt = cardOf((await h.connector.waitForCards(2))[1]!);
    expect(textsOf(prompt)[0]).toBe('Cancel this appointment?');
    const input = (prompt.body as Record<string, unknown>[]).find((b) => b.type === 'Input.Text')!;
    expect(input).toMatchObject({ id: 'cancellationMessage', isRequired: true, maxLength: 500 });
    expect(String(input.value)).toMatch(/^We are sorry, but we have to cancel your/);
    const confirm = actionsOf(prompt).find((a) => a.title === 'Confirm cancellation')!;
    expect(confirm.type).toBe('Action.Submit');

    await click(confirm, { cancellationMessage: 'The kitchen is closed for a private event. Please rebook.' });
    const outcome = cardOf((await h.connector.waitForCards(3))[2]!);
    expect(textsOf(outcome)[0]).toBe('✓ Appointment cancelled');
    expect(textsOf(outcome)).toContain('The kitchen is closed for a private event. Please rebook.');

    const post = h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
    expect(post).toHaveLength(1);
    expect(post[0]).toMatchObject({
      path: `/v1.0/solutions/bookingBusinesses/${encodeURIComponent(businessId)}/appointments/${encodeURIComponent(appointmentId)}/cancel`,
      body: { cancellationMessage: 'The kitchen is closed for a private event. Please rebook.' },
      user: 'AdeleV@contoso.onmicrosoft.com',
    });
    expect(post[0]!.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);

    await say('appointments');
    const again = cardOf((await h.connector.waitForCards(4))[3]!);
    const ids = actionsOf(again).filter((a) => a.title === 'Cancel').map((a) => (a.data as { appointmentId: string }).appointmentId);
    expect(ids).not.toContain(appointmentId);
    expect(ids).toHaveLength(cancels.length - 1);
  });

  it('Back from the prompt returns to the list without cancelling', async () => {
    await say('upcoming');
    const list = cardOf((await h.connector.waitForCards(1))[0]!);
    await click(actionsOf(list).find((a) => a.title === 'Cancel')!);
    const prompt = cardOf((await h.connector.waitForCards(2))[1]!);
    await click(actionsOf(prompt).find((a) => a.title === 'Back')!);
    const back = cardOf((await h.connector.waitForCards(3))[2]!);
    expect(textsOf(back)[0]).toBe('Your upcoming appointments');
    expect(h.graph.store.cancellations).toEqual([]);
  });

  it('answers help, and anything else with help that says it did not understand', async () => {
    await say('help');
    await say('what is the weather');
    const [helpCall, unknownCall] = await h.connector.waitForCards(2);
    expect(textsOf(cardOf(helpCall!))[0]).toBe('What I can do');
    expect(textsOf(cardOf(unknownCall!))).toContain('Sorry, I didn\'t understand "what is the weather".');
    expect(h.graph.requests).toEqual([]);
  });

  it('answers "sign out" in local mode with why there is nothing to sign out of, and a six-digit message with help', async () => {
    await say('sign out');
    await expect.poll(() => h.connector.calls.find((c) => c.activity.text)?.activity.text).toMatch(/local mode/);
    await say('123456');
    const [helpCall] = await h.connector.waitForCards(1);
    expect(textsOf(cardOf(helpCall!))).toContain('Sorry, I didn\'t understand "123456".');
  });
});
