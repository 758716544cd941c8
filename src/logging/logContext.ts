import { createHash } from 'node:crypto';

/** What every log line written for one turn carries, passed explicitly by whoever writes it. */
export type TurnLogFields = {
  /** The activity's id. */
  turn?: string;
  /** A hash of the conversation id. */
  conversation?: string;
};

/** The turn's fields: its activity id, and the conversation's hash (never the id itself). */
export function turnLogFields(activity: { id?: string; conversation?: { id?: string } }): TurnLogFields {
  return { turn: activity.id, conversation: activity.conversation?.id ? hashOf(activity.conversation.id) : undefined };
}

/** A conversation id is a user identifier in Teams: logs get a short hash that still ties a turn's lines together. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
