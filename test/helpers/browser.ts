import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { freePort } from './freePort.js';

/** Debian's Chromium (installed by .ci/run), or CHROMIUM_PATH. Downloaded browsers are not an option here. */
export const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

/** Browser tests are skipped only on a developer machine without Chromium; in CI a missing browser fails. */
export const browserTestsEnabled = chromiumPath !== undefined || process.env.CI === 'true';
if (!browserTestsEnabled) {
  process.stderr.write('NOTICE: Chromium not found; browser tests are skipped (apt-get install -y chromium fonts-wqy-zenhei, or set CHROMIUM_PATH).\n');
}

export const artifactsDir = new URL('../../test-artifacts/', import.meta.url);

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium not found: apt-get install -y chromium, or set CHROMIUM_PATH');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that may only talk to this machine (the Playground UI asks a CDN for fonts; it works without them). */
export async function loopbackPage(browser: Browser, viewport = { width: 1280, height: 1000 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    return hostname === '127.0.0.1' || hostname === 'localhost' ? route.continue() : route.abort();
  });
  return page;
}

export function screenshotPath(name: string): string {
  const dir = new URL('screenshots/', artifactsDir);
  mkdirSync(dir, { recursive: true });
  return new URL(`${name}.png`, dir).pathname;
}


/** The Microsoft 365 Agents Playground on a free loopback port, as a Teams client of the bot at `endpoint`. */
export async function startPlayground(endpoint: string, timeZone: string): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/@microsoft/m365agentsplayground/cli.js', '-e', endpoint, '-c', 'msteams', '--dt', '-p', String(port)], {
    cwd: new URL('../../', import.meta.url),
    env: { PATH: process.env.PATH, TEAMSAPPTESTER_BROWSER: 'none', TZ: timeZone },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(`Listening on ${port}`)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Playground exited (${code}) before listening; check .m365agentsplayground.yml. Output: ${output}`)));
  });
  // It prints "Listening" before it has read its config, and an invalid config makes it exit right after.
  const url = `http://127.0.0.1:${port}/`;
  const page = await fetch(url).catch(() => undefined);
  if (!page?.ok || child.exitCode !== null) throw new Error(`Playground did not come up (exit ${child.exitCode}); check .m365agentsplayground.yml`);
  return { url, process: child };
}
