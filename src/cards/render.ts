import { readFileSync } from 'node:fs';
import { Template } from 'adaptivecards-templating';
import { MAX_CANCELLATION_MESSAGE_LENGTH } from '../bookings/cancellationMessage.js';
import type { UpcomingAppointment, UpcomingResult } from '../bookings/types.js';
import { dateKey } from '../bookings/dayToCancel.js';
import { formatDay, formatTimeRange } from './format.js';
import { type Locale, t } from './i18n.js';
import { asText } from './plainText.js';
import type { RangeKey } from '../bookings/dateRange.js';
import { Verb } from './verbs.js';

/** An Adaptive Card as JSON. */
export type AdaptiveCard = Record<string, unknown>;

/** Who the card is for: their language and time zone. */
export interface RenderContext {
  locale: Locale;
  timeZone: string;
}

const TEMPLATE_NAMES = ['list', 'cancelPrompt', 'cancelled', 'message', 'details', 'dayCancelPrompt', 'dayCancelProgress'] as const;
type TemplateName = (typeof TEMPLATE_NAMES)[number];

const sources = Object.fromEntries(
  TEMPLATE_NAMES.map((name) => [name, JSON.parse(readFileSync(new URL(`./templates/${name}.json`, import.meta.url), 'utf8')) as unknown]),
) as Record<TemplateName, unknown>;

/**
 * Each template per language, with its labels and verbs written in: they never change while the bot runs, and the
 * templating library evaluates every `${…}` of a card anew, a few microseconds apiece (on a list card, a fifth of
 * them were labels and verbs).
 */
const templates = new Map<string, Template>();

function templateFor(which: TemplateName, locale: Locale): Template {
  const key = `${which}|${locale}`;
  let known = templates.get(key);
  if (!known) templates.set(key, (known = new Template(withConstants(sources[which], { labels: labelsOf(locale), verbs: Verb }))));
  return known;
}

/** A whole `${labels.name}` or `${verbs.Name}` (also under `$root.`): what withConstants writes in. */
const CONSTANT = /^\$\{(?:\$root\.)?(labels|verbs)\.(\w+)\}$/;

/** The template with each constant reference replaced by its text; one naming nothing known is left to the library. */
function withConstants(node: unknown, constants: Record<'labels' | 'verbs', Readonly<Record<string, string>>>): unknown {
  if (typeof node === 'string') {
    const [, group, name] = CONSTANT.exec(node) ?? [];
    const values = constants[group as 'labels' | 'verbs'];
    return values && Object.hasOwn(values, name!) ? values[name!]! : node;
  }
  if (Array.isArray(node)) return node.map((n) => withConstants(n, constants));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withConstants(value, constants)]));
}

/** A template expanded with its data, every Execute given the card's language and its Action.Submit fallback. */
export function expand(which: TemplateName, data: Record<string, unknown>, locale: Locale): AdaptiveCard {
  const card = templateFor(which, locale).expand({ $root: data }) as AdaptiveCard;
  finishActions(card, locale);
  return card;
}

/** What an Execute's Action.Submit fallback shows as the Execute does. */
const SHARED_WITH_FALLBACK = ['title', 'tooltip', 'style', 'associatedInputs'] as const;

/**
 * Every action carries the language its card was drawn in, so a click is answered in that language even when
 * the client reports another one (the Agents Playground always says en-US). Every Execute gets its Action.Submit
 * fallback for hosts without Universal Actions: the same button, its verb moved into the data, where a message
 * click carries it. Made here, so the templates do not write each action twice. In place: the expanded card is new.
 */
function finishActions(node: unknown, lang: Locale): void {
  if (Array.isArray(node)) return node.forEach((n) => finishActions(n, lang));
  if (node === null || typeof node !== 'object') return;
  const action = node as Record<string, unknown>;
  for (const value of Object.values(action)) finishActions(value, lang);
  if (action.type !== 'Action.Execute') return;
  action.data = { ...(action.data as object | undefined), lang };
  const fallback: Record<string, unknown> = { type: 'Action.Submit', data: { verb: action.verb, ...(action.data as object) } };
  for (const key of SHARED_WITH_FALLBACK) if (action[key] !== undefined) fallback[key] = action[key];
  action.fallback = fallback;
}

/** The labels the templates name, in a language (written into each template once: templateFor). */
function labelsOf(locale: Locale): Record<string, string> {
  return {
    when: t(locale, 'labels.when'),
    service: t(locale, 'labels.service'),
    customer: t(locale, 'labels.customer'),
    staff: t(locale, 'labels.staff'),
    business: t(locale, 'labels.business'),
    cancel: t(locale, 'actions.cancel'),
    join: t(locale, 'actions.join'),
    details: t(locale, 'actions.details'),
    viewOnly: t(locale, 'list.viewOnly'),
    cancelDay: t(locale, 'actions.cancelDay'),
    notOpenable: t(locale, 'list.notOpenable'),
    phone: t(locale, 'labels.phone'),
    location: t(locale, 'labels.location'),
    price: t(locale, 'labels.price'),
    serviceNotes: t(locale, 'labels.serviceNotes'),
    customerNotes: t(locale, 'labels.customerNotes'),
  };
}

function when(a: UpcomingAppointment, ctx: RenderContext): string {
  return `${formatDay(a.start, ctx.locale, ctx.timeZone)} · ${formatTimeRange(a.start, a.end, ctx.locale, ctx.timeZone)}`;
}

/**
 * What every card says about an appointment; lists add their own day headings and times. Graph's text is shown as
 * text (asText: Teams renders markdown); `plainService` is for the card's fallbackText and speak, which are not.
 */
function appointmentFacts(a: UpcomingAppointment): Record<string, unknown> {
  return {
    service: asText(a.serviceName),
    plainService: a.serviceName,
    customer: asText(a.customerName),
    business: asText(a.businessName),
    businessId: a.businessId,
    appointmentId: a.id,
  };
}

/** Who is scheduled, as text; "Unassigned" where nobody is. */
function staffOf(a: UpcomingAppointment, locale: Locale): string {
  return a.staffNames.length > 0 ? asText(a.staffNames.join(', ')) : t(locale, 'list.unassigned');
}

/** Prompt and outcome cards: one appointment's facts (their labels and verbs are in the template). */
function singleAppointment(a: UpcomingAppointment, ctx: RenderContext): Record<string, unknown> {
  return { ...appointmentFacts(a), when: when(a, ctx) };
}

export interface ListView {
  result: UpcomingResult;
  /** Index of the first appointment on this card. */
  offset: number;
  pageSize: number;
  windowDays: number;
  /** Which days the list covers (see bookings/dateRange.ts); the default is the next windowDays days. */
  range?: RangeKey;
  /** Teams user id (29:…) whose view this is: Teams then refreshes the card for that user alone when it is opened. */
  refreshFor?: string;
}

/** "Next 14 days" / "Today" / "Thu, Dec 3": what the list covers, for its subtitle and its empty text. */
function periodOf(view: ListView, ctx: RenderContext): string {
  const range = view.range ?? 'upcoming';
  if (range === 'upcoming') return t(ctx.locale, 'list.period.upcoming', { days: view.windowDays });
  if (range === 'today' || range === 'tomorrow' || range === 'week') return t(ctx.locale, `list.period.${range}`);
  return formatDay(view.result.window.start, ctx.locale, ctx.timeZone);
}

/** The upcoming appointments, one page per card, each with Cancel (and Join when online). */
export function renderList(view: ListView, ctx: RenderContext): AdaptiveCard {
  const { locale } = ctx;
  const all = view.result.kind === 'appointments' ? view.result.appointments : [];
  // A list that shrank since the card was drawn (cancellations) shows its last page rather than nothing.
  const lastPage = Math.max(0, Math.floor((all.length - 1) / view.pageSize) * view.pageSize);
  const offset = Math.min(Math.max(0, view.offset), lastPage);
  const page = all.slice(offset, offset + view.pageSize);
  const pager = [];
  if (offset > 0) pager.push({ title: t(locale, 'actions.previous'), offset: Math.max(0, offset - view.pageSize) });
  if (offset + view.pageSize < all.length) pager.push({ title: t(locale, 'actions.showMore'), offset: offset + view.pageSize });
  const period = periodOf(view, ctx);
  const { result } = view;
  const emptyText =
    result.kind === 'appointments' && result.scanning && all.length === 0
      ? ''
      : result.kind === 'notStaff'
      ? t(locale, 'list.notStaff')
      : result.kind === 'noSuchBusiness'
        ? t(locale, 'list.noSuchBusiness', { name: asText(result.name.slice(0, 60)), businesses: asText(result.businesses.map((b) => b.displayName).join(', ')) })
        : all.length === 0
          ? t(locale, 'list.emptyPeriod', { period })
          : '';
  const range = view.range ?? 'upcoming';
  const scope = result.kind === 'appointments' ? result.scope : 'mine';
  const shown = result.kind === 'appointments' ? result.business : undefined;
  const business = shown?.id ?? 'all';
  // Administrators and schedulers switch between their own appointments and the whole business.
  const switchTo = result.kind === 'appointments' && result.canSeeWholeBusiness ? (scope === 'mine' ? 'business' : 'mine') : undefined;
  // Each list action's data is one object, one expression in the template (each `${…}` costs its own evaluation).
  const nav = [
    ...pager.map((p) => ({ title: p.title, data: { offset: p.offset, range, scope, business } })),
    ...(switchTo ? [{ title: t(locale, switchTo === 'business' ? 'actions.wholeBusiness' : 'actions.onlyMine'), data: { offset: 0, range, scope: switchTo, business } }] : []),
  ];
  // Staff of several businesses switch between them (and back to all); the choice is remembered for them.
  const businesses = result.kind === 'notStaff' ? [] : result.businesses;
  const switches =
    businesses.length < 2
      ? []
      : [
          ...(shown ? [{ title: t(locale, 'actions.allBusinesses'), business: 'all' }] : []),
          ...businesses.filter((b) => b.id !== shown?.id).map((b) => ({ title: b.displayName, business: b.id })),
        ].map((s) => ({ title: s.title, data: { offset: 0, range, scope, business: s.business } }));
  const scanning = result.kind === 'appointments' ? result.scanning : undefined;
  // "Cancel this day" under each day's heading where the user may cancel something that day (dayCancel.ts).
  const cancellableDays = new Set(all.filter((a) => a.canCancel).map((a) => dateKey(a.start, ctx.timeZone)));
  const card = expand('list', {
    title: t(locale, scope === 'business' ? 'list.titleBusiness' : 'list.title'),
    // While the tenant is still being read, the list is what was found so far; the card is replaced when done.
    progress: scanning ? t(locale, 'list.scanning', { left: scanning.total - scanning.checked, total: scanning.total }) : '',
    refresh: scanning ? [] : [{ title: t(locale, 'actions.refreshBusinesses'), data: { offset: 0, range, scope, business } }],
    subtitle: t(locale, 'list.subtitle', { period, timeZone: ctx.timeZone }),
    fallbackText: t(locale, 'list.fallbackText', { count: all.length }),
    emptyText,
    range: all.length > view.pageSize ? t(locale, 'list.range', { from: offset + 1, to: offset + page.length, total: all.length }) : '',
    pager: nav,
    businessLine: shown ? t(locale, 'list.businessShown', { business: asText(shown.displayName) }) : switches.length > 0 ? t(locale, 'list.chooseBusiness') : '',
    businessSwitches: switches,
    // Grouped by day: a day's heading above its first appointment on the page, then times only.
    items: page.map((a, i) => {
      const day = formatDay(a.start, locale, ctx.timeZone);
      const dayKey = dateKey(a.start, ctx.timeZone);
      return {
        ...appointmentFacts(a),
        dayHeading: i === 0 || formatDay(page[i - 1]!.start, locale, ctx.timeZone) !== day ? day : '',
        ...cancelDayButton(cancellableDays.has(dayKey) ? { day: dayKey, scope, business } : undefined, day, locale),
        time: formatTimeRange(a.start, a.end, locale, ctx.timeZone),
        staff: staffOf(a, locale),
        joinUrl: a.joinWebUrl ?? '',
        canCancel: a.canCancel,
        openable: a.openableById,
        cancelTooltip: t(locale, 'actions.cancelTooltip', { service: a.serviceName, date: day }),
        target: { businessId: a.businessId, appointmentId: a.id },
      };
    }),
  }, locale);
  return view.refreshFor ? withRefresh(card, { offset, range, scope, business }, view.refreshFor, locale) : card;
}

/** A day heading's "Cancel this day" (when the user may cancel something that day): its prompt's data, or nothing. */
function cancelDayButton(data: { day: string; scope: string; business: string } | undefined, day: string, locale: Locale): Record<string, unknown> {
  return data ? { canCancelDay: true, cancelDay: data, cancelDayTooltip: t(locale, 'actions.cancelDayTooltip', { date: day }) } : { canCancelDay: false, cancelDay: {}, cancelDayTooltip: '' };
}

/**
 * Stands in for the list where others can see the card (group chats, channels): it names no appointment, and
 * Teams replaces it with the list for the asking user only, through the card's refresh.
 */
export function renderPrivateList(locale: Locale, userId: string): AdaptiveCard {
  const card = renderMessage({ locale, title: t(locale, 'list.privateTitle'), paragraphs: [t(locale, 'list.private')], actions: [] });
  return withRefresh(card, { offset: 0 }, userId, locale);
}

/** Universal Actions refresh: when the listed user opens the card, Teams re-runs the list and shows them current data. */
function withRefresh(card: AdaptiveCard, data: Record<string, unknown>, userId: string, locale: Locale): AdaptiveCard {
  return { ...card, refresh: { action: { type: 'Action.Execute', verb: Verb.ListAppointments, data: { ...data, lang: locale } }, userIds: [userId] } };
}

export interface DetailsOptions {
  /** Only in a personal chat: nobody else reads the card there. */
  showPhone: boolean;
}

/** One appointment in full, as read by id: notes, location, price, Join; Cancel where the role allows. */
export function renderDetails(a: UpcomingAppointment, ctx: RenderContext, options: DetailsOptions): AdaptiveCard {
  const { locale } = ctx;
  const details = a.details ?? {};
  return expand('details', {
    ...singleAppointment(a, ctx),
    title: t(locale, 'details.title'),
    staff: staffOf(a, locale),
    phone: options.showPhone ? asText(details.customerPhone ?? '') : '',
    location: asText(details.location ?? ''),
    price: details.price ? formatPrice(details.price, locale) : '',
    serviceNotes: asText(details.serviceNotes ?? ''),
    customerNotes: asText(details.customerNotes ?? ''),
    joinUrl: a.joinWebUrl ?? '',
    canCancel: a.canCancel,
    back: t(locale, 'actions.back'),
  }, locale);
}

/** Bookings prices carry no currency on the appointment, so the amount is shown as a number in the user's locale. */
function formatPrice(price: { amount: number; type: string }, locale: Locale): string {
  if (price.type === 'free') return t(locale, 'details.free');
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(price.amount);
  if (price.type === 'hourly') return t(locale, 'details.perHour', { amount });
  if (price.type === 'startingAt') return t(locale, 'details.from', { amount });
  return amount;
}

export interface PromptState {
  /** What the input holds: the user's earlier text after a failed attempt, else a default. */
  message?: string;
  /** Why the last attempt failed, shown above the input. */
  error?: string;
  /** The signed proof (bookings/cancelGrant.ts) that Confirm may cancel without reading again; Confirm carries it back. */
  grant?: string;
}

/** Asks for the message to the customer and for confirmation. */
export function renderCancelPrompt(a: UpcomingAppointment, ctx: RenderContext, state: PromptState = {}): AdaptiveCard {
  const { locale } = ctx;
  return expand('cancelPrompt', {
    ...singleAppointment(a, ctx),
    title: t(locale, 'prompt.title'),
    error: state.error ?? '',
    grant: state.grant ?? '',
    // No time: a message the bot wrote must not name one that Graph may no longer have (the appointment can move).
    message: state.message ?? t(locale, 'prompt.defaultMessage', { service: a.serviceName }),
    messageLabel: t(locale, 'prompt.messageLabel'),
    placeholder: t(locale, 'prompt.messagePlaceholder'),
    maxLength: MAX_CANCELLATION_MESSAGE_LENGTH,
    messageError: t(locale, 'prompt.messageError', { max: MAX_CANCELLATION_MESSAGE_LENGTH }),
    note: t(locale, 'prompt.note'),
    confirm: t(locale, 'actions.confirm'),
    back: t(locale, 'actions.back'),
  }, locale);
}

/** The outcome: what was cancelled and the message the customer got. */
export function renderCancelled(a: UpcomingAppointment, cancellationMessage: string, ctx: RenderContext): AdaptiveCard {
  const { locale } = ctx;
  return expand('cancelled', {
    ...singleAppointment(a, ctx),
    title: t(locale, 'cancelled.title'),
    messageSent: t(locale, 'cancelled.messageSent'),
    message: asText(cancellationMessage),
    showAppointments: t(locale, 'actions.showAppointments'),
  }, locale);
}

export interface MessageAction {
  title: string;
  verb: Verb;
  data?: Record<string, unknown>;
}

export interface MessageCard {
  locale: Locale;
  title: string;
  paragraphs: string[];
  /** Shown small, e.g. Graph's request-id for support. */
  reference?: string;
  /** Buttons: a verb and the data it needs. */
  actions: MessageAction[];
  /** Buttons that open a page (before the actions). */
  links?: { title: string; url: string }[];
  tone?: 'default' | 'attention';
}

/** Welcome, help and error notices share one layout. */
export function renderMessage(card: MessageCard): AdaptiveCard {
  return expand('message', {
    title: card.title,
    titleColor: card.tone === 'attention' ? 'Attention' : 'Default',
    paragraphs: card.paragraphs,
    reference: card.reference ?? '',
    fallbackText: [card.title, ...card.paragraphs].join(' '),
    actions: card.actions.map((a) => ({ title: a.title, verb: a.verb, data: a.data ?? {} })),
    links: card.links ?? [],
  }, card.locale);
}

export function showAppointmentsAction(locale: Locale): MessageAction {
  return { title: t(locale, 'actions.showAppointments'), verb: Verb.ListAppointments };
}

/**
 * For hosts that cannot send Action.Execute (Bot Framework Emulator, Web Chat): every Execute is replaced by its
 * Action.Submit fallback. Such renderers may draw an Execute button and then drop the click, so relying on the
 * fallback alone is not enough. A card refresh (Universal Actions only) is dropped.
 */
export function withSubmitActions<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n) => withSubmitActions(n as unknown)) as T;
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (record.type === 'Action.Execute' && record.fallback && typeof record.fallback === 'object') {
    return withSubmitActions(record.fallback) as T;
  }
  const entries = Object.entries(record).filter(([k]) => !(k === 'refresh' && record.type === 'AdaptiveCard'));
  return Object.fromEntries(entries.map(([k, v]) => [k, withSubmitActions(v)])) as T;
}
