import { ActivityTypes, type InvokeResponse, type TurnContext } from 'botbuilder';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { AdaptiveCard } from '../cards/render.js';
import { GraphWait } from '../graph/graphWait.js';
import type { Locale } from '../cards/i18n.js';
import { type Answer, InvokeAnswer } from './answer.js';
import { deliverUpdates } from './cardUpdates.js';
import { type ActionData, type ActionDataOf, languageOf, parseCardAction } from './cardActions.js';
import type { ActionHandlers, TurnInput } from './handlers/types.js';
import { membersAdded } from './routes/membersAdded.js';
import { message } from './routes/message.js';
import type { ActionRequest, Route, RouteKit, RouteParts } from './routes/route.js';
import { signInFailure } from './routes/signInFailure.js';
import { tokenExchange } from './routes/tokenExchange.js';
import { verifyState } from './routes/verifyState.js';
import { type ClickValue, proofOfClick, signedInActing, signInStep } from './signIn/signIn.js';
import { beginTurn, logFieldsOf, type TurnFacts, turnInputOf, turnTraceOf } from './turnContextInfo.js';
import { NO_TELEMETRY, type Telemetry } from '../telemetry/telemetry.js';
import { treatmentOf } from './errorPolicy.js';
import { beginTurnTrace } from './turnTrace.js';

/**
 * Which route answers an activity: its type, and for an invoke its name. adaptiveCard/action is a Universal Actions
 * click, answered in place (the answer replaces the card); every other click comes as a message (Action.Submit).
 */
const ROUTES = new Map<string, Route>([
  [ActivityTypes.Message, message],
  [ActivityTypes.ConversationUpdate, membersAdded],
  ['invoke.adaptiveCard/action', (context, kit) => kit.click(context)],
  ['invoke.signin/tokenExchange', tokenExchange],
  ['invoke.signin/verifyState', verifyState],
  ['invoke.signin/failure', signInFailure],
]);

/** The invoke names the bot routes: a turn's span names one of these, or 'other' (the name is the client's to choose). */
const ROUTED_INVOKES = new Set([...ROUTES.keys()].filter((key) => key.startsWith('invoke.')).map((key) => key.slice('invoke.'.length)));

/**
 * Turns one user may have in flight at once: a double click and a card refresh fit; a client firing hundreds of
 * turns for one user does not hold hundreds of turns' memory and Graph calls. Keyed by channel and the channel's
 * user id (turns that are not this user's own cost them nothing: the key is the activity's, after authentication).
 */
const TURNS_PER_USER = 4;

/** The answer to an invoke over TURNS_PER_USER: try again later, as HTTP says it. */
const TOO_MANY: InvokeResponse = { status: 429, body: { statusCode: 429, type: 'application/vnd.microsoft.error', value: { code: 'TooManyRequests', message: 'Too many requests at once; try again in a moment.' } } };

/** botbuilder would answer 501; an invoke this bot has no route for is the caller's mistake, not a server fault. */
const NO_ROUTE: InvokeResponse = { status: 400, body: { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'This bot does not handle that invoke.' } } };

/** The Bot Framework edge: routes each activity, and runs every action the same way whichever route it came by. */
export class ActivityRouter {
  private readonly kit: RouteKit;
  /** Turns in flight per user (see TURNS_PER_USER); an entry lives only while its user has one. */
  private readonly turnsOf = new Map<string, number>();
  private readonly telemetry: Telemetry;

  constructor(
    private readonly handlers: ActionHandlers,
    private readonly parts: RouteParts,
    /** Budget for everything one turn waits on (TURN_TIMEOUT_MS), below Teams' 15 s invoke limit. */
    private readonly turnTimeoutMs = Infinity,
  ) {
    this.kit = { ...parts, turn: turnInputOf, perform: (...args) => this.perform(...args), click: (context) => this.click(context) };
    this.telemetry = parts.telemetry ?? NO_TELEMETRY;
  }

  async run(context: TurnContext): Promise<void> {
    // First: every line the turn logs from here on carries its trace id (telemetry on).
    const trace = beginTurnTrace(context, this.telemetry, ROUTED_INVOKES);
    try {
      await this.admitted(context);
    } catch (error) {
      // Answered by the adapter's onTurnError (FailureSink.unanswered): the span says with which code.
      trace?.outcome('failed', treatmentOf(error).error.code);
      throw error;
    } finally {
      trace?.end();
    }
  }

  private async admitted(context: TurnContext): Promise<void> {
    const { type, channelId, from } = context.activity;
    const user = `${channelId}|${from?.id ?? ''}`;
    const inFlight = this.turnsOf.get(user) ?? 0;
    if (inFlight >= TURNS_PER_USER) {
      this.parts.logger.warn({ ...logFieldsOf(context), channel: channelId, activityType: type }, 'too many turns of one user at once; refused');
      turnTraceOf(context)?.outcome('refused');
      if (type === 'invoke') await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: TOO_MANY });
      return;
    }
    this.turnsOf.set(user, inFlight + 1);
    try {
      await this.route(context);
    } finally {
      const left = this.turnsOf.get(user)! - 1;
      if (left > 0) this.turnsOf.set(user, left);
      else this.turnsOf.delete(user);
    }
  }

  private async route(context: TurnContext): Promise<void> {
    const { type, name } = context.activity;
    beginTurn(context, this.turnTimeoutMs);
    const isInvoke = type === 'invoke';
    // A Map: an activity type such as "constructor" finds nothing, where an object would give Object's.
    const route = ROUTES.get(isInvoke ? `invoke.${name}` : type);
    if (isInvoke && !route) this.parts.logger.info({ ...logFieldsOf(context), invoke: name?.slice(0, 64), channel: context.activity.channelId }, 'invoke not handled');
    const response = route ? await route(context, this.kit) : isInvoke ? NO_ROUTE : undefined;
    if (response) await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: response });
  }

  /** A Universal Actions click; Teams retries it after in-card sign-in with an SSO token or a magic code. */
  private async click(context: TurnContext): Promise<InvokeResponse> {
    const value = context.activity.value as ClickValue | undefined;
    const turn = this.kit.turn(context, languageOf(value?.action?.data));
    const answer = new InvokeAnswer(context, this.parts.signIn, turn.render.locale);
    const action = (): ActionData => {
      if (value?.action?.type !== 'Action.Execute') throw new CodedError(ErrorCode.InvalidAction, 'Not an Action.Execute invoke');
      return parseCardAction(value.action.verb, value.action.data);
    };
    await this.perform(context, answer, { turn, action, proof: proofOfClick(value) });
    return answer.response!;
  }

  private async perform(context: TurnContext, answer: Answer, { turn, action: actionOf, proof }: ActionRequest): Promise<void> {
    let action: ActionData | undefined;
    try {
      action = actionOf();
      turnTraceOf(context)?.action(action.verb);
      // Each of its calls ends by the turn's deadline (the provider bounds them), with an answer that says which failed.
      const signedIn = await signInStep(this.parts.signIn.provider, context, proof, (error, what) => this.parts.sink.noted(context, error, what));
      if (typeof signedIn === 'string') {
        if (await answer.signInNeeded(signedIn, action)) return void turnTraceOf(context)?.outcome('sign_in');
        throw new CodedError(ErrorCode.SignInRequired, 'No sign-in available');
      }
      const followUps: (() => Promise<AdaptiveCard>)[] = [];
      const later = (card: () => Promise<AdaptiveCard>) => void followUps.push(card);
      const streams: AsyncIterable<AdaptiveCard>[] = [];
      const updates = (cards: AsyncIterable<AdaptiveCard>) => void streams.push(cards);
      const cardId = await answer.card(await this.handle(context, { ...turn, acting: signedInActing(turn.acting, signedIn), later, updates }, action.verb, action.data));
      for (const card of followUps) this.followUp(context, cardId, card, action, turn.render.locale);
      const acted = action;
      for (const cards of streams) deliverUpdates(context, this.parts, this.telemetry, cardId, cards, (facts, error) => this.parts.sink.ofAction(facts, error, acted, turn.render.locale).card);
    } catch (error) {
      const failure = this.parts.sink.ofAction(context, error, action, turn.render.locale);
      const asked = failure.treatment.asksSignIn && action && (await answer.signInNeeded('signIn', action).catch((error: unknown) => void this.parts.sink.noted(context, error, 'sign-in prompt after a failure')));
      turnTraceOf(context)?.outcome(asked ? 'sign_in' : 'failed', failure.error.code);
      if (asked) return;
      await answer.failed(failure);
    }
  }

  /**
   * A card that completes an answered one, once it is ready: through the turn's conversation, after the turn (a
   * proactive message), replacing the answered card where the host can update one. A failure is answered like the
   * action's own, in that card's place.
   */
  private followUp(context: TurnContext, cardId: string | undefined, card: () => Promise<AdaptiveCard>, action: ActionData, locale: Locale): void {
    // One card later: a stream of one, delivered (and its failure answered) as a day's updates are.
    const completing = async function* () {
      yield await card();
    };
    const fail = (facts: TurnFacts, error: unknown) => this.parts.sink.ofAction(facts, error, action, locale).card;
    deliverUpdates(context, this.parts, this.telemetry, cardId, completing(), fail, (outcome) => this.telemetry.completedLater(action.verb, outcome));
  }

  /** The verb's handler; logs the bot's own time beside the time it waited on Graph. */
  private async handle<V extends keyof ActionDataOf>(context: TurnContext, turn: TurnInput, verb: V, data: ActionDataOf[V]): Promise<AdaptiveCard> {
    const started = performance.now();
    const fields = logFieldsOf(context);
    const wait = new GraphWait(fields, turnTraceOf(context));
    const card = await this.handlers[verb]({ ...turn, acting: { ...turn.acting, meter: wait } }, data);
    this.parts.logger.info(
      { ...fields, verb, ms: round(performance.now() - started), graphMs: round(wait.waitedMs), graphCalls: wait.calls, graphRequestIds: wait.requestIds, clientRequestIds: wait.clientRequestIds },
      'action handled',
    );
    return card;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
