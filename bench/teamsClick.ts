import { randomUUID } from 'node:crypto';
import type { DirectoryUser } from '../src/local-graph/seed.js';
import { BOT_APP_ID, TENANT_ID } from '../test/helpers/standins/entra.js';

export interface Clicker {
  channelId: string;
  directory: DirectoryUser;
}

/** The body of a click as Teams sends it: an adaptiveCard/action invoke from the user's personal chat. */
export function teamsClickBody(serviceUrl: string, user: Clicker, conversationId: string, verb: unknown, data: unknown, replyToId?: string): string {
  return JSON.stringify({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: user.channelId, aadObjectId: user.directory.id, name: user.directory.displayName },
    recipient: { id: `28:${BOT_APP_ID}`, name: 'Bookings Bot' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT_ID },
    channelData: { tenant: { id: TENANT_ID } },
    ...(replyToId ? { replyToId } : {}),
    locale: 'en-US',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  });
}
