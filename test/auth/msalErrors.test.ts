import { AuthError, ClientAuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { toSignInError } from '../../src/auth/msalErrors.js';
import { ErrorCode } from '../../src/bookings/errors.js';

/** MSAL's errors as msal-node builds them from Entra's token endpoint answers (error, suberror, error_codes[0]). */
const server = (error: string, aadsts: number, subError = '') => new ServerError(error, 'corr-id', `AADSTS${aadsts}: …`, subError, String(aadsts), 400);

describe('on-behalf-of failures, by Entra error code (never by message)', () => {
  it.each([
    ['consent missing, with sub-error', server('invalid_grant', 65001, 'consent_required'), ErrorCode.ConsentRequired],
    ['consent missing, without sub-error', server('invalid_grant', 65001), ErrorCode.ConsentRequired],
    ['user declined consent', server('invalid_grant', 65004), ErrorCode.ConsentRequired],
    ['MFA required', server('invalid_grant', 50076), ErrorCode.ConsentRequired],
    ['interaction required', new InteractionRequiredAuthError('interaction_required', 'AADSTS50079: …', 'basic_action'), ErrorCode.ConsentRequired],
    ['user not assigned to the app: no consent can fix it', server('invalid_grant', 50105), ErrorCode.UserNotAssigned],
    ['expired assertion', server('invalid_grant', 500133), ErrorCode.SignInRequired],
    ['assertion for another app', server('invalid_grant', 50013), ErrorCode.SignInRequired],
    ['wrong client secret', server('invalid_client', 7000215), ErrorCode.SignInMisconfigured],
    ['app not in the tenant', server('unauthorized_client', 700016), ErrorCode.SignInMisconfigured],
    ['Entra unreachable', new ClientAuthError('network_error', 'corr-id'), ErrorCode.SignInUnavailable],
    ['Entra 5xx', new ServerError('temporarily_unavailable', 'corr-id', 'AADSTS90033: …', '', '90033', 503), ErrorCode.SignInUnavailable],
    ['not an MSAL error', new TypeError('x is undefined'), ErrorCode.Internal],
  ])('%s', (_name, error, code) => {
    const coded = toSignInError(error);
    expect(coded.code).toBe(code);
    expect(coded.cause).toBe(error);
  });

  it('reads AADSTS numbers that Entra sent as JSON numbers', () => {
    const numeric = new ServerError('invalid_grant', 'corr-id', 'AADSTS65001: …', '', 65001 as unknown as string, 400);
    expect(toSignInError(numeric).code).toBe(ErrorCode.ConsentRequired);
    expect(toSignInError(new AuthError('unknown', 'corr-id')).code).toBe(ErrorCode.SignInUnavailable);
  });
});
