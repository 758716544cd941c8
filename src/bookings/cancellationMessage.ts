import { CodedError, ErrorCode } from './errors.js';

/** The longest cancellation message we send; the card's input enforces the same limit. */
export const MAX_CANCELLATION_MESSAGE_LENGTH = 500;

/** What is wrong with a cancellation message (MessageRequired or MessageTooLong), or undefined when it can be sent. */
export function messageProblem(message: string): CodedError | undefined {
  const trimmed = message.trim();
  if (trimmed.length === 0) return new CodedError(ErrorCode.MessageRequired, 'Cancellation message is empty');
  if (trimmed.length > MAX_CANCELLATION_MESSAGE_LENGTH) return new CodedError(ErrorCode.MessageTooLong, 'Cancellation message is too long');
  return undefined;
}

/** The message as it is sent to the customer (trimmed); throws its problem otherwise. */
export function validCancellationMessage(message: string): string {
  const problem = messageProblem(message);
  if (problem) throw problem;
  return message.trim();
}
