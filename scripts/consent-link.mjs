// `npm run consent-link -- --env <env>`: the one link an administrator opens after `atk provision --env <env>` to
// grant the bot's Graph delegated permissions (aad.manifest.json, requiredResourceAccess) for the whole tenant.
// https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent#construct-the-url-for-granting-tenant-wide-admin-consent
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'dotenv';

const { values } = parseArgs({ options: { env: { type: 'string', default: 'dev' }, 'env-file': { type: 'string' }, authority: { type: 'string', default: 'https://login.microsoftonline.com' } } });
const file = values['env-file'] ?? new URL(`../env/.env.${values.env}`, import.meta.url);
const env = parse(readFileSync(file));
const missing = ['BOT_ID', 'BOT_TENANT_ID'].filter((name) => !env[name]);
if (missing.length > 0) {
  process.stderr.write(`env/.env.${values.env} has no ${missing.join(' or ')}: run \`npx atk provision --env ${values.env}\` first\n`);
  process.exit(1);
}
const link = new URL(`/${encodeURIComponent(env.BOT_TENANT_ID)}/adminconsent`, values.authority);
link.searchParams.set('client_id', env.BOT_ID);
// A registered redirect URI of the app (aad.manifest.json, publicClient): a blank page once consent is recorded.
link.searchParams.set('redirect_uri', `${values.authority}/common/oauth2/nativeclient`);
process.stdout.write(`${link.href}\n`);
