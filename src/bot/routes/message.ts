import { TurnContext } from 'botbuilder';
import { t } from '../../cards/i18n.js';
import { renderPrivateList } from '../../cards/render.js';
import { Verb } from '../../cards/verbs.js';
import { MessageAnswer, sendCard } from '../answer.js';
import { languageOf, parseCardAction, submitOf } from '../cardActions.js';
import { parseCommand } from '../commands.js';
import type { TurnInput } from '../handlers/types.js';
import { isSharedConversation } from '../turnContextInfo.js';
import { signedInActing } from '../signIn/signIn.js';
import { resumeAfterSignIn } from './afterSignIn.js';
import type { ActionRequest, Route, RouteKit } from './route.js';

/**
 * message: an Action.Submit click (Emulator, Web Chat, Playground) or a typed command. Where others can read the chat,
 * nobody's appointments go into a card everyone sees: the answer is the private stand-in instead.
 */
export const message: Route = async (context, kit) => {
  const submit = submitOf(context.activity.value);
  if (submit) {
    const turn = kit.turn(context, languageOf(submit.data));
    if (isSharedConversation(context.activity)) return privateList(context, kit, turn);
    return act(context, kit, { turn, action: () => parseCardAction(submit.verb, submit.data) }, true);
  }
  const turn = kit.turn(context);
  const text = TurnContext.removeRecipientMention(context.activity)?.trim() ?? '';
  const command = parseCommand(text, kit.clock(), turn.render.timeZone);
  switch (command.kind) {
    case 'list':
      if (isSharedConversation(context.activity)) return privateList(context, kit, turn);
      return act(context, kit, { turn, action: () => ({ verb: Verb.ListAppointments, data: { offset: 0, range: command.range, scope: 'mine', businessName: command.businessName } }) });
    case 'cancelDay':
      if (isSharedConversation(context.activity)) return privateList(context, kit, turn);
      return act(context, kit, { turn, action: () => ({ verb: Verb.PromptCancelDay, data: { day: command.range, scope: 'mine' } }) });
    case 'refreshBusinesses':
      if (isSharedConversation(context.activity)) return privateList(context, kit, turn);
      return act(context, kit, { turn, action: () => ({ verb: Verb.RefreshBusinesses, data: { offset: 0, range: 'upcoming', scope: 'mine' } }) });
    case 'signOut':
      return signOut(context, kit, turn);
    case 'magicCode':
      // Six digits mean a magic code only while a sign-in is waiting for one.
      if (await kit.signIn.pending.has(context)) return magicCode(context, kit, turn, command.code);
  }
  await sendCard(context, kit.help(turn, command.kind === 'help' && command.understood ? undefined : text), kit.logger);
};

async function act(context: TurnContext, kit: RouteKit, request: ActionRequest, isClick = false): Promise<void> {
  await context.sendActivity({ type: 'typing' });
  await kit.perform(context, new MessageAnswer(context, kit.signIn, request.turn.render.locale, kit.logger, isClick), request);
}

async function privateList(context: TurnContext, kit: RouteKit, turn: TurnInput): Promise<void> {
  await sendCard(context, renderPrivateList(turn.render.locale, context.activity.from.id), kit.logger);
}

async function magicCode(context: TurnContext, kit: RouteKit, turn: TurnInput, code: string): Promise<void> {
  const signedIn = await kit.signIn.provider.userToken(context, code).catch((error: unknown) => kit.sink.noted(context, error, 'magic code'));
  if (signedIn) return resumeAfterSignIn(context, kit, signedIn);
  await context.sendActivity(t(turn.render.locale, 'signIn.codeRejected'));
}

/**
 * Ends the sign-in, drops the waiting action and forgets what the bot remembers of the user, on every instance. What
 * is forgotten is the signed-in identity's (the token's, found before the sign-in ends), not the activity's ids.
 */
async function signOut(context: TurnContext, kit: RouteKit, turn: TurnInput): Promise<void> {
  const { locale } = turn.render;
  try {
    await kit.signIn.pending.take(context);
    const { provider } = kit.signIn;
    const signedIn = (await provider.remembered(context)) ?? (await provider.userToken(context));
    const acting = signedIn ? signedInActing(turn.acting, signedIn) : turn.acting;
    const ended = await provider.signOut(context, acting);
    await kit.signIn.forgetUser(acting.user);
    await context.sendActivity(t(locale, ended ? 'signIn.signedOut' : 'signIn.localSignOut'));
  } catch (error) {
    await sendCard(context, kit.sink.ofAction(context, error, undefined, locale).card, kit.logger);
  }
}
