import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { hashOf } from '../../src/logging/logContext.js';
import { createLogger } from '../../src/logging/logger.js';
import { captureLogs, startBot } from '../helpers/botHarness.js';

describe('the logger', () => {
  it('stamps every line written for a turn with its turn id and conversation hash, Graph calls included, and no other turn\'s', async () => {
    const h = await startBot();
    try {
      const conversation = { id: 'a:log-fields-conversation', conversationType: 'personal' };
      await h.click('appointments.list', { offset: 0 }, { id: 'turn-listed', conversation });
      await h.click('appointment.cancel.prompt', { businessId: 'nope', appointmentId: 'x' }, { id: 'turn-failed', conversation: { ...conversation, id: 'a:other' } });
      const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      const listed = lines.filter((l) => l.turn === 'turn-listed');
      expect(new Set(listed.map((l) => l.msg))).toEqual(new Set(['graph call', 'action handled']));
      expect(new Set(listed.map((l) => l.conversation))).toEqual(new Set([hashOf('a:log-fields-conversation')]));
      const failed = lines.find((l) => l.msg === 'action failed')!;
      expect(failed).toMatchObject({ turn: 'turn-failed', conversation: hashOf('a:other') });
      // Every line of a turn names it; none is left without (start-up lines come before any turn).
      const started = lines.findIndex((l) => l.turn !== undefined);
      expect(lines.slice(started).filter((l) => l.turn === undefined)).toEqual([]);
    } finally {
      await h.stop();
    }
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

  it('redacts the fields of an object or an error a line holds, and leaves the caller\'s objects as they were', () => {
    const { logs, logDestination } = captureLogs();
    const details = { phone: '213-555-0199', service: 'Consultation' };
    const error = Object.assign(new Error('exchange failed'), { accessToken: 'eyJ.c.d' });
    createLogger('info', logDestination).warn({ details, err: error, count: 2, verb: 'appointments.list' }, 'oops');
    expect(logs[0]).not.toMatch(/eyJ|555-0199/);
    expect(JSON.parse(logs[0]!)).toMatchObject({
      details: { phone: '[redacted]', service: 'Consultation' },
      err: { message: 'exchange failed', accessToken: '[redacted]' },
      count: 2,
      verb: 'appointments.list',
    });
    expect(details.phone).toBe('213-555-0199');
    expect(error.accessToken).toBe('eyJ.c.d');
  });

  describe('on standard output, where lines are written in batches', () => {
    /** A Node process that logs through createLogger's own destination, then runs `then` (a statement). */
    const loggingProcess = (then: string) =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { createLogger } from './src/logging/logger.ts'; const log = createLogger('info'); log.info('first'); log.info('second'); ${then}`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });

    it('a quiet process still writes its lines out while it runs, not only when it ends', async () => {
      // Two seconds on, the process writes a line of its own past the logger, then ends. Lines the logger held back
      // for a fuller batch would come after it, when the process exits.
      const child = loggingProcess(`setTimeout(() => { process.stdout.write('{"msg":"two seconds on"}\\n'); process.exit(0); }, 2_000);`);
      expect(await linesOf(child)).toEqual(['first', 'second', 'two seconds on']);
    });

    it('lines written just before the process exits are not lost', async () => {
      expect(await linesOf(loggingProcess('process.exit(0);'))).toEqual(['first', 'second']);
    });
  });
});

async function linesOf(child: ReturnType<typeof spawn>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) lines.push((JSON.parse(line) as { msg: string }).msg);
  return lines;
}
