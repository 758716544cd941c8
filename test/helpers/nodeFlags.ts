import { readFileSync } from 'node:fs';

/**
 * The Node.js flags `npm start` runs the bot with (package.json), before its `--import tsx` loader: what the
 * process tests and the benchmark's bots run with too, and what the App Service start command must carry.
 */
export function startFlags(checkout: URL = new URL('../../', import.meta.url)): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('package.json', checkout), 'utf8')) as { scripts: { start: string } };
  const flags = /^node ((?:--[\w-]+(?:=\S+)? )*)--import tsx src\/index\.ts$/.exec(scripts.start)?.[1];
  if (flags === undefined) throw new Error(`unexpected start script: ${scripts.start}`);
  return flags.trim().split(' ');
}

/** The flags that tune the runtime (all but the warning filter): `npm start` and the App Service share them. */
export function runtimeFlags(checkout?: URL): string[] {
  return startFlags(checkout).filter((flag) => !flag.startsWith('--disable-warning='));
}
