import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { DirectoryUser } from './seed.js';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const LOCAL_SCOPES = 'Bookings.Read.All BookingsAppointment.ReadWrite.All';

export type VerifyResult =
  | { ok: true; user: DirectoryUser; scopes: string[] }
  | { ok: false; message: string };

/**
 * The local stand-in for Entra ID: signs user tokens with a key that lives only in this process,
 * and checks them the way Graph does (signature, audience, lifetime, known user).
 */
export class LocalIdentity {
  private readonly key = randomBytes(32);
  private readonly issuer: string;

  constructor(
    private readonly users: DirectoryUser[],
    readonly tokenLifetimeSeconds: number,
    tenantId = 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  ) {
    this.issuer = `https://sts.windows.net/${tenantId}/`;
  }

  findUser(login: string): DirectoryUser | undefined {
    const wanted = login.toLowerCase();
    return this.users.find((u) => u.userPrincipalName.toLowerCase() === wanted || u.mail.toLowerCase() === wanted);
  }

  async issue(user: DirectoryUser): Promise<string> {
    return new SignJWT({ scp: LOCAL_SCOPES, upn: user.userPrincipalName, name: user.displayName, oid: user.id })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(GRAPH_AUDIENCE)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${this.tokenLifetimeSeconds}s`)
      .sign(this.key);
  }

  async verify(authorization: string | undefined): Promise<VerifyResult> {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, message: 'Access token is empty.' };
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, audience: GRAPH_AUDIENCE });
      const user = typeof payload.oid === 'string' ? this.users.find((u) => u.id === payload.oid) : undefined;
      if (!user) return { ok: false, message: 'Access token validation failure. Invalid user.' };
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
      return { ok: true, user, scopes };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
      if (error instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, message: 'Access token validation failure. Invalid audience.' };
      return { ok: false, message: 'Access token validation failure.' };
    }
  }
}
