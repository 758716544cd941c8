import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobAuditSink } from '../../src/audit/blobAuditSink.js';
import { actionsOf, type BotHarness, type Card, startBot, teamsActivity, textsOf } from '../helpers/botHarness.js';
import { Azurite } from '../helpers/standins/azurite.js';

type InvokeBody = { statusCode: number; type: string; value: Card };

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

  const press = async (action: Record<string, unknown>, inputs: Record<string, unknown> = {}) =>
    (
      (await h.post(teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: action.verb, data: { ...(action.data as object), ...inputs } }, trigger: 'manual' } }))) as {
        body: InvokeBody;
      }
    ).body.value;
  const posts = () => h.graph.requests.filter((r) => r.method === 'POST');

  it('lists without storage, refuses to cancel blind with a clear answer, and cancels once on "Try again" after storage returns', async () => {
    const list = await press({ verb: 'appointments.list', data: { offset: 0 } });
    const confirm = actionsOf(await press(actionsOf(list).find((a) => a.title === 'Cancel')!)).find((a) => a.title === 'Confirm cancellation')!;

    await azurite.stop();
    // Remembered business choices are out of reach: the list still comes, with every business.
    const stillListing = await press({ verb: 'appointments.list', data: { offset: 0 } });
    expect(textsOf(stillListing)[0]).toMatch(/Your upcoming appointments/);

    const refused = await press(confirm, { cancellationMessage: 'Sorry, we are closed.' });
    expect(textsOf(refused)).toContain('I cannot reach my own storage right now, so I will not cancel anything yet (nothing was sent to the customer). Please try again in a minute.');
    expect(posts()).toHaveLength(0);
    expect(await (await fetch(`${h.bot.url}/healthz`)).json()).toMatchObject({ status: 'ok', auditBacklog: 1 });

    await azurite.start();
    const retried = await press(actionsOf(refused).find((a) => a.title === 'Try again')!);
    expect(textsOf(retried)).toEqual(expect.arrayContaining(['✓ Appointment cancelled', 'Sorry, we are closed.']));
    expect(posts()).toHaveLength(1);
    // The attempt refused during the outage was kept and written once storage answered.
    const audit = await new BlobAuditSink(azurite.connectionString, 'outage').read(new Date(0));
    expect(audit.map((e) => [e.outcome, e.errorCode])).toEqual([
      ['failed', 'storageUnavailable'],
      ['cancelled', undefined],
    ]);
  });
});
