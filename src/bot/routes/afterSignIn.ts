import type { TurnContext } from 'botbuilder';
import { Verb } from '../../cards/verbs.js';
import { MessageAnswer } from '../answer.js';
import type { ActionData } from '../cardActions.js';
import type { SignedIn } from '../signIn/signIn.js';
import type { RouteKit } from './route.js';

const SHOW_LIST: ActionData = { verb: Verb.ListAppointments, data: { offset: 0, range: 'upcoming', scope: 'mine' } };

/** Sign-in just finished: runs what the user asked for before it (or shows the list), as a new message. */
export async function resumeAfterSignIn(context: TurnContext, kit: RouteKit, signedIn: SignedIn): Promise<void> {
  const pending = await kit.signIn.pending.take(context);
  const turn = kit.turn(context, pending?.locale);
  await context.sendActivity({ type: 'typing' });
  const answer = new MessageAnswer(context, kit.signIn, turn.render.locale, kit.logger);
  await kit.perform(context, answer, { turn, action: () => pending?.action ?? SHOW_LIST, proof: { signedIn } });
}
