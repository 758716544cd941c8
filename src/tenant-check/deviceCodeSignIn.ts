import { AuthError, LogLevel, PublicClientApplication } from '@azure/msal-node';
import { MICROSOFT_LOGIN_HOSTS } from '../auth/msalClient.js';
import { Secret } from '../bookings/secret.js';

export interface DeviceCodeSignInOptions {
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  tenantId: string;
  /** The bot's app registration (BOT_ID). */
  clientId: string;
  /** Full Graph scope URIs, the bot's GRAPH_SCOPES. */
  scopes: string[];
  /** Shows Entra ID's instructions (where to go, which code to enter) to the operator. */
  show: (message: string) => void;
}

export interface SignedIn {
  /** The operator's Graph token: only the recorder reveals it, into an Authorization header. */
  token: Secret;
  /** The Graph permissions in it (short names), as Entra ID reported them. */
  grantedScopes: string[];
}

export class SignInFailed extends Error {
  override readonly name = 'SignInFailed';
}

const GRAPH_RESOURCE = 'https://graph.microsoft.com/';
const OPENID_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

/**
 * Signs the operator in once with the device authorization grant, as the bot's own app registration and with the
 * bot's Graph permissions: the token is what the bot would get on behalf of this person. MSAL's public client flow;
 * Entra ID redeems the code only while the app registration allows public client flows (docs/deploy.md, "Check a
 * real tenant": off in aad.manifest.json, on for the check only). The token and MSAL's cache stay in memory.
 */
export async function signInWithDeviceCode(options: DeviceCodeSignInOptions): Promise<SignedIn> {
  const host = new URL(options.authorityHost).host;
  const app = new PublicClientApplication({
    auth: {
      clientId: options.clientId,
      authority: `${options.authorityHost}/${options.tenantId}`,
      ...(MICROSOFT_LOGIN_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
    },
    // MSAL writes nothing: its messages can name accounts.
    system: { loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined } },
  });
  let result;
  try {
    result = await app.acquireTokenByDeviceCode({ scopes: options.scopes, deviceCodeCallback: (answer) => options.show(answer.message) });
  } catch (error) {
    throw new SignInFailed(explained(error), { cause: error });
  }
  if (!result?.accessToken) throw new SignInFailed('Entra ID answered without an access token');
  return {
    token: new Secret(result.accessToken),
    grantedScopes: result.scopes.map((s) => (s.startsWith(GRAPH_RESOURCE) ? s.slice(GRAPH_RESOURCE.length) : s)).filter((s) => !OPENID_SCOPES.has(s.toLowerCase())),
  };
}

/** Entra ID's refusal, and what the operator can do about the one this command meets first. */
function explained(error: unknown): string {
  const text = error instanceof AuthError ? `${error.errorCode}: ${error.errorMessage}` : error instanceof Error ? error.message : String(error);
  // AADSTS7000218: the app is a confidential client, so Entra wants a secret for the device code it issued.
  if (/7000218|invalid_client/.test(text)) {
    return `Entra ID refused to redeem the device code for the bot's app (${firstLine(text)}). The app registration does not allow public client flows: turn "Allow public client flows" on for this check (Entra admin center > App registrations > the bot's app > Authentication), run it, and turn it off again (docs/deploy.md, "Check a real tenant").`;
  }
  return `Sign-in failed: ${firstLine(text)}`;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.trim();
}
