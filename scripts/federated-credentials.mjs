// The provision step after arm/deploy in m365agents.yml (dev, prod): the bot's app registration (BOT_ID) trusts two
// federated identity credentials, so that neither the bot nor its OAuth connection needs a client secret:
//   - the App Service's user-assigned managed identity (infra/azure.bicep): issuer
//     https://login.microsoftonline.com/<tenant>/v2.0, subject the identity's principal (object) id, audience
//     api://AzureADTokenExchange (Microsoft Entra, "Configure an application to trust a managed identity",
//     learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity);
//   - the Bot Framework Token Service, for the "AAD v2 with Federated Credentials" OAuth connection
//     (infra/botRegistration/azurebot.bicep): same issuer and audience, subject
//     /eid1/c/pub/t/<tenant id, base64url>/a/<Token Store app id, base64url>/<the connection's Unique Identifier>
//     (Bot Framework docs, bot-builder-authentication-federated-credential.md, "Create the Microsoft Entra ID identity
//     provider"; the ids are encoded as .NET's Guid.ToByteArray() gives their bytes, as in the docs' table).
// Each is a Microsoft Graph upsert, so running it again changes nothing: PATCH
// /applications(appId='{appId}')/federatedIdentityCredentials(name='{name}') with Prefer: create-if-missing
// (learn.microsoft.com/graph/api/federatedidentitycredential-upsert). Why a script and not Bicep: docs/deploy.md.
// It signs in with the Azure CLI (`az account get-access-token`), as the person who provisions: an owner of the app
// (aadApp/create made them one) may add credentials to it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The audience Entra requires of an assertion presented to it as a federated credential (public cloud). */
const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** The Bot Service Token Store, the first-party app that signs the OAuth connection's assertions (5b404cf4-a79d-4cfe-b866-24bf8e1a4921). */
const TOKEN_STORE_APP = '9ExAW52n_ky4ZiS_jhpJIQ';
const REQUIRED = ['BOT_ID', 'BOT_TENANT_ID', 'BOT_MANAGED_IDENTITY_PRINCIPAL_ID', 'SECRET_OAUTH_CONNECTION_UNIQUE_ID'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID's bytes as .NET orders them (the first three fields little-endian), base64url: how the subject names ids. */
function guidBase64Url(guid) {
  const bytes = Buffer.from(guid.replace(/-/g, ''), 'hex');
  return Buffer.concat([bytes.subarray(0, 4).reverse(), bytes.subarray(4, 6).reverse(), bytes.subarray(6, 8).reverse(), bytes.subarray(8)]).toString('base64url');
}

/** The two credentials, as Graph's federatedIdentityCredential bodies, by name. */
function federatedCredentials(env) {
  const issuer = `https://login.microsoftonline.com/${env.BOT_TENANT_ID}/v2.0`;
  return {
    'bookings-bot-app-service': {
      issuer,
      subject: env.BOT_MANAGED_IDENTITY_PRINCIPAL_ID,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
      description: "The App Service's user-assigned managed identity: the bot's credential (MANAGED_IDENTITY_CLIENT_ID)",
    },
    'bookings-bot-token-service': {
      issuer,
      subject: `/eid1/c/pub/t/${guidBase64Url(env.BOT_TENANT_ID)}/a/${TOKEN_STORE_APP}/${env.SECRET_OAUTH_CONNECTION_UNIQUE_ID}`,
      audiences: [TOKEN_EXCHANGE_AUDIENCE],
      description: "The Bot Framework Token Service, for the Azure Bot's OAuth connection (AAD v2 with Federated Credentials)",
    },
  };
}

function fail(message) {
  process.stderr.write(`federated-credentials: ${message}\n`);
  process.exit(1);
}

async function graphToken(tenant) {
  const args = ['account', 'get-access-token', '--tenant', tenant, '--resource-type', 'ms-graph', '--query', 'accessToken', '--output', 'tsv'];
  try {
    // az is az.cmd on Windows, which Node starts only through a shell.
    const { stdout } = await promisify(execFile)('az', args, { shell: process.platform === 'win32', timeout: 60_000 });
    return stdout.trim();
  } catch (error) {
    const why = error.code === 'ENOENT' ? 'the Azure CLI (az) is not installed' : String(error.stderr || error.message).trim();
    return fail(`no Microsoft Graph token from the Azure CLI: ${why}\nInstall it and sign in to the bot's tenant as an owner of the app: az login --tenant ${tenant} --allow-no-subscriptions`);
  }
}

async function main() {
  const env = process.env;
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) fail(`missing ${missing.join(', ')}: run it as a step of \`npx atk provision\` (m365agents.yml), after arm/deploy`);
  for (const name of ['BOT_ID', 'BOT_TENANT_ID', 'BOT_MANAGED_IDENTITY_PRINCIPAL_ID']) if (!GUID.test(env[name])) fail(`${name} must be a GUID, is "${env[name]}"`);
  const graph = (env.MICROSOFT_GRAPH_URL ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  const token = await graphToken(env.BOT_TENANT_ID);
  for (const [name, credential] of Object.entries(federatedCredentials(env))) {
    const url = `${graph}/v1.0/applications(appId='${env.BOT_ID}')/federatedIdentityCredentials(name='${name}')`;
    const response = await fetch(url, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Prefer: 'create-if-missing' },
      body: JSON.stringify(credential),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status === 201 || response.status === 204) {
      process.stdout.write(`${name}: ${response.status === 201 ? 'created' : 'up to date'} (subject ${credential.subject})\n`);
      continue;
    }
    const body = await response.text();
    const hint = response.status === 403 ? '\nOnly an owner of the app, or an Application Administrator, may add its credentials.' : '';
    fail(`Graph answered ${response.status} for ${name}: ${body}${hint}`);
  }
}

await main();
