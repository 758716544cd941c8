import { createHash, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import type { DirectoryUser } from '../../../src/local-graph/seed.js';
import { USERS } from '../../../src/local-graph/seed.js';
import { sendJson, StandInServer } from './http.js';

export const TENANT_ID = 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const BOT_APP_ID = '7e2a1f0c-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
export const BOT_SECRET = 'local-test-secret-not-real';
export const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';
/** The Conditional Access policy named in the stand-in's claims challenges. */
export const CONDITIONAL_ACCESS_POLICY_ID = '9ab03e19-ed42-4168-b6b7-7001fb3e933a';
export const GRAPH_SCOPES = ['BookingsAppointment.ReadWrite.All', 'Bookings.Read.All', 'User.Read'];

/** One call to the token endpoint, as tests assert on it (no secrets kept). */
export interface TokenCall {
  /** The tenant in the token endpoint's path: the bot's, or botframework.com for a multi-tenant bot's own tokens. */
  tenant: string;
  grantType: string;
  clientId: string;
  scope: string;
  /** 'issued', or Entra's error and AADSTS number, e.g. 'invalid_grant/65001'. */
  outcome: string;
}

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * One signing key per test process, as one tenant has one key set: botbuilder caches the bot's Bot Connector
 * token process-wide, so a token from an earlier test's Entra must still verify in the next.
 */
let processKeys: Promise<KeyPair> | undefined;

/**
 * The stand-in for Microsoft Entra ID (login.microsoftonline.com) on https://127.0.0.1: OpenID metadata, JWKS,
 * and the v2 token endpoint with the grants the bot uses: client_credentials (the bot's own Bot Connector token)
 * and jwt-bearer on_behalf_of (Graph tokens for a user). Errors have Entra's JSON shape and AADSTS numbers.
 * It also signs the user tokens that Teams (SSO) and the Token Service hand to the bot.
 */
export class LocalEntra {
  readonly calls: TokenCall[] = [];

  /** Calls to the token endpoint on behalf of users (the bot's own Bot Connector tokens left out). */
  oboCalls(): TokenCall[] {
    return this.calls.filter((c) => c.grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
  }
  /** Users (object ids) who have not consented to the bot's Graph permissions. */
  readonly withoutConsent = new Set<string>();
  /** Every on-behalf-of request waits this long before it is answered (an Entra ID that hangs). */
  oboDelayMs = 0;
  /** On-behalf-of requests received so far, answered or not (oboCalls records them once answered). */
  oboReceived = 0;
  /** The tenant's user consent setting: whether users may consent to the bot's Graph permissions themselves. */
  userConsentAllowed = true;
  /** Users (object ids) not assigned to the bot's app, which requires assignment: AADSTS50105 on every exchange. */
  readonly notAssigned = new Set<string>();
  /**
   * Users (object ids) a Conditional Access policy asks for multi-factor authentication their token does not carry:
   * every on-behalf-of exchange for them fails with interaction_required and a claims challenge. 50076: they must
   * use MFA; 50079: they must first enrol in it. Nothing the bot can send fixes that; only the user, interactively.
   */
  readonly mfaRequired = new Map<string, 50076 | 50079>();
  /** Public keys of certificates registered on the bot's app (client assertions signed with them are accepted). */
  readonly certificates: KeyObject[] = [];
  /** Client secrets registered on the bot's app; cleared, every client_secret is refused (an app with none). */
  readonly secrets = new Set([BOT_SECRET]);
  /** Federated identity credentials on the bot's app (see "Federated identity credentials" below). */
  readonly federatedCredentials: FederatedCredential[] = [];
  /** How each token request authenticated the bot's app, and what Entra made of it (no secret or token kept). */
  readonly clientAuthentications: ClientAuthentication[] = [];
  /** Lifetime of the Graph tokens issued on behalf of users. */
  graphTokenLifetimeSeconds = 3600;
  readonly server = new StandInServer(true, (req, url, body, res) => this.handle(req.method ?? 'GET', url, body, res));
  private keys?: KeyPair;
  private jwk?: JWK;
  url = '';

  private readonly usersById: Map<string, DirectoryUser>;

  constructor(readonly users: DirectoryUser[] = USERS) {
    this.usersById = new Map(users.map((u) => [u.id, u]));
  }

  /** Entra's v2 issuer for the tenant; like the keys, the same for every instance. */
  get issuer(): string {
    return `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
  }

  get jwksUri(): string {
    return `${this.url}/${TENANT_ID}/discovery/v2.0/keys`;
  }

  /** What the bot sets ENTRA_AUTHORITY_HOST to. */
  get authorityHost(): string {
    return this.url;
  }

  async start(): Promise<this> {
    processKeys ??= generateKeyPair('RS256');
    this.keys = await processKeys;
    this.jwk = { ...(await exportJWK(this.keys.publicKey)), kid: 'local-entra-1', use: 'sig', alg: 'RS256' };
    this.url = await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  user(upn: string): DirectoryUser {
    const found = this.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
    if (!found) throw new Error(`no such user ${upn}`);
    return found;
  }

  /** The Teams SSO token: issued to the Teams client for the bot's app id URI, scope access_as_user. */
  ssoToken(upn: string, lifetimeSeconds = 3600): Promise<string> {
    return this.userToken(this.user(upn), `api://botid-${BOT_APP_ID}`, 'access_as_user', lifetimeSeconds);
  }

  /** The token the Token Service holds for a user of the OAuth connection: audience = the bot's app. */
  connectionToken(user: DirectoryUser, lifetimeSeconds = 3600): Promise<string> {
    return this.userToken(user, BOT_APP_ID, 'access_as_user', lifetimeSeconds);
  }

  /**
   * What Entra answers the Token Service, which asks as the OAuth connection's client (the bot's app) for a user's
   * token for the connection's `scopes`: at the exchange (on-behalf-of, with the Teams token), after the sign-in page
   * (authorization code) and at each renewal (refresh token). A scope of the app itself named by its Application ID URI
   * asks for a token for itself by URI: AADSTS90009, "supported only if the resource that's specified is using the
   * GUID-based application ID" (learn.microsoft.com/entra/identity-platform/reference-error-codes), 400
   * invalid_request (Azure-Samples/ms-identity-msal-java-samples#43). Reports see the sign-in pass and the renewal an
   * hour later fail (damienbod/angular-auth-oidc-client#1844, Softeria/ms-365-mcp-server#502): the authorization code
   * is served here too, every other grant refused. By GUID (`{appId}/access_as_user`) the token is the app's
   * (aud = the GUID, a v2 token). Graph scopes (bare names are Graph's) give a Graph token where the user consented
   * (AADSTS65001 otherwise); more than one resource is AADSTS28000, an unknown one AADSTS500011.
   */
  async connectionGrant(user: DirectoryUser, scopes: string, grant: 'on_behalf_of' | 'authorization_code' | 'refresh_token'): Promise<{ token: string } | { error: string; code: number }> {
    const oidc = new Set(['openid', 'profile', 'email', 'offline_access']);
    const resources = new Set(
      scopes
        .split(' ')
        .filter((s) => s !== '' && !oidc.has(s))
        .map((s) => (s.includes('/') ? s.slice(0, s.lastIndexOf('/')) : 'https://graph.microsoft.com')),
    );
    if (resources.size !== 1) return { error: 'invalid_scope', code: resources.size === 0 ? 70011 : 28000 };
    const [resource] = resources;
    if (resource === `api://botid-${BOT_APP_ID}`) return grant === 'authorization_code' ? { token: await this.connectionToken(user) } : { error: 'invalid_request', code: 90009 };
    if (resource === BOT_APP_ID) return { token: await this.connectionToken(user) };
    if (resource === 'https://graph.microsoft.com' && this.withoutConsent.has(user.id)) return { error: 'invalid_grant', code: 65001 };
    if (resource === 'https://graph.microsoft.com') return { token: await this.userToken(user, resource, scopes.split(' ').filter((s) => s !== '' && !oidc.has(s)).map((s) => s.replace(`${resource}/`, '')).join(' '), 3600) };
    return { error: 'invalid_resource', code: 500011 };
  }

  /** Checks a user token this Entra issued for `audience`; whose it is, or undefined. */
  async verify(token: string, audience: string | string[]): Promise<{ user: DirectoryUser; expired: false } | { expired: true } | undefined> {
    const verified = await this.verifyClaims(token, audience);
    if (!verified || verified.expired) return verified;
    const user = typeof verified.claims.oid === 'string' ? this.usersById.get(verified.claims.oid) : undefined;
    return user ? { user, expired: false } : undefined;
  }

  /** Checks an app-only token this Entra issued to the bot (`appId`) for `audience` (its Bot Connector / Token Service token). */
  async verifyBot(token: string, audience: string, appId = BOT_APP_ID): Promise<boolean> {
    const verified = await this.verifyClaims(token, audience);
    return verified?.expired === false && verified.claims.appid === appId;
  }

  private async verifyClaims(token: string, audience: string | string[]): Promise<{ claims: Record<string, unknown>; expired: false } | { expired: true } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.keys!.publicKey, { issuer: this.issuer, audience });
      return { claims: payload, expired: false };
    } catch (error) {
      return (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? { expired: true } : undefined;
    }
  }

  private async userToken(user: DirectoryUser, audience: string, scp: string, lifetimeSeconds: number): Promise<string> {
    return this.sign({ scp, oid: user.id, tid: TENANT_ID, upn: user.userPrincipalName, preferred_username: user.userPrincipalName, name: user.displayName, azp: BOT_APP_ID, ver: '2.0' }, audience, user.id, lifetimeSeconds);
  }

  private sign(claims: Record<string, unknown>, audience: string, subject: string, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    // uti makes every token unique, as Entra's are: a renewed token must never equal the one it replaces.
    return new SignJWT({ uti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk!.kid! })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(now)
      .setNotBefore(now - 60)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.keys!.privateKey);
  }

  private async handle(method: string, url: URL, body: string, res: ServerResponse): Promise<void> {
    // The bot's tenant, and botframework.com, where a multi-tenant bot gets its own Bot Connector tokens.
    const tenant = [TENANT_ID, 'botframework.com'].find((t) => url.pathname.startsWith(`/${t}/`));
    if (!tenant) return sendJson(res, 400, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.', error_codes: [90002] });
    const base = `/${tenant}`;
    if (method === 'GET' && url.pathname === `${base}/v2.0/.well-known/openid-configuration`) {
      return sendJson(res, 200, {
        token_endpoint: `${this.url}${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${this.url}${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${this.url}${base}/oauth2/v2.0/logout`,
        jwks_uri: this.jwksUri,
        issuer: this.issuer,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        tenant_region_scope: 'EU',
      });
    }
    if (method === 'GET' && url.pathname === `${base}/discovery/v2.0/keys`) return sendJson(res, 200, { keys: [this.jwk] });
    if (method === 'POST' && url.pathname === `${base}/oauth2/v2.0/token`) return this.token(tenant, new URLSearchParams(body), res);
    if (method === 'POST' && url.pathname === `${base}/oauth2/v2.0/devicecode`) return this.deviceAuthorization(tenant, new URLSearchParams(body), res);
    if (method === 'GET' && url.pathname === `${base}/oauth2/v2.0/authorize`) return this.authorize(url, res);
    if (method === 'GET' && url.pathname === `${base}/v2.0/adminconsent`) return this.adminConsent(url, res);
    return sendJson(res, 404, { error: 'invalid_request', error_description: `AADSTS90002: No such endpoint ${url.pathname}.`, error_codes: [90002] });
  }

  /**
   * The browser side of an authorization request for the bot's app (login_hint stands for the person signing in).
   * Asking for Graph scopes, it consents to them for that user where the tenant lets users consent, and otherwise
   * shows "Need admin approval" (AADSTS90094) without redirecting (Microsoft Entra docs, "User and admin consent";
   * "Configure how users consent to applications"). It redirects with a code it never redeems: the consent is the point.
   */
  private authorize(url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    const user = this.users.find((u) => u.userPrincipalName.toLowerCase() === params.get('login_hint')?.toLowerCase());
    const redirect = params.get('redirect_uri');
    if (params.get('client_id') !== BOT_APP_ID || !user || !redirect) return sendJson(res, 400, { error: 'invalid_request', error_codes: [900144] });
    const graphScopes = (params.get('scope') ?? '').split(' ').filter((s) => s.startsWith('https://graph.microsoft.com/'));
    if (graphScopes.length > 0 && this.withoutConsent.has(user.id)) {
      if (!this.userConsentAllowed) return sendJson(res, 200, { page: 'Need admin approval', error_codes: [90094] });
      this.withoutConsent.delete(user.id);
    }
    res.writeHead(302, { Location: `${redirect}?code=${randomUUID()}&state=${encodeURIComponent(params.get('state') ?? '')}` });
    res.end();
  }

  /** An administrator grants the bot's permissions for the whole tenant (the v2 admin consent endpoint). */
  private adminConsent(url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    const redirect = params.get('redirect_uri');
    if (params.get('client_id') !== BOT_APP_ID || !redirect) return sendJson(res, 400, { error: 'invalid_request', error_codes: [900144] });
    this.withoutConsent.clear();
    res.writeHead(302, { Location: `${redirect}?admin_consent=True&tenant=${TENANT_ID}&scope=${encodeURIComponent(params.get('scope') ?? '')}` });
    res.end();
  }

  private async token(tenant: string, form: URLSearchParams, res: ServerResponse): Promise<void> {
    const grantType = form.get('grant_type') ?? '';
    const clientId = form.get('client_id') ?? '';
    const scope = form.get('scope') ?? '';
    const fail = (status: number, error: string, code: number, description: string, extra: Record<string, unknown> = {}) => {
      this.calls.push({ tenant, grantType, clientId, scope, outcome: `${error}/${code}` });
      const traceId = randomUUID();
      const correlationId = randomUUID();
      const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
      sendJson(res, status, {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.url}/error?code=${code}`,
        ...extra,
      });
    };
    if (clientId !== BOT_APP_ID) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
    // A public client's device code is redeemed without a credential; with public client flows off, the app is confidential.
    if (DEVICE_CODE_GRANTS.has(grantType) && this.publicClientFlows) return this.deviceCodeGrant(tenant, form, fail, res);
    const refused = await this.clientRefusal(tenant, form);
    if (refused) return fail(401, 'invalid_client', refused.code, refused.description);

    if (grantType === 'client_credentials') {
      if (scope !== `${BOT_FRAMEWORK_AUDIENCE}/.default`) return fail(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid.');
      const accessToken = await this.sign({ appid: clientId, azp: clientId, tid: TENANT_ID, ver: '2.0' }, BOT_FRAMEWORK_AUDIENCE, clientId, 3600);
      this.calls.push({ tenant, grantType, clientId, scope, outcome: 'issued' });
      return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
    }

    if (grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && form.get('requested_token_use') === 'on_behalf_of') {
      this.oboReceived++;
      if (this.oboDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.oboDelayMs));
      const assertion = await this.verify(form.get('assertion') ?? '', [BOT_APP_ID, `api://botid-${BOT_APP_ID}`]);
      if (!assertion) return fail(400, 'invalid_grant', 50013, 'Assertion failed signature validation.');
      if (assertion.expired) return fail(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range.');
      const { user } = assertion;
      if (this.notAssigned.has(user.id)) {
        return fail(400, 'invalid_grant', 50105, `Your administrator has configured the application Bookings Bot ('${clientId}') to block users unless they are specifically granted ('assigned') access to the application.`);
      }
      const mfa = this.mfaRequired.get(user.id);
      if (mfa !== undefined) {
        // Entra's answer as "Microsoft identity platform and OAuth 2.0 On-Behalf-Of flow" (learn.microsoft.com/entra/
        // identity-platform/v2-oauth2-on-behalf-of-flow, "Error response example") shows it: HTTP 400, error
        // interaction_required, the AADSTS number in error_description and error_codes, and `claims`, a JSON string
        // naming the Conditional Access policy the token must satisfy (what MSAL returns as InteractionRequiredAuthError.claims).
        const what = mfa === 50079 ? 'enroll in multi-factor authentication' : 'use multi-factor authentication';
        return fail(400, 'interaction_required', mfa, `Due to a configuration change made by your administrator, or because you moved to a new location, you must ${what} to access '00000003-0000-0000-c000-000000000000'.`, {
          claims: JSON.stringify({ access_token: { polids: { essential: true, values: [CONDITIONAL_ACCESS_POLICY_ID] } } }),
        });
      }
      if (this.withoutConsent.has(user.id)) {
        return fail(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}' named 'Bookings Bot'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' });
      }
      const requested = graphScopesIn(scope);
      if (requested.length === 0) return fail(400, 'invalid_scope', 70011, 'The provided request must include a \'scope\' input parameter.');
      const answer = await this.graphTokens(user, requested, clientId);
      this.calls.push({ tenant, grantType, clientId, scope, outcome: 'issued' });
      return sendJson(res, 200, answer);
    }
    return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
  }

  // ---- Device authorization grant (npm run check:tenant signs its operator in this way) --------------------------
  // RFC 8628 as Entra ID serves it (learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code; source
  // MicrosoftDocs/entra-docs docs/identity-platform/v2-oauth2-device-code.md): POST /{tenant}/oauth2/v2.0/devicecode
  // with client_id and scope answers device_code, user_code, verification_uri, expires_in (900 by default), interval
  // and message; the device then polls POST /{tenant}/oauth2/v2.0/token with grant_type
  // urn:ietf:params:oauth:grant-type:device_code, client_id and device_code, and is answered authorization_pending
  // (AADSTS70016 "Pending end-user authorization": AzureAD/azure-activedirectory-library-for-nodejs#137) until the
  // person has signed in at verification_uri, then the tokens; expired_token (AADSTS70020 "The provided value for the
  // input parameter 'device_code' is not valid. This device code has expired.": Azure/azure-cli#22251) afterwards.
  // MSAL sends the grant type as plain "device_code" (msal-common Constants.GrantType.DEVICE_CODE_GRANT), which Entra
  // takes besides the URN the docs name.
  // Only a public client redeems a device code without a credential: an app registration without "Allow public client
  // flows" (isFallbackPublicClient) is confidential, and its redemption is refused as any credential-less request,
  // AADSTS7000218 (clientRefusal above; AzureAD/microsoft-authentication-library-for-java#818). A public client that
  // sends a secret anyway gets AADSTS700025 "Client is public so neither 'client_assertion' nor 'client_secret' should
  // be presented." (canonical/authd#1881). Whether Entra redeems a confidential app's device code with its secret is
  // not modelled.

  /** "Allow public client flows" (isFallbackPublicClient) of the bot's app registration: off, as aad.manifest.json has it. */
  publicClientFlows = false;
  /** The polling interval the device authorization response asks for (Entra's is 5 s). */
  deviceCodeIntervalSeconds = 5;
  /** Lifetime of a device code (Entra's default is 15 minutes). */
  deviceCodeLifetimeSeconds = 900;
  private readonly deviceCodes = new Map<string, DeviceCodeSession>();

  /**
   * The person at verification_uri: enters `userCode` and signs in as `upn`, once the device has been told
   * authorization_pending at least once (as it always is: nobody types a code faster than a device polls).
   */
  async signInWithDeviceCode(userCode: string, upn: string): Promise<void> {
    const session = [...this.deviceCodes.values()].find((s) => s.userCode === userCode);
    if (!session) throw new Error(`no device code session with user code ${userCode}`);
    while (session.pendingAnswers === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    session.user = this.user(upn);
  }

  private deviceAuthorization(tenant: string, form: URLSearchParams, res: ServerResponse): void {
    const clientId = form.get('client_id') ?? '';
    if (clientId !== BOT_APP_ID) return sendJson(res, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`, error_codes: [700016] });
    const scopes = graphScopesIn(form.get('scope') ?? '');
    if (scopes.length === 0) return sendJson(res, 400, { error: 'invalid_scope', error_description: "AADSTS70011: The provided request must include a 'scope' input parameter.", error_codes: [70011] });
    const deviceCode = createHash('sha256').update(randomUUID()).digest('base64url');
    const userCode = Array.from(randomBytes(8), (b) => USER_CODE_LETTERS[b % USER_CODE_LETTERS.length]).join('');
    this.deviceCodes.set(deviceCode, { tenant, userCode, scopes, expiresAt: Date.now() + this.deviceCodeLifetimeSeconds * 1000, pendingAnswers: 0 });
    const verificationUri = `${this.url}/devicelogin`;
    sendJson(res, 200, {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: this.deviceCodeLifetimeSeconds,
      interval: this.deviceCodeIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  private async deviceCodeGrant(tenant: string, form: URLSearchParams, fail: (status: number, error: string, code: number, description: string) => void, res: ServerResponse): Promise<void> {
    if (form.has('client_secret') || form.has('client_assertion')) return fail(401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    const session = this.deviceCodes.get(form.get('device_code') ?? '');
    if (!session || session.tenant !== tenant || Date.now() > session.expiresAt) {
      return fail(400, 'expired_token', 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
    }
    if (!session.user) {
      session.pendingAnswers++;
      return fail(400, 'authorization_pending', 70016, 'Pending end-user authorization.');
    }
    // The permissions are those the device asked for at /devicecode: the redemption names none (MSAL repeats them).
    this.deviceCodes.delete(form.get('device_code')!);
    const answer = await this.graphTokens(session.user, session.scopes, BOT_APP_ID);
    this.calls.push({ tenant, grantType: form.get('grant_type') ?? '', clientId: BOT_APP_ID, scope: form.get('scope') ?? '', outcome: 'issued' });
    sendJson(res, 200, answer);
  }

  /** A user's Graph token for `scopes` (short names), issued to the client `clientId`, as Entra's token endpoint answers it. */
  private async graphTokens(user: DirectoryUser, scopes: string[], clientId: string): Promise<Record<string, unknown>> {
    const accessToken = await this.sign(
      { scp: scopes.join(' '), oid: user.id, tid: TENANT_ID, upn: user.userPrincipalName, name: user.displayName, appid: clientId, ver: '1.0' },
      'https://graph.microsoft.com',
      user.id,
      this.graphTokenLifetimeSeconds,
    );
    const idToken = await this.sign({ oid: user.id, tid: TENANT_ID, preferred_username: user.userPrincipalName, name: user.displayName, ver: '2.0' }, clientId, user.id, 3600);
    return {
      token_type: 'Bearer',
      scope: scopes.map((s) => `https://graph.microsoft.com/${s}`).join(' '),
      expires_in: this.graphTokenLifetimeSeconds,
      ext_expires_in: this.graphTokenLifetimeSeconds,
      access_token: accessToken,
      refresh_token: `rt.${createHash('sha256').update(randomUUID()).digest('base64url')}`,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: TENANT_ID })).toString('base64url'),
    };
  }

  // ---- Federated identity credentials and client authentication ------------------------------------------------
  // Entra ID reads a client assertion signed by the app itself (iss = sub = client id) as a certificate credential,
  // and any other as a token of a trusted issuer, matched against the app's federated identity credentials
  // (Microsoft Entra "Workload identity federation"; Microsoft Graph federatedIdentityCredential: issuer, subject,
  // audiences, compared case-sensitively since 2024). Every refusal is 401 invalid_client, as Entra answers
  // (AADSTS700211/700212/700213 "No matching federated identity record found for presented assertion
  // issuer/audience/subject", AADSTS700024 "Client assertion is not within its valid time range": seen in
  // Azure/login#180, #482, azure-workload-identity#1200, microsoft/Agents#202). No clock tolerance: stricter than Entra.
  // UNCONFIRMED: the number Entra gives a federated token whose signature fails (50027 here) and a wrong
  // client_assertion_type (7000218 here); both are refusals whatever their number.

  /** Whether the app may authenticate this way; why not (Entra's AADSTS number and text) otherwise. */
  private async clientRefusal(tenant: string, form: URLSearchParams): Promise<{ code: number; description: string } | undefined> {
    const record = (use: Omit<ClientAuthentication, 'outcome'>, refusal?: { code: number; description: string }) => {
      this.clientAuthentications.push({ ...use, outcome: refusal ? `invalid_client/${refusal.code}` : 'accepted' });
      return refusal;
    };
    const assertion = form.get('client_assertion');
    if (assertion === null) {
      const secret = form.get('client_secret');
      if (secret === null) return record({ kind: 'none' }, { code: 7000218, description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." });
      return record({ kind: 'secret' }, this.secrets.has(secret) ? undefined : { code: 7000215, description: 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.' });
    }
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(assertion);
    } catch {
      return record({ kind: 'federated' }, { code: 50027, description: 'JWT token is invalid or malformed.' });
    }
    if (claims.iss === form.get('client_id')) {
      const valid = await this.validClientAssertion(tenant, form);
      return record({ kind: 'certificate' }, valid ? undefined : { code: 700027, description: 'The certificate with identifier used to sign the client assertion is not registered on application.' });
    }
    const use = { kind: 'federated' as const, issuer: String(claims.iss), subject: String(claims.sub), tokenId: typeof claims.uti === 'string' ? claims.uti : undefined };
    return record(use, await this.federatedRefusal(form, claims));
  }

  /** A token of another issuer as the app's credential: it must match one federated identity credential of the app, and verify. */
  private async federatedRefusal(form: URLSearchParams, claims: Record<string, unknown>): Promise<{ code: number; description: string } | undefined> {
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return { code: 7000218, description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." };
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const byIssuer = this.federatedCredentials.filter((c) => c.issuer === claims.iss);
    if (byIssuer.length === 0) return { code: 700211, description: `No matching federated identity record found for presented assertion issuer '${String(claims.iss)}'.` };
    const bySubject = byIssuer.filter((c) => c.subject === claims.sub);
    if (bySubject.length === 0) return { code: 700213, description: `No matching federated identity record found for presented assertion subject '${String(claims.sub)}'.` };
    const credential = bySubject.find((c) => c.audiences.some((a) => audiences.includes(a)));
    if (!credential) return { code: 700212, description: `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'.` };
    try {
      await jwtVerify(form.get('client_assertion')!, credential.issuerKey, { issuer: credential.issuer, subject: credential.subject, audience: credential.audiences, algorithms: ['RS256'] });
      return undefined;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return { code: 700024, description: 'Client assertion is not within its valid time range.' };
      return { code: 50027, description: 'JWT token is invalid or malformed.' };
    }
  }

  /** A certificate credential: a JWT the app signed with a registered certificate's key, for this token endpoint. */
  private async validClientAssertion(tenant: string, form: URLSearchParams): Promise<boolean> {
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return false;
    for (const key of this.certificates) {
      try {
        // Entra allows for clock skew; MSAL rounds nbf to the nearest second, so it can be a moment ahead.
        await jwtVerify(form.get('client_assertion') ?? '', key, { issuer: BOT_APP_ID, subject: BOT_APP_ID, audience: `${this.url}/${tenant}/oauth2/v2.0/token`, clockTolerance: 300 });
        return true;
      } catch {
        // not signed with this certificate; try the next
      }
    }
    return false;
  }
}

/**
 * A federated identity credential on the bot's app registration (Microsoft Graph federatedIdentityCredential):
 * tokens of `issuer` about `subject`, for one of `audiences`, are accepted as the app's credential.
 */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  audiences: string[];
  /** The issuer's signing key, which Entra ID finds through the issuer's OpenID metadata (jwks_uri). */
  issuerKey: KeyObject | CryptoKey;
}

/** How one token request authenticated the bot's app: a secret, a certificate's assertion, a federated token, nothing. */
export interface ClientAuthentication {
  kind: 'secret' | 'certificate' | 'federated' | 'none';
  /** A federated token's issuer, subject and id (`uti`). */
  issuer?: string;
  subject?: string;
  tokenId?: string;
  /** 'accepted', or Entra's error and AADSTS number, e.g. 'invalid_client/7000215'. */
  outcome: string;
}

/** The grant type of a device code redemption: RFC 8628 §3.4's URN, and the short form MSAL sends. */
export const DEVICE_CODE_GRANTS = new Set(['urn:ietf:params:oauth:grant-type:device_code', 'device_code']);
/** Letters of a user code: no 0/O or 1/I to mistype. */
const USER_CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A device authorization request, from its answer until its code is redeemed or expires. */
interface DeviceCodeSession {
  tenant: string;
  userCode: string;
  /** The Graph permissions asked for (short names). */
  scopes: string[];
  /** Date.now() after which the code is expired. */
  expiresAt: number;
  /** Polls answered authorization_pending so far. */
  pendingAnswers: number;
  /** Who signed in at verification_uri with the user code, once someone has. */
  user?: DirectoryUser;
}

/** The Graph permissions (short names) among requested scopes; OpenID scopes and other resources' are left out. */
function graphScopesIn(scope: string): string[] {
  return scope.split(' ').filter((s) => s.startsWith('https://graph.microsoft.com/')).map((s) => s.slice('https://graph.microsoft.com/'.length));
}
