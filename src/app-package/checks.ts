import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { PNG } from 'pngjs';

// Both are CommonJS modules whose module.exports is the default export itself; the typings only know `.default`.
const Ajv = AjvDraft04 as unknown as typeof AjvDraft04.default;
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The official schemas, from the copy bundled in @microsoft/app-manifest: validation never touches the network. */
function bundledSchema(version: string, file: 'MicrosoftTeams.schema.json' | 'MicrosoftTeams.Localization.schema.json'): object {
  const path = createRequire(import.meta.url).resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${version}/${file}`);
  return JSON.parse(readFileSync(path, 'utf8')) as object;
}

export interface TeamsManifest {
  manifestVersion: string;
  id: string;
  icons: { color: string; outline: string };
  bots?: { botId: string }[];
  webApplicationInfo?: { id: string; resource: string };
  validDomains?: string[];
  localizationInfo?: { additionalLanguages?: { languageTag: string; file: string }[] };
}

/**
 * Draft-04 validation as @microsoft/app-manifest does it, except that patterns are not compiled with the 'u' flag:
 * the bundled localization schema has a pattern ("\\b]") that is invalid in unicode mode and crashes its validator.
 */
function validator(schema: object): (value: unknown, file: string) => string[] {
  const ajv = new Ajv({ allErrors: true, strictTypes: false, strict: false, unicodeRegExp: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(schema);
  return (value, file) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${file}${e.instancePath || ''} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

export function schemaProblems(manifest: TeamsManifest, localizations: Record<string, object>): string[] {
  let schema: object;
  try {
    schema = bundledSchema(manifest.manifestVersion, 'MicrosoftTeams.schema.json');
  } catch {
    return [`manifestVersion ${manifest.manifestVersion}: no bundled schema for this version`];
  }
  const problems = validator(schema)(manifest, 'manifest.json');
  const checkLocalization = validator(bundledSchema(manifest.manifestVersion, 'MicrosoftTeams.Localization.schema.json'));
  for (const [file, content] of Object.entries(localizations)) problems.push(...checkLocalization(content, file));
  return problems;
}

/** Rules the schema cannot express: real GUIDs, one bot id everywhere, the SSO resource Teams requires. */
export function identityProblems(manifest: TeamsManifest, botId: string): string[] {
  const problems: string[] = [];
  if (!GUID.test(manifest.id)) problems.push(`id (TEAMS_APP_ID) must be a GUID, got "${manifest.id}"`);
  if (!GUID.test(botId)) problems.push(`BOT_ID must be the bot's Entra application (client) id, a GUID, got "${botId}"`);
  const bot = manifest.bots?.[0];
  if (!bot) problems.push('bots: the manifest declares no bot');
  else if (bot.botId !== botId) problems.push(`bots[0].botId is "${bot.botId}", expected BOT_ID "${botId}"`);
  const sso = manifest.webApplicationInfo;
  if (sso?.id !== botId) problems.push(`webApplicationInfo.id must equal BOT_ID "${botId}"`);
  if (sso?.resource !== `api://botid-${botId}`) problems.push(`webApplicationInfo.resource must be "api://botid-${botId}" (Teams SSO requires the botid- form)`);
  return problems;
}

/** Teams' icon rules: colour 192×192; outline 32×32, white on transparent only. */
export function iconProblems(color: Buffer, outline: Buffer): string[] {
  const problems: string[] = [];
  const colorPng = PNG.sync.read(color);
  if (colorPng.width !== 192 || colorPng.height !== 192) problems.push(`color.png must be 192×192, is ${colorPng.width}×${colorPng.height}`);
  const outlinePng = PNG.sync.read(outline);
  if (outlinePng.width !== 32 || outlinePng.height !== 32) problems.push(`outline.png must be 32×32, is ${outlinePng.width}×${outlinePng.height}`);
  const { data } = outlinePng;
  for (let i = 0; i < data.length; i += 4) {
    const transparent = data[i + 3] === 0;
    const white = data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255;
    if (!transparent && !white) {
      problems.push('outline.png must be white on a transparent background');
      break;
    }
  }
  return problems;
}
