import { CodedError, ErrorCode } from './errors.js';

/** The longest cancellation message we send; the card's input enforces the same limit. */
export const MAX_CANCELLATION_MESSAGE_LENGTH = 500;

/** The message as it is sent to the customer (trimmed); MessageRequired or MessageTooLong otherwise. */
export function validCancellationMessage(message: string): string {
  const trimmed = message.trim();
  if (trimmed.length === 0) throw new CodedError(ErrorCode.MessageRequired, 'Cancellation message is empty');
  if (trimmed.length > MAX_CANCELLATION_MESSAGE_LENGTH) throw new CodedError(ErrorCode.MessageTooLong, 'Cancellation message is too long');
  return trimmed;
}
