import { AuthenticationError } from 'botframework-connector';
import { describe, expect, it } from 'vitest';
import { type InboundAdapter, InboundGate } from '../../../src/bot/inbound/gate.js';
import { createLogger } from '../../../src/logging/logger.js';

const message = { type: 'message', id: '1', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9', from: { id: 'u' }, recipient: { id: 'b' }, conversation: { id: 'c' }, text: 'hi' };

/** A gate whose turn fails with `error`, recording what reaches the error sink. */
function gateFailingWith(error: Error) {
  const failures: { error: unknown; what: string }[] = [];
  const adapter = { turnOf: () => Promise.reject(error) } as unknown as InboundAdapter;
  const gate = new InboundGate(adapter, () => Promise.resolve(), createLogger('silent'), (e, what) => failures.push({ error: e, what }));
  return { gate, failures };
}

describe('the inbound gate when the bot itself fails', () => {
  it('answers a sound request 200, never a 5xx, and hands the failure to the error sink', async () => {
    const bug = new TypeError('a bug in the bot');
    const { gate, failures } = gateFailingWith(bug);
    const answer = await gate.handle({ body: message });
    expect(answer.status).toBe(200);
    expect(failures).toEqual([{ error: bug, what: 'message activity' }]);
  });

  it('still refuses a token botbuilder rejects with 401, which is not a failure of the bot', async () => {
    const { gate, failures } = gateFailingWith(new AuthenticationError('bad audience', 401));
    expect((await gate.handle({ body: message })).status).toBe(401);
    expect(failures).toEqual([]);
  });
});
