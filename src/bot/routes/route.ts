import type { InvokeResponse, TurnContext } from 'botbuilder';
import type { Locale } from '../../cards/i18n.js';
import type { Logger } from '../../logging/logger.js';
import type { Answer } from '../answer.js';
import type { ActionData } from '../cardActions.js';
import type { FailureSink } from '../failures.js';
import type { help, welcome } from '../handlers/help.js';
import type { TurnInput } from '../handlers/types.js';
import type { SignInParts, SignInProof } from '../signIn/signIn.js';
import type { Telemetry } from '../../telemetry/telemetry.js';

/** One action to run: parsed lazily, so that bad card data is answered like any other failure. */
export interface ActionRequest {
  turn: TurnInput;
  action: () => ActionData;
  proof?: SignInProof;
}

/** The router's collaborators that routes use too: sign-in, the cards that are not actions, the error sink. */
export interface RouteParts {
  signIn: SignInParts;
  help: ReturnType<typeof help>;
  welcome: typeof welcome;
  sink: FailureSink;
  logger: Logger;
  clock: () => Date;
  /** The bot's app id, as proactive messages name it ('' in local mode, where nothing authenticates). */
  botAppId: string;
  /** Traces and metrics (NO_TELEMETRY when off, the default). */
  telemetry?: Telemetry;
}

/** What every route may use: the router's parts, the turn's input and the action pipeline. */
export interface RouteKit extends RouteParts {
  /** Who asks (with the turn's deadline, set when it began), and how to render for them. */
  turn(context: TurnContext, cardLanguage?: Locale): TurnInput;
  /** Runs an action: the sign-in step, its verb's handler within the turn's deadline, and the answer. */
  perform(context: TurnContext, answer: Answer, request: ActionRequest): Promise<void>;
  /** A Universal Actions click (adaptiveCard/action), answered in place. */
  click(context: TurnContext): Promise<InvokeResponse>;
}

/** A route answers one kind of activity; an invoke route returns the invoke's answer. */
export type Route = (context: TurnContext, kit: RouteKit) => Promise<InvokeResponse | void>;
