import { createHash, type KeyObject, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
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
    if (form.has('client_assertion')) {
      if (!(await this.validClientAssertion(tenant, form))) return fail(401, 'invalid_client', 700027, 'The certificate with identifier used to sign the client assertion is not registered on application.');
    } else if (form.get('client_secret') !== BOT_SECRET) {
      return fail(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    }

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
      const requested = scope.split(' ').filter((s) => s.startsWith('https://graph.microsoft.com/')).map((s) => s.slice('https://graph.microsoft.com/'.length));
      if (requested.length === 0) return fail(400, 'invalid_scope', 70011, 'The provided request must include a \'scope\' input parameter.');
      const accessToken = await this.sign(
        { scp: requested.join(' '), oid: user.id, tid: TENANT_ID, upn: user.userPrincipalName, name: user.displayName, appid: clientId, ver: '1.0' },
        'https://graph.microsoft.com',
        user.id,
        this.graphTokenLifetimeSeconds,
      );
      const idToken = await this.sign({ oid: user.id, tid: TENANT_ID, preferred_username: user.userPrincipalName, name: user.displayName, ver: '2.0' }, clientId, user.id, 3600);
      this.calls.push({ tenant, grantType, clientId, scope, outcome: 'issued' });
      return sendJson(res, 200, {
        token_type: 'Bearer',
        scope: requested.map((s) => `https://graph.microsoft.com/${s}`).join(' '),
        expires_in: this.graphTokenLifetimeSeconds,
        ext_expires_in: this.graphTokenLifetimeSeconds,
        access_token: accessToken,
        refresh_token: `rt.${createHash('sha256').update(randomUUID()).digest('base64url')}`,
        id_token: idToken,
        client_info: Buffer.from(JSON.stringify({ uid: user.id, utid: TENANT_ID })).toString('base64url'),
      });
    }
    return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
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
