import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { ConsentLinks } from '../auth/consentLinks.js';
import type { CodedError } from '../bookings/errors.js';
import type { Locale } from '../cards/i18n.js';
import type { AdaptiveCard } from '../cards/render.js';
import type { Logger } from '../logging/logger.js';
import type { ActionData } from './cardActions.js';
import { errorCard } from './errorCard.js';
import { type ErrorTreatment, errorText, treatmentOf, unansweredInvokeStatus } from './errorPolicy.js';
import { logFieldsOf, renderContextOf, type TurnFacts } from './turnContextInfo.js';

/** A failure as the user will hear of it: its code, what the policy does with it, its text and its card. */
export interface Failure {
  error: CodedError;
  treatment: ErrorTreatment;
  text: string;
  card: AdaptiveCard;
}

/**
 * The one sink for failures: every error the bot meets, in an action or before any route ran, is coded, logged once
 * without user data, and answered in the words and with the status the error policy gives.
 */
export class FailureSink {
  constructor(
    private readonly logger: Logger,
    private readonly consentLinks?: ConsentLinks,
  ) {}

  /** A failed action: what to answer with (the route chooses how, card or invoke body). */
  ofAction(context: TurnFacts, error: unknown, action: ActionData | undefined, locale: Locale): Failure {
    const { error: coded, treatment } = treatmentOf(error);
    this.logger.warn(
      { ...logFieldsOf(context), code: coded.code, verb: action?.verb, requestId: coded.requestId, channel: context.activity.channelId, cause: describe(coded.cause) },
      'action failed',
    );
    const links = treatment.consentLinks ? this.consentLinks : undefined;
    return { error: coded, treatment, text: errorText(coded, treatment, locale), card: errorCard(coded, treatment, action, locale, links) };
  }

  /**
   * A failure the turn answers in its own way (a sign-in that did not complete is asked again; a reply that could not
   * be sent is not sent twice): one log line, as every failure has, with what failed.
   */
  noted(context: TurnFacts | undefined, error: unknown, what: string): void {
    const { error: coded } = treatmentOf(error);
    const turn = context ? { ...logFieldsOf(context), channel: context.activity.channelId } : {};
    this.logger.warn({ ...turn, code: coded.code, what, cause: describe(coded.cause ?? error) }, 'failure answered in place');
  }

  /** A failure no route answered (the adapter's onTurnError): an invoke gets a status, the user a sentence. */
  async unanswered(context: TurnContext, error: Error): Promise<void> {
    const { error: coded, treatment } = treatmentOf(error);
    // MSAL's errorCode (e.g. invalid_client when the bot's secret has expired) tells an admin what to fix.
    const { errorCode } = error as Error & { errorCode?: unknown };
    const { type, channelId } = context.activity;
    this.logger.error({ ...logFieldsOf(context), err: { type: error.name, code: errorCode ?? coded.code }, activityType: type, channel: channelId }, 'unhandled turn error');
    if (type === 'invoke') {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: unansweredInvokeStatus(treatment) } }).catch((sendError: unknown) => this.noted(context, sendError, 'invoke answer of an unanswered failure'));
    }
    if (type === 'message' || type === 'invoke') {
      await context.sendActivity(errorText(coded, treatment, renderContextOf(context.activity).locale)).catch((sendError: unknown) => this.noted(context, sendError, 'reply to an unanswered failure'));
    }
  }
}

/**
 * An error's type and code only: messages of library errors may quote request data. MSAL keeps Entra's code in
 * errorCode (e.g. invalid_client: the bot's secret is wrong or expired), which is what an administrator needs.
 */
export function describe(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, errorCode, statusCode } = error as Error & { code?: unknown; errorCode?: unknown; statusCode?: unknown };
  return { type: error.name, code: code ?? errorCode, statusCode };
}
