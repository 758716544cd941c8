import type { ConsentLinks } from '../auth/consentLinks.js';
import type { CodedError } from '../bookings/errors.js';
import { type Locale, type StringKey, t } from '../cards/i18n.js';
import { type AdaptiveCard, type MessageAction, renderMessage, showAppointmentsAction } from '../cards/render.js';
import { Verb } from '../cards/verbs.js';
import type { ActionData } from './cardActions.js';
import { type ErrorTreatment, errorText } from './errorPolicy.js';

/**
 * The card that answers a failed action. Retryable failures offer "Try again", which repeats the same action
 * with the same data (a repeated cancel is safe: the domain never cancels twice).
 */
export function errorCard(error: CodedError, treatment: ErrorTreatment, action: ActionData | undefined, locale: Locale, consent?: ConsentLinks): AdaptiveCard {
  const actions: MessageAction[] = [];
  if (treatment.retryable && action) actions.push({ title: t(locale, 'actions.tryAgain'), verb: action.verb, data: action.data });
  if (action?.verb !== Verb.ListAppointments || !treatment.retryable) actions.push(showAppointmentsAction(locale));
  return renderMessage({
    locale,
    title: t(locale, titleOf(action)),
    paragraphs: [errorText(error, treatment, locale)],
    reference: error.requestId ? t(locale, 'errors.reference', { requestId: error.requestId }) : undefined,
    actions,
    links: consent ? [{ title: t(locale, 'consent.give'), url: consent.user }, { title: t(locale, 'consent.admin'), url: consent.admin }] : undefined,
    tone: 'attention',
  });
}

/** A day's cancellation, whichever of its buttons failed. */
const DAY_VERBS = new Set<string>([Verb.PromptCancelDay, Verb.ConfirmCancelDay, Verb.RetryCancelDay, Verb.CancelDayProgress]);

function titleOf(action: ActionData | undefined): StringKey {
  if (action === undefined || action.verb === Verb.ListAppointments) return 'errors.title.list';
  if (DAY_VERBS.has(action.verb)) return 'errors.title.day';
  return action.verb === Verb.ShowDetails ? 'errors.title.details' : 'errors.title.cancel';
}
