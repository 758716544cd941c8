import { AuthenticationConstants } from 'botframework-connector';
import { decodeJwt } from 'jose';

export interface TokenScreenOptions {
  /** The bot's app id: a channel token is for it (its `aud`). */
  appId: string;
  /** Admit the Bot Framework Emulator's tokens too, only those of this tenant (ALLOW_EMULATOR_TOKENS). */
  emulatorTenantId?: string;
}

/** How a token that passed the screen may have come: from the Bot Framework channel, or from the Emulator. */
export type AdmittedPath = 'channel' | 'emulator';

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/;

/**
 * Looks at a bearer token's unverified claims before botbuilder does, and lets through only what could be one of
 * ours. botbuilder picks its validation path from the unverified issuer, and for the Emulator path appends four
 * issuers built from the token's unverified `tid` to a process-wide list that never shrinks (and accepts them from
 * then on, with no audience check): an unsigned token per tenant id grows it without any credential
 * (botframework-connector emulatorValidation.js, isTokenFromEmulator). So: the channel's issuer with our app id as
 * audience, or, only when the Emulator is allowed, its v1/v2 issuers of our own tenant with that tenant's `tid`.
 * Everything else is refused here; what passes is still verified in full by botbuilder.
 */
export function screenToken(authorization: string | undefined, options: TokenScreenOptions): AdmittedPath | undefined {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  if (claims.iss === AuthenticationConstants.ToBotFromChannelTokenIssuer) return claims.aud === options.appId ? 'channel' : undefined;
  const tenant = options.emulatorTenantId;
  if (tenant === undefined || claims.tid !== tenant) return undefined;
  const emulatorIssuers = [`https://sts.windows.net/${tenant}/`, `https://login.microsoftonline.com/${tenant}/v2.0`];
  return typeof claims.iss === 'string' && emulatorIssuers.includes(claims.iss) ? 'emulator' : undefined;
}
