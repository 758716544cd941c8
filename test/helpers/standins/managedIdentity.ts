import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { TENANT_ID, type FederatedCredential } from './entra.js';
import { sendJson, StandInServer } from './http.js';

/** The user-assigned managed identity assigned to the bot's App Service: its client id and its object (principal) id. */
export const MANAGED_IDENTITY_CLIENT_ID = '5e29463d-71da-4fe0-8e69-999b57db23b0';
export const MANAGED_IDENTITY_PRINCIPAL_ID = '0c3a9f61-2d7e-4b8a-9c15-6e4f0b2d8a73';
/** The audience a token must have to be exchanged at Entra ID as a federated credential (public cloud). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** One request to the endpoint, as tests assert on it (the header's value is not kept, only whether it matched). */
export interface IdentityRequest {
  method: string;
  apiVersion: string | null;
  resource: string | null;
  clientId: string | null;
  headerMatched: boolean;
  /** 'issued', or the HTTP status of the refusal. */
  outcome: string;
}

/**
 * App Service's local managed-identity token endpoint (what IDENTITY_ENDPOINT names; plain http on the instance),
 * protocol version 2019-08-01, as Microsoft documents it in "How to use managed identities for App Service and Azure
 * Functions", REST endpoint reference (learn.microsoft.com/azure/app-service/overview-managed-identity; source
 * MicrosoftDocs/azure-docs articles/app-service/overview-managed-identity.md), and as msal-node sends it
 * (src/client/ManagedIdentitySources/AppService.ts, 7.2.3):
 * - `GET {IDENTITY_ENDPOINT}?resource=<uri>&api-version=2019-08-01&client_id=<user-assigned identity's client id>`
 *   with the header `X-IDENTITY-HEADER: <IDENTITY_HEADER>` (the platform's SSRF guard);
 * - without an id parameter the system-assigned identity is meant, which this App Service does not have;
 * - 200 `{access_token, expires_on (epoch seconds, as a string in the docs' sample), resource, token_type, client_id}`.
 * Stricter than the docs where they say nothing: only 2019-08-01, only GET, only the identity assigned here. Its
 * refusals' bodies are not documented; MSAL reads `message` from them (BaseManagedIdentitySource.ts).
 * The token is a JWT signed with this stand-in's own key (Entra ID signs real ones): issuer the tenant's Entra v2
 * issuer, subject and `oid` the identity's object id, audience the resource asked for.
 */
export class LocalManagedIdentity {
  readonly clientId = MANAGED_IDENTITY_CLIENT_ID;
  readonly principalId = MANAGED_IDENTITY_PRINCIPAL_ID;
  /** User-assigned identities assigned to the App Service: client id → object (principal) id. */
  private readonly assigned = new Map([[MANAGED_IDENTITY_CLIENT_ID, MANAGED_IDENTITY_PRINCIPAL_ID]]);
  /** What the platform puts in IDENTITY_HEADER (it rotates it; one value per process is enough here). */
  readonly identityHeader = randomUUID();
  /** Lifetime of the tokens issued (real ones: about 24 hours). */
  tokenLifetimeSeconds = 24 * 3600;
  readonly requests: IdentityRequest[] = [];
  /** Ids (`uti`) of the tokens issued, in order. */
  readonly issued: string[] = [];
  readonly server = new StandInServer(false, (req, url, _body, res) => this.handle(req, url, res));
  private keys?: Awaited<ReturnType<typeof generateKeyPair>>;
  private jwk?: JWK;

  /** The issuer of the identity's tokens: its tenant's Entra ID v2 issuer, what the app's federated credential names. */
  get issuer(): string {
    return `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
  }

  /** IDENTITY_ENDPOINT, as App Service sets it (e.g. http://localhost:8081/msi/token). */
  get endpoint(): string {
    return `${this.server.url}/msi/token`;
  }

  async start(): Promise<this> {
    this.keys = await generateKeyPair('RS256');
    this.jwk = { ...(await exportJWK(this.keys.publicKey)), kid: 'local-managed-identity-1', use: 'sig', alg: 'RS256' };
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Assigns another user-assigned identity to the App Service (a fresh one: MSAL's process-wide cache has no token of it). */
  assign(clientId: string, principalId: string): void {
    this.assigned.set(clientId, principalId);
  }

  /**
   * The federated identity credential the bot's app registration holds for this identity, as Microsoft documents it
   * for a managed identity ("Configure an application to trust a managed identity"): issuer the tenant's v2
   * issuer, subject the identity's object id, audience api://AzureADTokenExchange. With the key Entra ID would find
   * through the issuer's metadata.
   */
  federatedCredential(clientId = this.clientId): FederatedCredential {
    return { issuer: this.issuer, subject: this.assigned.get(clientId)!, audiences: [TOKEN_EXCHANGE_AUDIENCE], issuerKey: this.keys!.publicKey };
  }

  private async handle(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const params = url.searchParams;
    const request: IdentityRequest = {
      method: req.method ?? 'GET',
      apiVersion: params.get('api-version'),
      resource: params.get('resource'),
      clientId: params.get('client_id'),
      headerMatched: req.headers['x-identity-header'] === this.identityHeader,
      outcome: 'issued',
    };
    this.requests.push(request);
    const refuse = (status: number, message: string) => {
      request.outcome = String(status);
      sendJson(res, status, { statusCode: status, message, correlationId: randomUUID() });
    };
    if (url.pathname !== '/msi/token') return refuse(404, 'Not found.');
    if (request.method !== 'GET') return refuse(405, 'Method not allowed.');
    if (!request.headerMatched) return refuse(401, 'The X-IDENTITY-HEADER header is missing or wrong.');
    if (request.apiVersion !== '2019-08-01') return refuse(400, `api-version ${request.apiVersion ?? '(none)'} is not supported here; use 2019-08-01.`);
    if (!request.resource) return refuse(400, 'The resource parameter is required.');
    const otherIds = ['principal_id', 'object_id', 'mi_res_id'].filter((name) => params.has(name));
    const principalId = request.clientId === null ? undefined : this.assigned.get(request.clientId);
    if (principalId === undefined || otherIds.length > 0) return refuse(400, 'Unable to load the proper Managed Identity.');
    const now = Math.floor(Date.now() / 1000);
    const expiresOn = now + this.tokenLifetimeSeconds;
    const tokenId = randomUUID();
    const accessToken = await new SignJWT({ uti: tokenId, oid: principalId, tid: TENANT_ID, appid: request.clientId, azp: request.clientId, idtyp: 'app', ver: '2.0' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk!.kid! })
      .setIssuer(this.issuer)
      .setSubject(principalId)
      .setAudience(request.resource)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(expiresOn)
      .sign(this.keys!.privateKey);
    this.issued.push(tokenId);
    sendJson(res, 200, { access_token: accessToken, expires_on: String(expiresOn), resource: request.resource, token_type: 'Bearer', client_id: request.clientId });
  }
}
