import { createHash } from 'node:crypto';

/** What every log line written for one turn carries, passed explicitly by whoever writes it. */
export type TurnLogFields = {
  /** The activity's id. */
  turn?: string;
  /** A hash of the conversation id. */
  conversation?: string;
  /** Telemetry on: the turn's trace id (Application Insights' operation_Id), so a line leads to its trace. */
  trace?: string;
  /** Telemetry on: the user's hash (hashOf their Entra object id), as the trace's user_Id holds it. */
  user?: string;
};

/**
 * The turn's fields: its activity id, and the conversation's hash (never the id itself); with telemetry on, also the
 * trace id and the user's hash the turn's trace carries.
 */
export function turnLogFields(activity: { id?: string; conversation?: { id?: string } }, traced?: Readonly<{ trace: string; user?: string }>): TurnLogFields {
  const fields = { turn: activity.id, conversation: activity.conversation?.id ? hashOf(activity.conversation.id) : undefined };
  return traced ? { ...fields, ...traced } : fields;
}

/** A conversation id is a user identifier in Teams: logs get a short hash that still ties a turn's lines together. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
