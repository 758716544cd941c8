import { auditEntry } from '../helpers/auditEntry.js';
import { azuriteForSuite } from '../helpers/suiteAzurite.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BlobAuditSink } from '../../src/audit/blobAuditSink.js';
import { BufferedAuditTrail } from '../../src/audit/bufferedAuditTrail.js';
import { FileAuditSink } from '../../src/audit/fileAuditSink.js';
import { reportRows, toCsv, toTable } from '../../src/audit/report.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { temporaryAuditDir } from '../helpers/botHarness.js';
import { Azurite } from '../helpers/standins/azurite.js';

const run = promisify(execFile);
const quiet = pino({ level: 'silent' });

const entry = auditEntry;

/** Runs `npm run audit -- <args>` as a user would (same entry point), with the given environment. */
async function auditCommand(args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/audit/cli.ts', ...args], { env: { PATH: process.env.PATH, ...env } });
  return stdout;
}

describe('the audit report', () => {
  it('counts an attempt recorded twice as cancelled (an instance stopped between audit and ledger) once, oldest first', () => {
    const rows = reportRows([
      entry({ at: '2026-11-27T10:00:02.000Z', recovered: true }),
      entry({ at: '2026-11-27T10:00:01.000Z' }),
      entry({ at: '2026-11-27T10:00:03.000Z', attemptId: 'a-1', outcome: 'repeated' }),
      entry({ at: '2026-11-27T09:00:00.000Z', attemptId: 'a-0', outcome: 'failed', errorCode: ErrorCode.Throttled }),
    ]);
    expect(rows.map((r) => [r.at.slice(11, 19), r.outcome])).toEqual([
      ['09:00:00', 'failed'],
      ['10:00:01', 'cancelled'],
      ['10:00:03', 'repeated'],
    ]);
    expect(toTable(rows)).toMatch(/failed: 1, cancelled: 1, repeated: 1\n$/);
  });

  it("shows a day's cancellation: each attempt's batch, and the batch's own entry (once) with its day and counts", () => {
    const batch = { day: '2026-12-09', round: 0, total: 3, cancelled: 2, alreadyGone: 0, refused: 0, failed: 1 };
    const rows = reportRows([
      entry({ at: '2026-12-09T08:00:01.000Z', batchId: 'b'.repeat(32) }),
      entry({ at: '2026-12-09T08:00:02.000Z', attemptId: `${'b'.repeat(32)}#0`, outcome: 'batch', businessId: '', appointmentId: '', batchId: 'b'.repeat(32), batch }),
      // The same run's entry written again (an instance stopped after writing it): counted once.
      entry({ at: '2026-12-09T08:00:03.000Z', attemptId: `${'b'.repeat(32)}#0`, outcome: 'batch', businessId: '', appointmentId: '', batchId: 'b'.repeat(32), batch }),
    ]);
    expect(rows.map((r) => r.outcome)).toEqual(['cancelled', 'batch']);
    const csv = toCsv(rows).trimEnd().split('\n');
    expect(csv[0]).toBe('at,outcome,userObjectId,businessId,appointmentId,errorCode,recovered,graphRequestId,batchId,batch');
    expect(csv[2]).toMatch(/,b{32},"2026-12-09 #0: 2 cancelled, 0 already gone, 0 refused, 1 failed of 3"$/);
    expect(toTable(rows)).toMatch(/cancelled: 1, batch: 1\n$/);
  });

  it('writes CSV a spreadsheet opens safely: quoted commas and quotes, and no formulas from message text', () => {
    const csv = toCsv([entry({ cancellationMessage: 'Sorry, the "kitchen" is closed' }), entry({ attemptId: 'a-2', cancellationMessage: '=HYPERLINK("http://x")' })]);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('at,outcome,userObjectId,businessId,appointmentId,errorCode,recovered,graphRequestId,cancellationMessage');
    expect(lines[1]).toMatch(/,"Sorry, the ""kitchen"" is closed"$/);
    expect(lines[2]).toMatch(/,"'=HYPERLINK\(""http:\/\/x""\)"$/);
  });

  it('prints no character a terminal acts on: escape sequences and bidirectional controls from card data or a message are shown as code points', () => {
    const hostile = entry({ appointmentId: 'AAMk\u001b[2J\u001b]8;;https://evil.example\u0007', cancellationMessage: 'Refund \u202Eredro\u2066 sent\u0085' });
    for (const printed of [toTable([hostile]), toCsv([hostile])]) {
      // eslint-disable-next-line no-control-regex -- control characters are what this looks for
      expect(printed).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      expect(printed).toContain('AAMk<U+001B>[2J<U+001B>]8;;https://evil.example<U+0007>');
      expect(printed).toContain('Refund <U+202E>redro<U+2066> sent<U+0085>');
    }
  });
});

describe('audit sinks', () => {
  const azurite = azuriteForSuite();

  it('keep every line when two instances append at once (Blob append blobs), and read back from a date', async () => {
    const a = new BlobAuditSink(azurite.connectionString, 'audit-concurrent');
    const b = new BlobAuditSink(azurite.connectionString, 'audit-concurrent');
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append([entry({ attemptId: `a-${i}`, cancellationMessage: '很抱歉' })])));
    const read = await a.read(new Date(Date.now() - 60_000));
    expect(read.map((e) => e.attemptId).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `a-${i}`).sort());
    expect(await a.read(new Date(Date.now() + 60_000))).toEqual([]);
  });

  it('keep entries in memory while storage is down and write them when it is back; none lost', async () => {
    const outage = new Azurite();
    await outage.start();
    const trail = new BufferedAuditTrail(new BlobAuditSink(outage.connectionString, 'audit-outage'), quiet);
    await trail.record(entry({ attemptId: 'before' }));
    await outage.stop();
    await trail.record(entry({ attemptId: 'during-1' }));
    // Storage is known to be down: the next entry is kept without waiting for another storage timeout.
    await trail.record(entry({ attemptId: 'during-2', outcome: 'failed', errorCode: ErrorCode.StorageUnavailable }));
    await trail.flush();
    expect(trail.backlog).toBe(2);
    await outage.start();
    try {
      // In-memory Azurite came back empty: what it held before is gone, what was kept is written.
      await trail.record(entry({ attemptId: 'after' }));
      await trail.flush();
      expect(trail.backlog).toBe(0);
      const read = await new BlobAuditSink(outage.connectionString, 'audit-outage').read(new Date(0));
      expect(read.map((e) => e.attemptId)).toEqual(['during-1', 'during-2', 'after']);
    } finally {
      await trail.close();
      await outage.stop();
    }
  });

  it('`npm run audit -- --since` prints a table or CSV from local files or from the Blob container', async () => {
    const dir = temporaryAuditDir();
    await new FileAuditSink(dir).append([entry({ attemptId: 'file-1' }), entry({ attemptId: 'file-2', outcome: 'failed', errorCode: ErrorCode.NotFound })]);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const table = await auditCommand(['--since', since], { AUDIT_DIR: dir });
    expect(table).toMatch(/^at +outcome +userObjectId/);
    expect(table).toContain('notFound');
    expect(table).toMatch(/cancelled: 1, failed: 1\n$/);

    await new BlobAuditSink(azurite.connectionString, 'audit-cli').append([entry({ attemptId: 'blob-1' })]);
    const csv = await auditCommand(['--since', since.slice(0, 10), '--format', 'csv'], { STORAGE_CONNECTION_STRING: azurite.connectionString, STORAGE_CONTAINER: 'audit-cli' });
    expect(csv.trimEnd().split('\n')).toHaveLength(2);
    expect(csv).toContain('cancelled,87d349ed-44d7-43e1-9a83-5f2406dee5bd,ContosoLunchDelivery@contoso.onmicrosoft.com,AAMkADKnAAA=');
    await expect(auditCommand(['--since', 'last tuesday'], { AUDIT_DIR: dir })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run audit') });
  });
});
