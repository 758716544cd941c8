import { GraphError } from '@microsoft/microsoft-graph-client';
import { CodedError, ErrorCode } from '../bookings/errors.js';

/** Graph's answer (or the lack of one) as a coded domain error that keeps Graph's request-id. */
export function toDomainError(error: unknown): CodedError {
  if (error instanceof CodedError) return error;
  if (!(error instanceof GraphError)) return new CodedError(ErrorCode.Internal, 'Unexpected Graph client failure', { cause: error });
  const details = {
    requestId: error.requestId ?? error.headers?.get('request-id') ?? undefined,
    retryAfterSeconds: retryAfterSeconds(error.headers),
    cause: error,
  };
  const code = codeForStatus(error);
  return new CodedError(code, `Graph answered ${error.statusCode} ${error.code ?? ''}`.trim(), details);
}

/** Graph's error for a response read raw: its JSON error body ({error: {code, message, innerError}}) and headers. */
export async function graphErrorOf(response: Pick<Response, 'status' | 'statusText' | 'headers' | 'text'>): Promise<GraphError> {
  // The status is the error; a body that cannot be read adds nothing to it.
  const text = await response.text().catch((_unreadable: unknown) => '');
  let body: { error?: { code?: string; message?: string; innerError?: { 'request-id'?: string } } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const error = new GraphError(response.status, body?.error?.message ?? response.statusText);
  error.code = body?.error?.code ?? null;
  error.requestId = body?.error?.innerError?.['request-id'] ?? response.headers.get('request-id');
  error.headers = response.headers;
  error.body = text;
  return error;
}

function codeForStatus(error: GraphError): ErrorCode {
  switch (error.statusCode) {
    case 400:
      return ErrorCode.BadRequest;
    case 401:
      return ErrorCode.Unauthorized;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      // The business mailbox is not the user's to read (Exchange's code; microsoftgraph/microsoft-graph-docs#9850).
      return error.code === 'ErrorFolderNotFound' ? ErrorCode.NotStaffOfBusiness : ErrorCode.NotFound;
    case 429:
      return ErrorCode.Throttled;
    case -1:
      // No response at all: our deadline fired (the fetch spec names that a TimeoutError) or the network failed.
      return error.code === 'TimeoutError' || error.code === 'AbortError' ? ErrorCode.Timeout : ErrorCode.Unavailable;
    default:
      return error.statusCode >= 500 ? ErrorCode.Unavailable : ErrorCode.Internal;
  }
}

/** Graph's Retry-After in whole seconds (a number of seconds, or an HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(headers: Pick<Headers, 'get'> | undefined): number | undefined {
  const value = headers?.get('Retry-After');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
