import { MAX_CANCELLATION_MESSAGE_LENGTH } from '../bookings/cancellationMessage.js';
import type { DayItemView, DayProgress } from '../bookings/dayCancellation.js';
import type { DayOffer } from '../bookings/dayToCancel.js';
import type { DayOutcome } from '../bookings/dayBatch.js';
import type { RangeKey } from '../bookings/dateRange.js';
import type { UpcomingAppointment } from '../bookings/types.js';
import { windowOf } from '../bookings/dateRange.js';
import { formatDay, formatTimeRange } from './format.js';
import { type Locale, t } from './i18n.js';
import { asText } from './plainText.js';
import { type AdaptiveCard, expand, type RenderContext } from './render.js';

/** The day as the cards name it ("Wed, Dec 9" / "12月9日周三"), in the user's zone. */
function dayName(day: string, ctx: RenderContext): string {
  return formatDay(windowOf(day as RangeKey, new Date(0), ctx.timeZone, 1).start, ctx.locale, ctx.timeZone);
}

/** What each line says of an appointment besides its time: service, customer, staff, business, each shown as text. */
function lineOf(a: UpcomingAppointment, locale: Locale): string {
  const staff = a.staffNames.length > 0 ? a.staffNames.join(', ') : t(locale, 'list.unassigned');
  return [a.serviceName, a.customerName, staff, a.businessName].map(asText).join(' · ');
}

export interface DayPromptView {
  offer: DayOffer;
  /** The signed grant of the offer (bookings/dayGrant.ts); Confirm carries it back. */
  grant: string;
  /** The business the prompt was asked for ("all", an id, or none: all). */
  business?: string;
  /** The user's text after a failed attempt (kept), else the default. */
  message?: string;
  /** Why the last attempt failed. */
  error?: string;
  /** Which tick boxes are ticked (after a failed attempt, the user's choice); all by default. */
  picked?: readonly number[];
}

/**
 * A day's Cancel prompt: each appointment the user may cancel that day with a tick box (all ticked), one message to
 * every customer (naming no time: Bookings' own e-mail carries each appointment), and Confirm carrying the grant.
 * Administrators and schedulers switch between their own and the whole business.
 */
export function renderDayPrompt(view: DayPromptView, ctx: RenderContext): AdaptiveCard {
  const { locale } = ctx;
  const { offer } = view;
  const day = dayName(offer.day, ctx);
  const count = offer.appointments.length;
  const picked = new Set(view.picked ?? offer.appointments.map((_, i) => i));
  const business = view.business;
  const switchTo = offer.canSeeWholeBusiness ? (offer.scope === 'mine' ? 'business' : 'mine') : undefined;
  return expand('dayCancelPrompt', {
    title: t(locale, offer.scope === 'business' ? 'day.titleBusiness' : 'day.title', { day }),
    subtitle: count > 0 ? t(locale, 'day.subtitle', { count, timeZone: ctx.timeZone }) : '',
    fallbackText: t(locale, 'day.fallbackText', { day, count }),
    scopeSwitch: switchTo
      ? [{ title: t(locale, switchTo === 'business' ? 'actions.wholeBusiness' : 'actions.onlyMine'), data: { day: offer.day, scope: switchTo, ...(business ? { business } : {}) } }]
      : [],
    error: view.error ?? '',
    emptyText: count === 0 ? t(locale, 'day.none', { day }) : '',
    choose: count > 1 ? t(locale, 'day.choose') : '',
    items: offer.appointments.map((a, i) => ({
      inputId: `pick${i}`,
      time: formatTimeRange(a.start, a.end, locale, ctx.timeZone),
      line: lineOf(a, locale),
      picked: picked.has(i) ? 'true' : 'false',
    })),
    capped: offer.total > count ? t(locale, 'day.capped', { shown: count, total: offer.total }) : '',
    // No time and no service: one message goes to every customer of the day, and an appointment can move.
    message: view.message ?? t(locale, 'day.defaultMessage'),
    messageLabel: t(locale, 'day.messageLabel'),
    placeholder: t(locale, 'prompt.messagePlaceholder'),
    maxLength: MAX_CANCELLATION_MESSAGE_LENGTH,
    messageError: t(locale, 'prompt.messageError', { max: MAX_CANCELLATION_MESSAGE_LENGTH }),
    note: t(locale, 'day.note'),
    confirm: count > 0 ? [{ title: t(locale, 'actions.confirmDay'), data: { grant: view.grant } }] : [],
    back: t(locale, 'actions.back'),
    backData: { offset: 0, range: offer.day, scope: offer.scope, ...(business ? { business } : {}) },
  }, locale);
}

export interface DayProgressView {
  progress: DayProgress;
  /** What a failed or refused appointment's line says went wrong (the bot's error policy words it). */
  reasonOf: (item: DayItemView) => string;
  /** The card stops updating itself while the batch goes on: it offers Refresh. */
  stalled?: boolean;
}

const STATUS_COLOR: Record<DayOutcome, string> = { pending: 'Default', cancelled: 'Good', alreadyGone: 'Default', refused: 'Attention', failed: 'Attention' };

/**
 * A day's cancellation as it goes ("Cancelled 7 of 12", updated in place where the host can) and as it ends: how
 * many were cancelled, already gone, refused and failed, each appointment's outcome with the reason, the message
 * sent, and "Retry the failed ones" when a retry can help.
 */
export function renderDayProgress(view: DayProgressView, ctx: RenderContext): AdaptiveCard {
  const { locale } = ctx;
  const { progress } = view;
  const { counts, finished } = progress;
  const day = dayName(progress.day, ctx);
  const line = t(locale, 'progress.line', { cancelled: counts.cancelled, total: counts.total });
  const data = { batch: progress.batchId };
  return expand('dayCancelProgress', {
    title: t(locale, finished ? 'progress.doneTitle' : 'progress.title', { day }),
    fallbackText: `${t(locale, finished ? 'progress.doneTitle' : 'progress.title', { day })} ${line}`,
    progress: line,
    progressColor: finished && counts.cancelled + counts.alreadyGone === counts.total ? 'Good' : 'Default',
    note: finished ? '' : t(locale, view.stalled ? 'progress.stalled' : 'progress.running'),
    counts: finished
      ? (['cancelled', 'alreadyGone', 'refused', 'failed'] as const).map((outcome) => ({ title: t(locale, `progress.counts.${outcome}`), value: String(counts[outcome]) }))
      : [],
    items: progress.items.map((item) => ({
      time: formatTimeRange(item.appointment.start, item.appointment.end, locale, ctx.timeZone),
      line: lineOf(item.appointment, locale),
      status: statusOf(item, view.reasonOf, locale),
      statusColor: STATUS_COLOR[item.outcome],
    })),
    messageSent: t(locale, 'progress.messageSent'),
    message: asText(progress.message),
    retry: finished && progress.retryable > 0 ? [{ title: t(locale, 'actions.retryFailed'), data }] : [],
    refresh: finished ? [] : [{ title: t(locale, 'actions.refreshProgress'), data }],
    showAppointments: t(locale, 'actions.showAppointments'),
  }, locale);
}

function statusOf(item: DayItemView, reasonOf: (item: DayItemView) => string, locale: Locale): string {
  switch (item.outcome) {
    case 'refused':
      return t(locale, 'progress.outcome.refused', { reason: reasonOf(item) });
    case 'failed':
      return t(locale, 'progress.outcome.failed', { reason: reasonOf(item) });
    default:
      return t(locale, `progress.outcome.${item.outcome}`);
  }
}
