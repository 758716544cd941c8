import { sendCard } from '../answer.js';
import type { Route } from './route.js';

/**
 * conversationUpdate: greets once per conversation, when the bot itself joins it. Web Chat over Direct Line also says
 * when the user joins (seconds later, mid-chat) and the Emulator names both at once; neither is a second welcome.
 */
export const membersAdded: Route = async (context, kit) => {
  const { activity } = context;
  if ((activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id)) {
    await sendCard(context, kit.welcome(kit.turn(context)), kit.logger);
  }
};
