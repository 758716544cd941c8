import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import JSZip from 'jszip';
import { iconProblems, identityProblems, schemaProblems, type TeamsManifest } from './checks.js';
import { fillPlaceholders } from './placeholders.js';

export class AppPackageError extends Error {
  override readonly name = 'AppPackageError';

  constructor(readonly problems: string[]) {
    super(`The Teams app package is not valid:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface PackageOptions {
  /** Repository root (holds appPackage/ and env/). */
  root: string;
  /** Agents Toolkit environment name: reads env/.env.<name> and env/.env.<name>.user. */
  env: string;
  /** Values that win over the env files (e.g. from CI variables). */
  overrides?: Record<string, string | undefined>;
}

export interface AppPackage {
  manifest: TeamsManifest;
  /** File name → content, exactly what goes to the zip root. */
  files: Record<string, Buffer>;
}

/**
 * What each placeholder of appPackage/ is, for a message that says what to set: `npx atk provision` writes them all
 * into env/.env.<env>; before that they can be given in the shell.
 */
const PLACEHOLDER_MEANINGS: Record<string, string> = {
  TEAMS_APP_ID: "the Teams app's id, a GUID",
  BOT_ID: "the bot's Entra application (client) id, a GUID",
  BOT_DOMAIN: "the bot's host name, e.g. bookings-bot.contoso.com",
  APP_NAME_SUFFIX: 'added to the app name, e.g. "dev" (may be empty)',
};

function unresolvedProblem(file: string, name: string, env: string): string {
  const meaning = PLACEHOLDER_MEANINGS[name];
  return `${file}: \${{${name}}} has no value in env/.env.${env}${meaning ? ` (${meaning})` : ''}`;
}

/** The environment the placeholders are filled from: the toolkit's env files, then overrides. */
function environmentFor(root: string, env: string, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const read = (name: string) => (existsSync(join(root, 'env', name)) ? parse(readFileSync(join(root, 'env', name))) : {});
  if (!existsSync(join(root, 'env', `.env.${env}`))) {
    const known = readdirSync(join(root, 'env')).filter((f) => /^\.env\.[\w-]+$/.test(f)).map((f) => f.slice(5));
    throw new AppPackageError([`env/.env.${env} does not exist (environments: ${known.sort().join(', ')})`]);
  }
  return { ...read(`.env.${env}`), ...read(`.env.${env}.user`), ...overrides };
}

/** Fills, validates and assembles the package; throws AppPackageError listing every problem found. */
export function assembleAppPackage(options: PackageOptions): AppPackage {
  const dir = join(options.root, 'appPackage');
  const values = environmentFor(options.root, options.env, options.overrides);
  const filled = fillPlaceholders(readFileSync(join(dir, 'manifest.json'), 'utf8'), values);
  const problems = filled.unresolved.map((name) => unresolvedProblem('manifest.json', name, options.env));
  const manifest = withTokenServiceDomain(JSON.parse(filled.text) as TeamsManifest, values.BOT_TOKEN_SERVICE_URL);

  const files: Record<string, Buffer> = { 'manifest.json': Buffer.from(JSON.stringify(manifest, null, 2)) };
  const localizations: Record<string, object> = {};
  for (const { file } of manifest.localizationInfo?.additionalLanguages ?? []) {
    const text = fillPlaceholders(readFileSync(join(dir, file), 'utf8'), values);
    problems.push(...text.unresolved.map((name) => unresolvedProblem(file, name, options.env)));
    localizations[file] = JSON.parse(text.text) as object;
    files[file] = Buffer.from(JSON.stringify(localizations[file], null, 2));
  }
  for (const icon of [manifest.icons.color, manifest.icons.outline]) files[icon] = readFileSync(join(dir, icon));

  if (problems.length === 0) {
    problems.push(...schemaProblems(manifest, localizations));
    problems.push(...identityProblems(manifest, values.BOT_ID ?? ''));
    problems.push(...iconProblems(files[manifest.icons.color]!, files[manifest.icons.outline]!));
    if (values.MicrosoftAppId && values.MicrosoftAppId !== values.BOT_ID) {
      problems.push(`MicrosoftAppId (${values.MicrosoftAppId}) differs from BOT_ID (${values.BOT_ID}): the bot and its manifest must use one app id`);
    }
  }
  if (problems.length > 0) throw new AppPackageError(problems);
  return { manifest, files };
}

/**
 * The Token Service's sign-in pages must be a valid domain of the app, or Teams will not open them. A regional Token
 * Service (BOT_TOKEN_SERVICE_URL, e.g. https://europe.api.botframework.com) serves them from its regional token host
 * (europe.token.botframework.com): the "api" label becomes "token".
 */
function withTokenServiceDomain(manifest: TeamsManifest, tokenServiceUrl: string | undefined): TeamsManifest {
  if (!tokenServiceUrl || !URL.canParse(tokenServiceUrl)) return manifest;
  const domain = new URL(tokenServiceUrl).hostname.split('.').map((label) => (label === 'api' ? 'token' : label)).join('.');
  const validDomains = manifest.validDomains ?? [];
  return validDomains.includes(domain) ? manifest : { ...manifest, validDomains: [...validDomains, domain] };
}

/** Writes build/appPackage.zip (and build/manifest.json for inspection); returns the zip's path. */
export async function writeAppPackage(pkg: AppPackage, root: string): Promise<string> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(pkg.files)) zip.file(name, content);
  const out = join(root, 'build');
  mkdirSync(out, { recursive: true });
  const zipPath = join(out, 'appPackage.zip');
  writeFileSync(zipPath, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  writeFileSync(join(out, 'manifest.json'), pkg.files['manifest.json']!);
  return zipPath;
}
