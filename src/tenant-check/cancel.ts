import { isAddressable, isPathSegment, parseAppointment } from '../graph/parse.js';
import { answerOf, type Finding, isOk } from './observations.js';
import type { GraphRecorder } from './recorder.js';

export const CANCEL = 'Cancelling an appointment (POST …/appointments/{id}/cancel with a cancellationMessage) answers 204 No Content, with no body';

export interface CancelRequest {
  businessId: string;
  appointmentId: string;
  message: string;
  /** --yes: no question asked. */
  confirmed: boolean;
}

export interface CancelOptions {
  bookingsRoot: string;
  /** Asks the operator; resolves to what they typed. */
  ask: (question: string) => Promise<string>;
  /** Tells the operator what is about to be cancelled. */
  say: (line: string) => void;
}

/**
 * The one write of the check: reads the appointment, asks (unless --yes), cancels it as the bot does, and reads it
 * again. The ids are the operator's and are sent percent-encoded as one path segment each; an id the bot would not
 * send ("/" in it, or a dot segment) is not sent here either.
 */
export async function cancelEndToEnd(graph: GraphRecorder, request: CancelRequest, options: CancelOptions): Promise<Finding> {
  const finding = (verdict: Finding['verdict'], evidence: string[]): Finding => ({ assumption: CANCEL, verdict, evidence });
  if (!isPathSegment(request.businessId)) return finding('not testable here', ['nothing sent: the business id cannot stand as one path segment']);
  if (!isAddressable(request.appointmentId)) return finding('not testable here', ['nothing sent: an appointment id holding "/" cannot be addressed, and the bot does not try']);
  const path = `${options.bookingsRoot}/${encodeURIComponent(request.businessId)}/appointments/${encodeURIComponent(request.appointmentId)}`;
  const before = await graph.get(path);
  const evidence = [`GET the appointment: ${answerOf(before)}`];
  if (!isOk(before)) return finding('not testable here', [...evidence, 'nothing cancelled: it could not be read']);
  const appointment = parseAppointment(before.body ?? {}, request.businessId);
  options.say(`To cancel: ${appointment ? `"${appointment.serviceName}" on ${appointment.start.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'an appointment without a time'}; Bookings sends its customer: "${request.message}"`);
  if (!request.confirmed) {
    const answer = await options.ask('Cancel it? Type yes to cancel: ');
    if (answer.trim().toLowerCase() !== 'yes') return finding('not testable here', [...evidence, 'nothing cancelled: not confirmed']);
  }
  const cancel = await graph.post(`${path}/cancel`, { cancellationMessage: request.message });
  const after = await graph.get(path, { retries: 0 });
  evidence.push(`POST …/cancel: ${answerOf(cancel)}${cancel.body === undefined ? '' : ', with a body'}`, `GET the appointment again: ${answerOf(after)}`);
  if (cancel.status === 204 && cancel.body === undefined) return finding('confirmed', evidence);
  return finding(isOk(cancel) ? 'contradicted' : 'not testable here', evidence);
}
