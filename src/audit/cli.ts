import { parseArgs } from 'node:util';
import { config as loadDotenv } from 'dotenv';
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { reportRows, toCsv, toTable } from './report.js';
import { sinkFor } from './sinks.js';

const USAGE = 'Usage: npm run audit -- --since <YYYY-MM-DD or ISO time> [--format table|csv]';

/** `npm run audit`: the cancellation attempts recorded since a date, from the storage the bot is configured with. */
async function main(): Promise<number> {
  let values: { since?: string; format?: string };
  try {
    ({ values } = parseArgs({ options: { since: { type: 'string' }, format: { type: 'string', default: 'table' } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const since = values.since ? new Date(values.since) : undefined;
  if (!since || Number.isNaN(since.getTime()) || !['table', 'csv'].includes(values.format ?? '')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const rows = reportRows(await sinkFor(config.storage).read(since));
  process.stdout.write(values.format === 'csv' ? toCsv(rows) : toTable(rows));
  return 0;
}

process.exitCode = await main();
