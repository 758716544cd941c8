import { createRemoteJWKSet, errors as joseErrors, generateKeyPair, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { DirectoryUser } from './seed.js';

const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const LOCAL_SCOPES = 'Bookings.Read.All BookingsAppointment.ReadWrite.All User.Read';
/** Graph's own app id: tokens for Graph may carry it as audience instead of the URI. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** An Entra ID whose tokens Graph accepts besides the service's own (the tests' local Entra stand-in). */
export interface TrustedIssuer {
  issuer: string;
  jwksUri: string;
}

export type VerifyResult =
  /** appId: the client the token was issued to, `azp` (v2 tokens) or `appid` (v1); 'local' for local sign-in's tokens. */
  | { ok: true; user: DirectoryUser; scopes: string[]; appId: string }
  | { ok: false; message: string };

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * How the local Graph service knows who is calling. It signs tokens for local sign-in (RS256, a key that lives
 * only in this process) and checks every bearer token the way Graph does: signature, issuer, audience, lifetime
 * and a known user. A trusted issuer's tokens are checked against that issuer's published keys (JWKS).
 */
export class LocalIdentity {
  /** Tokens refused from now on although still in their lifetime (their sessions were revoked). */
  private readonly revoked = new Set<string>();
  private keys?: Promise<KeyPair>;
  private readonly issuer: string;
  private readonly trustedKeys?: JWTVerifyGetKey;
  private readonly usersById: Map<string, DirectoryUser>;

  constructor(
    private readonly users: DirectoryUser[],
    readonly tokenLifetimeSeconds: number,
    private readonly trusted?: TrustedIssuer,
    tenantId = 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  ) {
    this.issuer = `https://sts.windows.net/${tenantId}/`;
    this.usersById = new Map(users.map((u) => [u.id, u]));
    if (trusted) this.trustedKeys = createRemoteJWKSet(new URL(trusted.jwksUri));
  }

  /** Everyone who can sign in here, by the name they sign in with. */
  get logins(): string[] {
    return this.users.map((u) => u.userPrincipalName);
  }

  findUser(login: string): DirectoryUser | undefined {
    const wanted = login.toLowerCase();
    return this.users.find((u) => u.userPrincipalName.toLowerCase() === wanted || u.mail.toLowerCase() === wanted);
  }

  /** A token for the user; `scopes` other than local sign-in's, to see what Graph does with fewer permissions. */
  async issue(user: DirectoryUser, scopes = LOCAL_SCOPES): Promise<string> {
    const { privateKey } = await this.keyPair();
    return new SignJWT({ scp: scopes, upn: user.userPrincipalName, name: user.displayName, oid: user.id })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(GRAPH_AUDIENCE)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${this.tokenLifetimeSeconds}s`)
      .sign(privateKey);
  }

  /** Refuses these tokens from now on, as Graph does once a user's sessions are revoked (continuous access evaluation). */
  revoke(tokens: Iterable<string>): void {
    for (const token of tokens) this.revoked.add(token);
  }

  async verify(authorization: string | undefined): Promise<VerifyResult> {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, message: 'Access token is empty.' };
    if (this.revoked.has(token)) return { ok: false, message: 'Access token validation failure. The token has been revoked.' };
    try {
      const audience = [GRAPH_AUDIENCE, `${GRAPH_AUDIENCE}/`, GRAPH_APP_ID];
      const { payload } =
        this.trusted && this.trustedKeys && issuerOf(token) === this.trusted.issuer
          ? await jwtVerify(token, this.trustedKeys, { issuer: this.trusted.issuer, audience, algorithms: ['RS256'] })
          : await jwtVerify(token, (await this.keyPair()).publicKey, { issuer: this.issuer, audience, algorithms: ['RS256'] });
      const user = typeof payload.oid === 'string' ? this.usersById.get(payload.oid) : undefined;
      if (!user) return { ok: false, message: 'Access token validation failure. Invalid user.' };
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
      const appId = typeof payload.azp === 'string' ? payload.azp : typeof payload.appid === 'string' ? payload.appid : 'local';
      return { ok: true, user, scopes, appId };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
      if (error instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, message: 'Access token validation failure. Invalid audience.' };
      return { ok: false, message: 'Access token validation failure.' };
    }
  }

  private keyPair(): Promise<KeyPair> {
    this.keys ??= generateKeyPair('RS256');
    return this.keys;
  }
}

/** The unverified issuer claim, only to pick which keys to verify with. */
function issuerOf(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown }).iss;
  } catch {
    return undefined;
  }
}
