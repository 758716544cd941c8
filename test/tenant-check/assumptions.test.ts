import { describe, expect, it } from 'vitest';
import { checkBusinessList } from '../../src/tenant-check/assumptions/businessList.js';
import { checkListCap } from '../../src/tenant-check/assumptions/listCap.js';
import { checkMeScope } from '../../src/tenant-check/assumptions/meScope.js';
import { checkSlashIds } from '../../src/tenant-check/assumptions/slashIds.js';
import { checkStaffRoles } from '../../src/tenant-check/assumptions/staffRoles.js';
import { checkThrottling } from '../../src/tenant-check/assumptions/throttling.js';
import type { BusinessRead, Exchange, Observations } from '../../src/tenant-check/observations.js';
import { parseCheckArgs, UsageError } from '../../src/tenant-check/args.js';

/** The checks are pure: each verdict below comes from recorded answers alone, nothing is sent. */
let ids = 0;
const answer = (status: number, body?: unknown, extra: Partial<Exchange> = {}): Exchange => ({ method: 'GET', path: '/x', prefer: false, status, requestId: `rid-${++ids}`, body, ...extra });
const refusal = (status: number, code: string) => answer(status, { error: { code } }, { errorCode: code });
const staff = (...members: [string, string, string][]) => answer(200, { value: members.map(([id, emailAddress, role]) => ({ id, emailAddress, role })) });
const business = (displayName: string, read: Exchange): BusinessRead => ({ id: `${displayName}@contoso.com`, displayName, staff: read });
const ME = answer(200, { id: 'u1', mail: 'me@contoso.com', userPrincipalName: 'me@contoso.com', proxyAddresses: ['SMTP:me@contoso.com', 'smtp:me@fabrikam.com'] });

function observations(over: Partial<Observations> = {}): Observations {
  const businesses = over.businesses ?? [business('Mine', staff(['s1', 'ME@fabrikam.com', 'administrator'])), business('Theirs', refusal(404, 'ErrorFolderNotFound'))];
  return {
    grantedScopes: ['BookingsAppointment.ReadWrite.All', 'Bookings.Read.All', 'User.Read'],
    me: ME,
    list: answer(200, { value: businesses.map((b) => ({ id: b.id, displayName: b.displayName })) }),
    businesses,
    ids: { appointmentsSeen: 0, businessesSearched: 0 },
    all: [],
    ...over,
  };
}

describe('the business list: tenant-wide, outsiders refused with 403 or 404', () => {
  it('is confirmed by a listed business that refuses you with 404 (or 403), and says which', () => {
    const finding = checkBusinessList(observations());
    expect(finding.verdict).toBe('confirmed');
    const theirs = finding.evidence.at(-1);
    expect(finding.evidence).toEqual([expect.stringMatching(/^GET bookingBusinesses: 200, request-id rid-\d+: 2 businesses$/), 'staff reads: 1 × staff, 1 × refused', theirs]);
    expect(theirs).toMatch(/^refused: 1 × 404; first: Theirs \(404 ErrorFolderNotFound, request-id rid-\d+\)$/);
  });

  it('is contradicted by a business read although you are not among its staff, or one that answers another status', () => {
    const readable = checkBusinessList(observations({ businesses: [business('Theirs', staff(['s9', 'other@contoso.com', 'administrator']))] }));
    expect(readable.verdict).toBe('contradicted');
    expect(readable.evidence.at(-1)).toMatch(/^read although you are not among its staff: Theirs \(200, request-id rid-\d+\)$/);
    const other = checkBusinessList(observations({ businesses: [business('Odd', refusal(400, 'BadRequest')), business('Theirs', refusal(403, 'ErrorAccessDenied'))] }));
    expect(other.verdict).toBe('contradicted');
    expect(other.evidence.at(-1)).toMatch(/^answered neither with its staff nor 403\/404: Odd \(400 BadRequest, request-id rid-\d+\)$/);
  });

  it('is contradicted by a list that is refused, and not testable when the list does not answer or every business is yours', () => {
    expect(checkBusinessList(observations({ list: refusal(403, 'ErrorAccessDenied') })).verdict).toBe('contradicted');
    expect(checkBusinessList(observations({ list: answer(429, undefined, { retryAfter: '5' }) })).verdict).toBe('not testable here');
    const yours = checkBusinessList(observations({ businesses: [business('Mine', staff(['s1', 'me@contoso.com', 'viewer'])), business('Busy', answer(503))] }));
    expect(yours.verdict).toBe('not testable here');
    expect(yours.evidence.at(-1)).toContain('sign in as someone who is not staff of every business');
  });
});

describe('staff roles and the Prefer header', () => {
  const withScheduler = business('Mine', answer(200, { value: [{ id: 's1', emailAddress: 'me@contoso.com', role: 'administrator' }, { id: 's2', emailAddress: 'x@contoso.com', role: 'scheduler' }] }, { prefer: true }));

  it('is confirmed when the scheduler comes as unknownFutureValue without the header', () => {
    const finding = checkStaffRoles(observations({ businesses: [withScheduler], withoutPrefer: { business: 'Mine', exchange: staff(['s1', 'me@contoso.com', 'administrator'], ['s2', 'x@contoso.com', 'unknownFutureValue']) } }));
    expect(finding.verdict).toBe('confirmed');
    expect(finding.evidence[1]).toMatch(/^Mine, without Prefer: 200, request-id rid-\d+: 1 × administrator, 1 × unknownFutureValue$/);
  });

  it('is contradicted when the scheduler comes anyway, or when the header does not help', () => {
    expect(checkStaffRoles(observations({ businesses: [withScheduler], withoutPrefer: { business: 'Mine', exchange: staff(['s1', 'me@contoso.com', 'administrator'], ['s2', 'x@contoso.com', 'scheduler']) } })).verdict).toBe('contradicted');
    const hidden = checkStaffRoles(observations({ businesses: [business('Mine', staff(['s1', 'me@contoso.com', 'unknownFutureValue']))] }));
    expect(hidden.verdict).toBe('contradicted');
    expect(hidden.evidence[0]).toContain('unknownFutureValue although asked for every member');
  });

  it('is not testable without a scheduler or team member anywhere', () => {
    expect(checkStaffRoles(observations()).verdict).toBe('not testable here');
  });
});

describe('GET /me and User.Read', () => {
  it('is confirmed by an answer with User.Read, or a refusal without it', () => {
    expect(checkMeScope(observations()).verdict).toBe('confirmed');
    expect(checkMeScope(observations({ grantedScopes: ['BookingsAppointment.ReadWrite.All'], me: refusal(403, 'Authorization_RequestDenied') })).verdict).toBe('confirmed');
  });

  it('is contradicted by an answer without a User permission, or a refusal with one', () => {
    const answered = checkMeScope(observations({ grantedScopes: ['Bookings.Read.All'] }));
    expect(answered.verdict).toBe('contradicted');
    expect(answered.evidence).toContain('answered without any User permission in the token');
    expect(checkMeScope(observations({ me: refusal(403, 'Authorization_RequestDenied') })).verdict).toBe('contradicted');
  });

  it('is not testable when Graph does not answer', () => {
    expect(checkMeScope(observations({ me: answer(0, undefined, { failure: 'TimeoutError' }) })).verdict).toBe('not testable here');
  });
});

describe('the 500 cap of the business list', () => {
  const list = (n: number, nextLink?: string) => answer(200, { value: Array.from({ length: n }, (_, i) => ({ id: `b${i}` })), ...(nextLink ? { '@odata.nextLink': nextLink } : {}) });

  it('is confirmed by exactly 500 in one page; contradicted by more, or by a next link; not testable below 500', () => {
    expect(checkListCap(observations({ list: list(500) })).verdict).toBe('confirmed');
    expect(checkListCap(observations({ list: list(501) })).verdict).toBe('contradicted');
    const paged = checkListCap(observations({ list: list(100, 'https://graph.microsoft.com/v1.0/solutions/bookingBusinesses?$skiptoken=x') }));
    expect(paged.verdict).toBe('contradicted');
    expect(paged.evidence).toEqual([expect.stringMatching(/: 100 businesses, with an @odata\.nextLink$/), 'the list pages: businesses beyond the first page exist']);
    expect(checkListCap(observations({ list: list(12) })).verdict).toBe('not testable here');
  });
});

describe('ids holding "/"', () => {
  const ids = (slash?: [number, number], plus?: number): Observations['ids'] => ({
    appointmentsSeen: 9,
    businessesSearched: 2,
    ...(slash ? { slash: { business: 'Mine', encoded: refusalOrOk(slash[0]), odataKey: refusalOrOk(slash[1]) } } : {}),
    ...(plus !== undefined ? { plusOrEquals: { business: 'Mine', encoded: refusalOrOk(plus) } } : {}),
  });
  const refusalOrOk = (status: number) => (status === 200 ? answer(200, {}) : refusal(status, 'BadRequest'));

  it('is confirmed when both forms are refused and "+"/"=" ids are read', () => {
    expect(checkSlashIds(observations({ ids: ids([400, 400], 200) })).verdict).toBe('confirmed');
  });

  it('is contradicted when either form reads the id, or when a "+"/"=" id is not found', () => {
    expect(checkSlashIds(observations({ ids: ids([400, 200]) })).verdict).toBe('contradicted');
    expect(checkSlashIds(observations({ ids: ids(undefined, 404) })).verdict).toBe('contradicted');
  });

  it('is not testable without such an id, or when Graph does not answer', () => {
    const none = checkSlashIds(observations({ ids: ids(undefined, 200) }));
    expect(none.verdict).toBe('not testable here');
    expect(none.evidence).toContain('no appointment id holding "/" among them');
    expect(checkSlashIds(observations({ ids: ids([503, 400]) })).verdict).toBe('not testable here');
  });
});

describe('Retry-After on 429 and 503', () => {
  it('is confirmed when every 429/503 carries seconds or an HTTP date', () => {
    const all = [answer(200), answer(429, undefined, { retryAfter: '3' }), answer(503, undefined, { retryAfter: new Date(Date.now() + 5000).toUTCString() })];
    expect(checkThrottling(observations({ all })).verdict).toBe('confirmed');
  });

  it('is contradicted by one without it (or with one that is neither), and not testable without any', () => {
    const finding = checkThrottling(observations({ all: [answer(429, undefined, { retryAfter: '3' }), answer(429, undefined, { retryAfter: 'soon' })] }));
    expect(finding.verdict).toBe('contradicted');
    expect(finding.evidence.at(-1)).toMatch(/^1 without a readable Retry-After; first: 429, request-id rid-\d+ \(Retry-After: soon\)$/);
    expect(checkThrottling(observations({ all: [answer(200)] })).verdict).toBe('not testable here');
  });
});

describe('the command line', () => {
  it('takes --env, and --cancel with two ids, --message and --yes', () => {
    expect(parseCheckArgs(['--env', 'dev'])).toEqual({ env: 'dev' });
    expect(parseCheckArgs(['--env', 'dev', '--cancel', 'b@x.com', 'AAMk=', '--yes'])).toEqual({ env: 'dev', cancel: { businessId: 'b@x.com', appointmentId: 'AAMk=', message: 'This appointment has been cancelled.', confirmed: true } });
    for (const argv of [[], ['--env', 'dev', 'b@x.com'], ['--env', 'dev', '--cancel', 'b@x.com'], ['--env', 'dev', '--cancel', 'b', 'a', '--message', ' '], ['--env', 'dev', '--yes'], ['--env', 'dev', '--nope']]) {
      expect(() => parseCheckArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});
