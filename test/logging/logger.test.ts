import { describe, expect, it } from 'vitest';
import { hashOf, withLogContext } from '../../src/logging/logContext.js';
import { createLogger } from '../../src/logging/logger.js';
import { captureLogs } from '../helpers/botHarness.js';

describe('the logger', () => {
  it('stamps every line of a turn with its turn id and conversation hash, and nothing of one line leaks into the next', async () => {
    const { logs, logDestination } = captureLogs();
    const logger = createLogger('info', logDestination);
    await withLogContext({ turn: 't-1', conversation: hashOf('a:1Jm_Sz9yAsQPUQcB4I3DhHU1mcOD1ch7cXtmHhoZ') }, async () => {
      logger.info({ verb: 'appointments.list', graphRequestIds: ['r-1'] }, 'action handled');
      await Promise.resolve();
      logger.warn('second line');
    });
    logger.info('outside any turn');
    const [first, second, outside] = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ turn: 't-1', conversation: expect.stringMatching(/^[0-9a-f]{16}$/), verb: 'appointments.list' });
    expect(second).toMatchObject({ turn: 't-1', msg: 'second line' });
    expect(second).not.toHaveProperty('verb');
    expect(second).not.toHaveProperty('graphRequestIds');
    expect(outside).not.toHaveProperty('turn');
  });

  it('redacts tokens, secrets, messages and contact details passed by mistake', () => {
    const { logs, logDestination } = captureLogs();
    createLogger('info', logDestination).info(
      { token: 'eyJ.a.b', cancellationMessage: 'Sorry', connectionString: 'AccountKey=abc', details: { customerPhone: '213-555-0199', emailAddress: 'jordanm@contoso.com' } },
      'oops',
    );
    expect(logs[0]).not.toMatch(/eyJ|Sorry|AccountKey|555-0199|jordanm/);
    expect(JSON.parse(logs[0]!)).toMatchObject({ token: '[redacted]', cancellationMessage: '[redacted]', connectionString: '[redacted]' });
  });
});
