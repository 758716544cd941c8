import { type Activity, ActivityTypes, type ResourceResponse, type TurnContext } from 'botbuilder';
import { hashOf, turnLogFields } from '../logging/logContext.js';
import { CONNECTOR_ROUTES, originOf } from '../telemetry/routes.js';
import type { Telemetry, TurnTrace } from '../telemetry/telemetry.js';
import { channelVouchedObjectId, renderContextOf, setTurnTrace, turnTraceOf } from './turnContextInfo.js';

/** Activity types as botbuilder names them; any other type a client sends is traced as 'other'. */
const ACTIVITY_TYPES = new Set<string>(Object.values(ActivityTypes));

/**
 * The turn's span, begun as the router takes the turn, and kept in its state for everything that runs in it (its
 * log lines carry the trace id from then on). What identifies the turn is what its log lines hold: the activity's id,
 * the conversation's hash, and the user's hash. Undefined with telemetry off.
 */
export function beginTurnTrace(context: TurnContext, telemetry: Telemetry, routedInvokes: ReadonlySet<string>): TurnTrace | undefined {
  if (!telemetry.enabled) return undefined;
  const { activity } = context;
  const fields = turnLogFields(activity);
  const vouched = channelVouchedObjectId(context);
  const trace = telemetry.turn({
    activityType: ACTIVITY_TYPES.has(activity.type) ? activity.type : 'other',
    invoke: activity.type === 'invoke' ? (routedInvokes.has(activity.name ?? '') ? activity.name : 'other') : undefined,
    channel: activity.channelId,
    locale: renderContextOf(activity).locale,
    turnId: fields.turn,
    conversation: fields.conversation,
    // Only an id the channel vouches for: elsewhere a client could put another person's hash on its turns.
    user: vouched === undefined ? undefined : hashOf(vouched),
  });
  setTurnTrace(context, trace, fields);
  traceConnectorCalls(context, telemetry);
  return trace;
}

/**
 * A span for each call the turn makes to the Bot Connector (a reply, a card updated in place), through botbuilder's
 * own hooks on the turn, under the turn's trace: an invoke's answer goes back in the HTTP response and is no call. A
 * proactive turn (a card that completes an answered one) is given the answered turn's trace first.
 */
export function traceConnectorCalls(context: TurnContext, telemetry: Telemetry, trace?: TurnTrace): void {
  if (!telemetry.enabled) return;
  if (trace) setTurnTrace(context, trace);
  const hooks = hooksOf(telemetry);
  context.onSendActivities(hooks.send);
  context.onUpdateActivity(hooks.update);
  context.onDeleteActivity(hooks.remove);
}

interface Hooks {
  send: (context: TurnContext, activities: Partial<Activity>[], next: () => Promise<ResourceResponse[]>) => Promise<ResourceResponse[]>;
  update: (context: TurnContext, activity: Partial<Activity>, next: () => Promise<void>) => Promise<void>;
  remove: (context: TurnContext, reference: unknown, next: () => Promise<void>) => Promise<void>;
}

/** The hooks, made once per Telemetry: a turn registers them without making a closure of its own. */
const HOOKS = new WeakMap<Telemetry, Hooks>();

function hooksOf(telemetry: Telemetry): Hooks {
  let hooks = HOOKS.get(telemetry);
  if (hooks) return hooks;
  const traced = async <T>(context: TurnContext, operation: keyof typeof CONNECTOR_ROUTES, next: () => Promise<T>): Promise<T> => {
    const span = telemetry.httpCall(turnTraceOf(context), { service: 'connector', origin: originOf(context.activity.serviceUrl ?? ''), ...CONNECTOR_ROUTES[operation] });
    try {
      const result = await next();
      span.end({});
      return result;
    } catch (error) {
      const { statusCode } = error as { statusCode?: unknown };
      span.end(typeof statusCode === 'number' ? { status: statusCode } : { error: 'network' });
      throw error;
    }
  };
  hooks = {
    send: (context, activities, next) => {
      // Only what botbuilder sends to the connector: an invoke's answer stays in the HTTP response, a trace activity
      // goes nowhere outside the Emulator.
      const sent = activities.filter((a) => a.type !== ActivityTypes.InvokeResponse && a.type !== ActivityTypes.Trace && a.type !== 'delay');
      if (sent.length === 0) return next();
      return traced(context, sent.some((a) => a.replyToId) ? 'reply' : 'send', next);
    },
    update: (context, _activity, next) => traced(context, 'update', next),
    remove: (context, _reference, next) => traced(context, 'delete', next),
  };
  HOOKS.set(telemetry, hooks);
  return hooks;
}
