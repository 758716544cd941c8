import type { Activity, TurnContext } from 'botbuilder';
import { AuthenticationConstants, type ClaimsIdentity } from 'botframework-connector';
import type { UserRef } from '../bookings/types.js';
import { safeTimeZone } from '../cards/format.js';
import { type Locale, resolveLocale } from '../cards/i18n.js';
import type { RenderContext } from '../cards/render.js';
import { type TurnLogFields, turnLogFields } from '../logging/logContext.js';
import type { TurnTrace } from '../telemetry/telemetry.js';
import type { TurnInput } from './handlers/types.js';

/** The user behind an activity, as the domain sees them. */
export function userOf(activity: Activity): UserRef {
  const tenantId = activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  return { id: activity.from?.id ?? 'unknown', channel: activity.channelId, aadObjectId: activity.from?.aadObjectId, tenantId, name: activity.from?.name };
}

interface ClientInfoEntity {
  type?: string;
  locale?: string;
  timezone?: string;
}

/**
 * Language and time zone for the cards: the clicked card's language, or Chinese for Chinese text, else the
 * activity's own fields (Emulator, newer Teams clients), then Teams' clientInfo entity, else English and UTC.
 */
export function renderContextOf(activity: Activity, cardLanguage?: Locale): RenderContext {
  const clientInfo = (activity.entities as ClientInfoEntity[] | undefined)?.find((e) => e.type === 'clientInfo');
  // A card click answers in the card's language; a message written in Chinese is answered in Chinese.
  const writtenInChinese = activity.type === 'message' && /\p{Script=Han}/u.test(activity.text ?? '');
  return {
    locale: cardLanguage ?? (writtenInChinese ? 'zh-CN' : resolveLocale(activity.locale ?? clientInfo?.locale)),
    timeZone: safeTimeZone(activity.localTimezone ?? clientInfo?.timezone),
  };
}

/** Hosts that can send Action.Execute and update a sent card in place. Others get Action.Submit and new messages. */
export function supportsUniversalActions(activity: Activity): boolean {
  return activity.channelId === 'msteams';
}

/** Group chats and channels: anything the bot posts there is read by everyone in them. */
export function isSharedConversation(activity: Activity): boolean {
  const type = activity.conversation?.conversationType;
  return type === 'groupChat' || type === 'channel' || activity.conversation?.isGroup === true;
}

/** What a handler knows about the turn: who asks (and by when the turn must answer them), and how to render for them. */
export function turnInputOf(context: TurnContext, cardLanguage?: Locale): TurnInput {
  const { activity } = context;
  return {
    acting: { user: userOf(activity), deadline: turnDeadlineOf(context), startedAt: turnStartOf(context) },
    render: renderContextOf(activity, cardLanguage),
    refreshFor: supportsUniversalActions(activity) ? activity.from?.id : undefined,
    personal: !isSharedConversation(activity),
  };
}

/** What outlives a turn of its context (botbuilder revokes the context itself when the turn ends). */
export type TurnFacts = Pick<TurnContext, 'activity' | 'turnState'>;

/** The turn's facts, taken while it runs, for work that ends after it. */
export function factsOf(context: TurnContext): TurnFacts {
  return { activity: context.activity, turnState: context.turnState };
}

const LOG_FIELDS = Symbol('turn log fields');

/** Which turn and conversation (hashed) a log line written for this turn belongs to; worked out once per turn. */
export function logFieldsOf(context: TurnFacts): TurnLogFields {
  let fields = context.turnState.get<TurnLogFields | undefined>(LOG_FIELDS);
  if (!fields) context.turnState.set(LOG_FIELDS, (fields = turnLogFields(context.activity, turnTraceOf(context)?.logFields)));
  return fields;
}

const TRACE = Symbol('turn trace');

/** The turn's telemetry (its span), with telemetry on; set as the router takes the turn, before any line is logged. */
export function turnTraceOf(context: TurnFacts): TurnTrace | undefined {
  return context.turnState.get<TurnTrace | undefined>(TRACE);
}

/** The turn's trace is `trace`: its log lines carry its fields from now on (`fields`: the turn's own, when known). */
export function setTurnTrace(context: TurnFacts, trace: TurnTrace, fields?: TurnLogFields): void {
  context.turnState.set(TRACE, trace);
  if (fields) context.turnState.set(LOG_FIELDS, { ...fields, ...trace.logFields });
  else context.turnState.delete(LOG_FIELDS);
}

const DEADLINE = Symbol('turn deadline');
const STARTED = Symbol('turn started');

/** The turn begins: by when it must answer (performance.now() + its budget), and when it began (epoch ms). */
export function beginTurn(context: TurnContext, budgetMs: number): void {
  context.turnState.set(DEADLINE, performance.now() + budgetMs);
  context.turnState.set(STARTED, Date.now());
}

/** When this turn began (epoch ms); now, outside a routed turn. */
function turnStartOf(context: TurnContext): number {
  return context.turnState.get<number | undefined>(STARTED) ?? Date.now();
}

/** By when this turn must answer (performance.now()); no limit outside a routed turn. */
export function turnDeadlineOf(context: TurnContext): number {
  return context.turnState.get<number | undefined>(DEADLINE) ?? Infinity;
}

/** Whether botbuilder authenticated this turn's activity as sent by the Bot Framework channel (not the Emulator, not anonymous). */
export function isFromTheChannel(context: TurnContext): boolean {
  const identity = context.turnState.get<ClaimsIdentity | undefined>(context.adapter.BotIdentityKey);
  return identity?.isAuthenticated === true && identity.getClaimValue(AuthenticationConstants.IssuerClaim) === AuthenticationConstants.ToBotFromChannelTokenIssuer;
}

/**
 * The user's Entra object id as the channel vouches for it: Teams, authenticated as the channel, fills `from` itself;
 * elsewhere (Web Chat, Direct Line, the Emulator) the client writes it, so it names nobody for certain.
 */
export function channelVouchedObjectId(context: TurnContext): string | undefined {
  return context.activity.channelId === 'msteams' && isFromTheChannel(context) ? context.activity.from?.aadObjectId : undefined;
}
