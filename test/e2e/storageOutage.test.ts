import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobAuditSink } from '../../src/audit/blobAuditSink.js';
import { actionsOf, type BotHarness, cardOf, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { ADELE } from '../helpers/localGraph.js';
import { startProductionBot } from '../helpers/productionHarness.js';
import { CONNECTION_NAME } from '../helpers/standins/tokenService.js';
import { Azurite } from '../helpers/standins/azurite.js';


/** The bot's shared storage goes away and comes back: users get clear answers, nothing is cancelled blind, nothing is lost. */
describe('Blob storage unreachable, then back', () => {
  const azurite = new Azurite();
  let h: BotHarness;

  beforeAll(async () => {
    await azurite.start();
    h = await startBot({ STORAGE_CONNECTION_STRING: azurite.connectionString, STORAGE_CONTAINER: 'outage' });
  });
  afterAll(async () => {
    await h?.stop();
    await azurite.stop();
  });

  const press = async (action: Record<string, unknown>, inputs: Record<string, unknown> = {}) => (await h.click(action.verb, { ...(action.data as object), ...inputs })).body.value;
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));

  it('lists without storage, refuses to cancel blind with a clear answer, and cancels once on "Try again" after storage returns', async () => {
    const list = await press({ verb: 'appointments.list', data: { offset: 0 } });
    const confirm = actionsOf(await press(actionsOf(list).find((a) => a.title === 'Cancel')!)).find((a) => a.title === 'Confirm cancellation')!;

    await azurite.stop();
    // Remembered business choices are out of reach: the list still comes, with every business.
    const stillListing = await press({ verb: 'appointments.list', data: { offset: 0 } });
    expect(textsOf(stillListing)[0]).toMatch(/Your upcoming appointments/);

    const refused = await press(confirm, { cancellationMessage: 'Sorry, we are closed.' });
    expect(textsOf(refused)).toContain('I cannot reach my own storage right now. Nothing was changed and nothing was sent to a customer. Please try again in a minute.');
    expect(posts()).toHaveLength(0);
    expect(await (await fetch(`${h.bot.url}/healthz`)).json()).toMatchObject({ status: 'ok', auditBacklog: 1 });

    await azurite.start();
    const retried = await press(actionsOf(refused).find((a) => a.title === 'Try again')!);
    expect(textsOf(retried)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, we are closed.']));
    expect(posts()).toHaveLength(1);
    // The attempt refused during the outage was kept and written once storage answered.
    const audit = async () => (await new BlobAuditSink(azurite.connectionString, 'outage').read(new Date(0))).map((e) => [e.outcome, e.errorCode]);
    await expect.poll(audit).toEqual([
      ['failed', 'storageUnavailable'],
      ['cancelled', undefined],
    ]);
  });

  it('storage lost right after Graph cancelled: the user still gets the cancelled card, and the audit entry is written later', async () => {
    const list = await press({ verb: 'appointments.list', data: { offset: 0 } });
    const confirm = actionsOf(await press(actionsOf(list).find((a) => a.title === 'Cancel')!)).find((a) => a.title === 'Confirm cancellation')!;
    h.graph.onCancelled = () => azurite.stop();
    const outcome = await press(confirm, { cancellationMessage: 'Sorry, the oven broke.' });
    h.graph.onCancelled = undefined;
    expect(textsOf(outcome)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, the oven broke.']));
    expect(await (await fetch(`${h.bot.url}/healthz`)).json()).toMatchObject({ auditBacklog: 1 });
    // Storage is back (empty: Azurite keeps blobs in memory). The next attempt writes the kept entry with its own.
    await azurite.start();
    await press(confirm, { cancellationMessage: 'Sorry, the oven broke.' });
    const cancelledInAudit = async () => (await new BlobAuditSink(azurite.connectionString, 'outage').read(new Date(0))).filter((e) => e.outcome === 'cancelled');
    await expect.poll(cancelledInAudit).toHaveLength(1);
  });
});

describe('Blob storage unreachable in production mode (sign-in needs storage)', () => {
  it('answers a first message with the clear storage message instead of a sign-in it could not complete, and keeps running', async () => {
    const azurite = new Azurite();
    await azurite.start();
    await azurite.stop();
    const h = await startProductionBot({ STORAGE_CONNECTION_STRING: azurite.connectionString });
    try {
      await h.post(teamsActivity({ type: 'message', text: 'appointments' }));
      const calls = await h.connector.waitForCards(1);
      const answer = calls.at(-1)!;
      expect(textsOf(cardOf(answer))).toContain('I cannot reach my own storage right now. Nothing was changed and nothing was sent to a customer. Please try again in a minute.');
      const exchange = await h.post(teamsActivity({ type: 'invoke', name: 'signin/tokenExchange', value: { id: 'exchange-1', connectionName: CONNECTION_NAME, token: await h.entra.ssoToken(ADELE) } }));
      // The exchange cannot be de-duplicated without storage: Teams is told to try later (503), the user why.
      expect(exchange.status).toBe(503);
      await expect.poll(() => h.connector.calls.at(-1)?.activity.text).toBe('I cannot reach my own storage right now. Nothing was changed and nothing was sent to a customer. Please try again in a minute.');
      expect(h.logs.join('')).toMatch(/"code":"storageUnavailable".*"unhandled turn error"/);
      expect((await fetch(`${h.bot.url}/healthz`)).status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});
