import type { Storage, TurnContext } from 'botbuilder';
import type { Locale } from '../../cards/i18n.js';
import { PENDING_SIGN_IN_TTL_MS } from '../../config/durations.js';
import { isLive } from '../../storage/expiry.js';
import type { ActionData } from '../cardActions.js';

/** What the user asked for when they had to sign in first, so it completes by itself once they have. */
export interface PendingAction {
  action: ActionData;
  locale: Locale;
}

interface StoredPending extends PendingAction {
  expiresAt: number;
}


/** Pending actions in the bot's Storage, one per user and conversation, so any instance can finish the sign-in. */
export class PendingActions {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async save(context: TurnContext, pending: PendingAction): Promise<void> {
    await this.storage.write({ [keyOf(context)]: { ...pending, expiresAt: this.now() + PENDING_SIGN_IN_TTL_MS } satisfies StoredPending });
  }

  async has(context: TurnContext): Promise<boolean> {
    return (await this.read(context)) !== undefined;
  }

  /** The pending action, removed so it runs once. */
  async take(context: TurnContext): Promise<PendingAction | undefined> {
    const pending = await this.read(context);
    if (pending) await this.storage.delete([keyOf(context)]);
    return pending && { action: pending.action, locale: pending.locale };
  }

  private async read(context: TurnContext): Promise<StoredPending | undefined> {
    const key = keyOf(context);
    const item = (await this.storage.read([key]))[key] as StoredPending | undefined;
    return isLive(item, this.now()) ? item : undefined;
  }
}

function keyOf(context: TurnContext): string {
  const { channelId, conversation, from } = context.activity;
  return `pendingSignIn/${channelId}/${conversation.id}/${from.id}`;
}
