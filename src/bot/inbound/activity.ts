import type { Activity } from 'botbuilder';
import { z } from 'zod';

/**
 * The shape of an inbound activity as far as the bot reads it: what every channel (Teams, Web Chat, the Emulator,
 * the Agents Playground) always sends, with the optional fields typed where present. Anything else passes through
 * untouched. An activity outside this shape is answered 400 before botbuilder sees it, so a malformed request can
 * neither reach a handler half-formed nor make botbuilder throw (a 500).
 */
const text = (max: number) => z.string().max(max);
const account = z.looseObject({
  id: text(1024).min(1),
  name: text(1024).nullish(),
  aadObjectId: text(128).nullish(),
  role: text(64).nullish(),
});

const activitySchema = z.looseObject({
  type: text(64).min(1),
  id: text(1024).nullish(),
  channelId: text(64).min(1),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2048),
  from: account,
  recipient: account,
  conversation: z.looseObject({
    id: text(2048).min(1),
    conversationType: text(64).nullish(),
    tenantId: text(128).nullish(),
    isGroup: z.boolean().nullish(),
  }),
  text: text(100_000).nullish(),
  name: text(256).nullish(),
  locale: text(64).nullish(),
  localTimezone: text(128).nullish(),
  replyToId: text(1024).nullish(),
  timestamp: text(64).nullish(),
  localTimestamp: text(64).nullish(),
  entities: z.array(z.looseObject({ type: text(128).nullish() })).max(100).nullish(),
  attachments: z.array(z.looseObject({})).max(100).nullish(),
  membersAdded: z.array(account).max(1000).nullish(),
  membersRemoved: z.array(account).max(1000).nullish(),
  channelData: z.looseObject({}).nullish(),
});

export type ActivityCheck = { ok: true; activity: Activity } | { ok: false; reason: string };

/** Checks a request body; the reason names the first field that is off (for the log, never for the caller). */
export function checkActivity(body: unknown): ActivityCheck {
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'body'}: ${issue?.code ?? 'invalid'}` };
  }
  const activity = parsed.data as unknown as Activity & { rawTimestamp?: string; rawLocalTimestamp?: string };
  // As botbuilder's own validateAndFixActivity does: timestamps become Dates, the text kept beside them.
  if (typeof parsed.data.timestamp === 'string') {
    activity.rawTimestamp = parsed.data.timestamp;
    activity.timestamp = new Date(parsed.data.timestamp);
  }
  if (typeof parsed.data.localTimestamp === 'string') {
    activity.rawLocalTimestamp = parsed.data.localTimestamp;
    activity.localTimestamp = new Date(parsed.data.localTimestamp);
  }
  return { ok: true, activity };
}
