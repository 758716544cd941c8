import type { UpcomingAppointment } from '../../src/bookings/types.js';
import type { Locale } from '../../src/cards/i18n.js';
import { type AdaptiveCard, renderCancelled, renderCancelPrompt, renderDetails, renderList, renderMessage, renderPrivateList } from '../../src/cards/render.js';
import { Verb } from '../../src/cards/verbs.js';
import { renderDayProgress, renderDayPrompt } from '../../src/cards/dayCancel.js';
import type { DayItemView, DayProgress } from '../../src/bookings/dayCancellation.js';
import type { DayOffer } from '../../src/bookings/dayToCancel.js';

/** Every state each card template can be in, for the card tests (object model in Node, renderer in Chromium). */
export const appointment = (n: number, extra: Partial<UpcomingAppointment> = {}): UpcomingAppointment => ({
  id: `AAMkADc3MWUyMGRm${n}+/Zw==`,
  businessId: 'ContosoLunchDelivery@contoso.onmicrosoft.com',
  businessName: 'Contoso Lunch Delivery',
  serviceName: 'Catered bento',
  start: new Date(Date.UTC(2026, 2, 29, 0, 30 + n * 60)),
  end: new Date(Date.UTC(2026, 2, 29, 1, n * 60)),
  customerName: 'Jordan Miller',
  staffMemberIds: ['8ee1c803-a1fa-406d-8259-7ab53233f148'],
  staffNames: ['Adele Vance'],
  openableById: true,
  joinWebUrl: n % 2 === 0 ? 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0' : undefined,
  canCancel: true,
  ...extra,
});
export const window = { start: new Date(Date.UTC(2026, 2, 28)), end: new Date(Date.UTC(2026, 3, 11)) };
const contoso = { id: 'ContosoLunchDelivery@contoso.onmicrosoft.com', displayName: 'Contoso Lunch Delivery' };
const fabrikam = { id: 'FabrikamWellness@contoso.onmicrosoft.com', displayName: 'Fabrikam Wellness Clinic' };
export const list = (count: number, extra: { scope?: 'mine' | 'business'; canSeeWholeBusiness?: boolean; twoBusinesses?: boolean; oneShown?: boolean } = {}) => ({
  kind: 'appointments' as const,
  window,
  appointments: Array.from({ length: count }, (_, n) => appointment(n)),
  scope: extra.scope ?? ('mine' as const),
  canSeeWholeBusiness: extra.canSeeWholeBusiness ?? false,
  businesses: extra.twoBusinesses ? [contoso, fabrikam] : [contoso],
  business: extra.oneShown ? contoso : undefined,
});

/** A day's offer (dayToCancel) of `count` of the appointments above. */
export const dayOffer = (count: number, extra: Partial<DayOffer> = {}): DayOffer => ({
  day: '2026-03-29',
  appointments: Array.from({ length: count }, (_, n) => appointment(n)),
  total: count,
  scope: 'mine',
  canSeeWholeBusiness: false,
  ...extra,
});

/** A day's batch as it stands: the given outcomes, one per appointment. */
export const dayProgress = (outcomes: DayItemView['outcome'][], message = 'Sorry, I am ill today.'): DayProgress => {
  const items: DayItemView[] = outcomes.map((outcome, n) => ({ appointment: appointment(n), outcome, ...(outcome === 'failed' ? { errorCode: 'unavailable' as DayItemView['errorCode'], requestId: 'r-1' } : outcome === 'refused' ? { errorCode: 'forbidden' as DayItemView['errorCode'] } : {}) }));
  const count = (o: DayItemView['outcome']) => outcomes.filter((x) => x === o).length;
  return {
    batchId: 'b'.repeat(32),
    day: '2026-03-29',
    message,
    items,
    counts: { total: items.length, pending: count('pending'), cancelled: count('cancelled'), alreadyGone: count('alreadyGone'), refused: count('refused'), failed: count('failed') },
    finished: count('pending') === 0,
    retryable: count('failed'),
  };
};

export const cardStates = (locale: Locale): [string, AdaptiveCard][] => {
  const ctx = { locale, timeZone: 'Europe/London' };
  return [
    ['list, one page', renderList({ result: list(3), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, middle page', renderList({ result: list(12), offset: 5, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, empty', renderList({ result: list(0), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, not staff', renderList({ result: { kind: 'notStaff', window }, offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, unassigned', renderList({ result: { ...list(0), appointments: [appointment(1, { staffMemberIds: [], staffNames: [] })] }, offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, one Graph cannot open by id', renderList({ result: { ...list(0), appointments: [appointment(0, { openableById: false, canCancel: false })] }, offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, view only (a viewer; one online, one not)', renderList({ result: { ...list(0), appointments: [appointment(0, { canCancel: false }), appointment(1, { canCancel: false })] }, offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list with a refresh for one user (Teams)', renderList({ result: list(2), offset: 0, pageSize: 5, windowDays: 14, refreshFor: '29:1GcS4EyB' }, ctx)],
    ['list, mine, with the switch to the whole business (a scheduler)', renderList({ result: list(2, { canSeeWholeBusiness: true }), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, two businesses, all shown', renderList({ result: list(2, { twoBusinesses: true, canSeeWholeBusiness: true }), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, two businesses, one chosen', renderList({ result: list(2, { twoBusinesses: true, oneShown: true }), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, no such business', renderList({ result: { kind: 'noSuchBusiness', window, name: 'northwind', businesses: [contoso, fabrikam] }, offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['list, whole business', renderList({ result: list(2, { scope: 'business', canSeeWholeBusiness: true }), offset: 0, pageSize: 5, windowDays: 14 }, ctx)],
    ['private stand-in (group chat)', renderPrivateList(locale, '29:1GcS4EyB')],
    [
      'details, everything (personal chat)',
      renderDetails(appointment(0, { details: { serviceNotes: 'Quiet table', customerNotes: 'Call on arrival', location: 'Customer location', price: { amount: 10, type: 'fixedPrice' }, customerPhone: '213-555-0199' } }), ctx, { showPhone: true }),
    ],
    ['details, nothing extra, view only', renderDetails(appointment(1, { canCancel: false, staffMemberIds: [], staffNames: [] }), ctx, { showPhone: false })],
    ['prompt', renderCancelPrompt(appointment(0), ctx)],
    ['prompt after an error', renderCancelPrompt(appointment(0), ctx, { message: 'mine', error: 'Too long' })],
    ['cancelled', renderCancelled(appointment(0), 'Sorry ${not a template}', ctx)],
    ['day prompt, with the switch to the whole business (an administrator)', renderDayPrompt({ offer: dayOffer(3, { canSeeWholeBusiness: true }), grant: 'g.m' }, ctx)],
    ['day prompt, whole business, after an error, one unticked', renderDayPrompt({ offer: dayOffer(3, { scope: 'business', canSeeWholeBusiness: true }), grant: 'g.m', business: 'all', message: 'mine', error: 'Too long', picked: [0, 2] }, ctx)],
    ['day prompt, nothing to cancel', renderDayPrompt({ offer: dayOffer(0), grant: '' }, ctx)],
    ['day prompt, a day busier than one prompt', renderDayPrompt({ offer: dayOffer(2, { total: 45 }), grant: 'g.m' }, ctx)],
    ['day progress, under way', renderDayProgress({ progress: dayProgress(['cancelled', 'pending', 'pending']), reasonOf: () => 'x' }, ctx)],
    ['day progress, no longer updating by itself', renderDayProgress({ progress: dayProgress(['cancelled', 'pending']), reasonOf: () => 'x', stalled: true }, ctx)],
    ['day summary, with failures (Retry)', renderDayProgress({ progress: dayProgress(['cancelled', 'alreadyGone', 'refused', 'failed']), reasonOf: () => 'Unreachable' }, ctx)],
    ['day summary, all cancelled', renderDayProgress({ progress: dayProgress(['cancelled', 'cancelled']), reasonOf: () => 'x' }, ctx)],
    ['message', renderMessage({ locale, title: 'Oops', paragraphs: ['One', 'Two'], reference: 'Reference: x', actions: [{ title: 'Try again', verb: Verb.ConfirmCancel, data: { businessId: 'b', appointmentId: 'a', cancellationMessage: 'm' } }], tone: 'attention' })],
  ];
};

