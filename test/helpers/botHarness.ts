import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FileAuditSink } from '../../src/audit/fileAuditSink.js';
import type { AuditEntry } from '../../src/bookings/audit.js';
import { type RunningBot, start } from '../../src/index.js';
import type { LocalGraphService } from '../../src/local-graph/server.js';
import { FakeConnector } from './connector.js';

export type Card = Record<string, unknown>;

/** What an adaptiveCard/action invoke answers: a status, and the card that replaces the clicked one. */
export interface InvokeBody {
  statusCode: number;
  type: string;
  value: Card;
}

/** Starts the real bot (composition root, HTTP server, embedded local Graph) on free loopback ports. */
export async function startBot(env: Record<string, string> = {}, clock?: () => Date): Promise<BotHarness> {
  const { logs, logDestination } = captureLogs();
  const bot = await start({ PORT: '0', LOCAL_GRAPH_PORT: '0', LOG_LEVEL: 'debug', AUDIT_DIR: temporaryAuditDir(), ...env }, { logDestination, clock });
  const connector = await new FakeConnector().start();
  return new BotHarness(bot, connector, logs, bot.localGraph!);
}

/** The list click of README's "Try it by hand": the least a person can post to a local bot (no token, no ids). */
export const HAND_LIST_CLICK = {
  type: 'invoke',
  name: 'adaptiveCard/action',
  channelId: 'msteams',
  from: { id: '29:me' },
  recipient: { id: '28:bot' },
  conversation: { id: 'a:1' },
  serviceUrl: 'http://127.0.0.1:9',
  value: { action: { type: 'Action.Execute', verb: 'appointments.list', data: {} } },
};

/** A fresh directory for a test bot's audit files (the default, .data/audit, is for people running the bot). */
export function temporaryAuditDir(): string {
  return mkdtempSync(join(tmpdir(), 'bookings-audit-'));
}

/** The bot's log lines, captured in memory so tests can read (and search) them. */
export function captureLogs(): { logs: string[]; logDestination: Writable } {
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logs, logDestination };
}

export class BotHarness {
  constructor(
    readonly bot: RunningBot,
    readonly connector: FakeConnector,
    readonly logs: string[],
    readonly graph: LocalGraphService,
  ) {}

  async stop(): Promise<void> {
    await this.bot.stop();
    await this.connector.stop();
  }

  /** The audit trail as the bot's files hold it (entries reach them a moment after the turn). */
  audit(): Promise<AuditEntry[]> {
    const { storage } = this.bot.config;
    if (storage.kind !== 'memory') throw new Error('this bot keeps its audit trail in Blob storage (see Deployment.audit)');
    return new FileAuditSink(storage.auditDir).read(new Date(0));
  }

  /** POSTs an activity to /api/messages as a channel would; returns the HTTP status and body. */
  async post(activity: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    return postActivity(this.bot.url, this.connector.url, activity, async (serviceUrl) => ({ ...(await this.authorization(serviceUrl)), ...headers }));
  }

  /**
   * Presses an Action.Execute as Teams does: an adaptiveCard/action invoke with the verb and data. `extra` replaces
   * fields of the Teams activity (another user's `from`, a `replyToId`). Returns the HTTP status and the invoke body.
   */
  async click(verb: unknown, data: unknown, extra: Record<string, unknown> = {}, how: ClickHow = {}): Promise<{ status: number; body: InvokeBody }> {
    return (await this.post(clickActivity(verb, data, extra, how))) as { status: number; body: InvokeBody };
  }

  /** Local mode: channels send no token. */
  protected authorization(_serviceUrl: string): Promise<Record<string, string>> {
    return Promise.resolve({});
  }
}

/** How a click is made: Teams' clientInfo, the action's type (another than Action.Execute is a forgery) and trigger. */
export interface ClickHow {
  clientInfo?: ClientInfo;
  actionType?: string;
  /** `automatic`: Teams refreshing a card by itself (its refresh action), not the user pressing. */
  trigger?: 'manual' | 'automatic';
  /** What Teams adds to the value when it retries a click after in-card sign-in: `authentication` (an SSO token) or `state` (a magic code). */
  retry?: Record<string, unknown>;
}

/** The adaptiveCard/action invoke Teams sends when a user presses an Action.Execute (inputs merged into data). */
export function clickActivity(verb: unknown, data: unknown, extra: Record<string, unknown> = {}, how: ClickHow = {}): Record<string, unknown> {
  const value = { action: { type: how.actionType ?? 'Action.Execute', verb, data }, trigger: how.trigger ?? 'manual', ...how.retry };
  return teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value, ...extra }, how.clientInfo);
}

/**
 * POSTs an activity to a bot's /api/messages as a channel does: an id, a timestamp and the connector's service URL
 * added, with the headers `authorization` gives for that URL. Returns the HTTP status and the parsed body.
 */
export async function postActivity(
  botUrl: string,
  serviceUrl: string,
  activity: Record<string, unknown>,
  authorization: (serviceUrl: string) => Promise<Record<string, string>>,
): Promise<{ status: number; body: unknown }> {
  const full = { id: randomUUID(), timestamp: new Date().toISOString(), serviceUrl, ...activity };
  const response = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(await authorization(full.serviceUrl)) },
    body: JSON.stringify(full),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The card of a connector call. */
export function cardOf(call: { activity: { attachments?: { contentType: string; content: Card }[] } }): Card {
  const attachment = call.activity.attachments?.[0];
  if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive') throw new Error('no adaptive card');
  return attachment.content;
}

/** Markdown's backslash escapes and the zero-width spaces in addresses (cards/plainText.ts), undone: what a reader sees. */
function asShown(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/\u200B/g, '');
}

/** Every text a card shows (TextBlocks, FactSet lines), in order and as a reader sees it. */
export function textsOf(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'TextBlock' && typeof n.text === 'string') out.push(asShown(n.text));
    if (n.type === 'FactSet') (n.facts as { title: string; value: string }[]).forEach((f) => out.push(asShown(`${f.title}: ${f.value}`)));
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

/** Every action of a card, depth first, with its fallback left in place. */
export function actionsOf(card: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && n.type.startsWith('Action.')) {
      out.push(n);
      return;
    }
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

/** Channel identities as the Emulator sends them. */
export function emulatorActivity(conversationId: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    channelId: 'emulator',
    from: { id: 'a5bd5b0e-0f5b-4a7e-9f55-2c4c5a0e1f11', name: 'User', role: 'user' },
    recipient: { id: '56800324-bookings-bot', name: 'Bot', role: 'bot' },
    conversation: { id: conversationId },
    locale: 'en-US',
    localTimezone: 'Europe/London',
    textFormat: 'plain',
    ...extra,
  };
}

/** Channel identities as Teams sends them in a personal chat. */
/** What Teams tells of the user's client: its language and time zone. */
export interface ClientInfo {
  locale?: string;
  timezone?: string;
}

export function teamsActivity(extra: Record<string, unknown>, clientInfo: ClientInfo = {}): Record<string, unknown> {
  return {
    channelId: 'msteams',
    from: { id: '29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bPbpsfJjcbAD22bmKc4GMbrY2g4JDrrA8vM06X1-cHHle4zOE6U4ttcc', aadObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd', name: 'Adele Vance' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000001', name: 'Bookings Bot' },
    conversation: { id: 'a:1Jm_Sz9yAsQPUQcB4I3DhHU1mcOD1ch7cXtmHhoZ', conversationType: 'personal', tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
    channelData: { tenant: { id: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' } },
    locale: clientInfo.locale ?? 'en-US',
    entities: [{ type: 'clientInfo', locale: clientInfo.locale ?? 'en-US', timezone: clientInfo.timezone ?? 'America/Chicago', country: 'US', platform: 'Web' }],
    ...extra,
  };
}
