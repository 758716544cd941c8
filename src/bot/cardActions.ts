import { z } from 'zod';
import { RANGE_KEY, type RangeKey } from '../bookings/dateRange.js';
import { BATCH_ID } from '../bookings/dayBatch.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';
import type { Locale } from '../cards/i18n.js';
import { Verb } from '../cards/verbs.js';

/** The longest text accepted from a card input before it is refused outright (the domain enforces the real limit). */
const MAX_INPUT_CHARS = 10_000;
/** A grant is a few hundred characters (the appointment as shown, deflated, and a MAC; about 5,000 for 150 staff). */
const MAX_GRANT_CHARS = 8_192;

const id = z.string().trim().min(1).max(512);
const listData = z.object({
    offset: z.coerce.number().int().min(0).max(10_000).default(0),
    range: z.string().regex(RANGE_KEY).default('upcoming').transform((r) => r as RangeKey),
    scope: z.enum(['mine', 'business']).default('mine'),
    /** A business id, or "all": a switch on the card (remembered for the user). */
    business: z.string().trim().min(1).max(320).optional(),
    /** What followed "appointments" when it was not a date: part of a business name. */
    businessName: z.string().trim().min(1).max(100).optional(),
});
const schemas = {
  [Verb.ListAppointments]: listData,
  [Verb.RefreshBusinesses]: listData,
  [Verb.PromptCancel]: z.object({ businessId: id, appointmentId: id }),
  [Verb.ConfirmCancel]: z.object({
    businessId: id,
    appointmentId: id,
    cancellationMessage: z.string().max(MAX_INPUT_CHARS).default(''),
    /** The prompt's signed grant (bookings/cancelGrant.ts); checked by the handler, never trusted as it is. */
    grant: z.string().max(MAX_GRANT_CHARS).optional(),
  }),
  [Verb.ShowDetails]: z.object({ businessId: id, appointmentId: id }),
  ...dayCancelSchemas(),
};

/**
 * A day's cancellation. Its prompt's grant lists every appointment offered (about 100 characters each, deflated);
 * each appointment's tick box is the input `pick<n>` (n its place in the grant), merged into the Confirm's data.
 */
function dayCancelSchemas() {
  const MAX_DAY_GRANT_CHARS = 16_384;
  const PICK = /^pick(\d{1,3})$/;
  const batch = z.object({ batch: z.string().regex(BATCH_ID) });
  return {
    [Verb.PromptCancelDay]: z.object({
      day: z.string().regex(/^(today|tomorrow|\d{4}-\d{2}-\d{2})$/).transform((d) => d as RangeKey),
      scope: z.enum(['mine', 'business']).default('mine'),
      business: z.string().trim().min(1).max(320).optional(),
    }),
    [Verb.ConfirmCancelDay]: z
      .looseObject({
        grant: z.string().max(MAX_DAY_GRANT_CHARS),
        cancellationMessage: z.string().max(MAX_INPUT_CHARS).default(''),
        /** The ticked appointments, as "Try again" repeats a failed Confirm (the data below, parsed once). */
        picked: z.array(z.number().int().min(0).max(999)).max(1_000).optional(),
      })
      .transform(({ grant, cancellationMessage, picked, ...inputs }) => ({
        grant,
        cancellationMessage,
        // A tick box sends "true" (Teams, Web Chat) or true; anything else is unticked.
        picked: picked ?? Object.entries(inputs).flatMap(([key, value]) => (PICK.test(key) && (value === 'true' || value === true) ? [Number(PICK.exec(key)![1])] : [])),
      })),
    [Verb.RetryCancelDay]: batch,
    [Verb.CancelDayProgress]: batch,
  };
}

/** Each verb's data, as its schema leaves it. */
export type ActionDataOf = { [V in keyof typeof schemas]: z.infer<(typeof schemas)[V]> };

export type ActionData = { [V in keyof ActionDataOf]: { verb: V; data: ActionDataOf[V] } }[keyof ActionDataOf];

/**
 * Reads a card click, whichever way it came: an adaptiveCard/action invoke (verb beside the data, inputs merged
 * into data) or an Action.Submit message (verb inside the value, inputs merged in). Anything we did not put on
 * a card is refused with InvalidAction.
 */
export function parseCardAction(verb: unknown, data: unknown): ActionData {
  // Own keys only: "constructor" or "__proto__" is in every object.
  if (typeof verb !== 'string' || !Object.hasOwn(schemas, verb)) throw new CodedError(ErrorCode.InvalidAction, 'Unknown verb');
  const parsed = schemas[verb as keyof typeof schemas].safeParse(data ?? {});
  if (!parsed.success) throw new CodedError(ErrorCode.InvalidAction, `Bad data for ${verb}`);
  return { verb, data: parsed.data } as ActionData;
}

/** Built once: a zod schema costs more to build than to run (in the benchmark's profile, 3% of a list turn's CPU). */
const CARD_LANGUAGE = z.object({ lang: z.enum(['en-US', 'zh-CN']) });

/** The language a card was drawn in, from its action data (see cards/render.ts). */
export function languageOf(data: unknown): Locale | undefined {
  const parsed = CARD_LANGUAGE.safeParse(data);
  return parsed.success ? parsed.data.lang : undefined;
}

/** The verb and data of an Action.Submit message value, or undefined if the message is plain text. */
export function submitOf(value: unknown): { verb: unknown; data: Record<string, unknown> } | undefined {
  if (value === null || typeof value !== 'object' || !('verb' in value)) return undefined;
  const { verb, ...data } = value as Record<string, unknown>;
  return { verb, data };
}
