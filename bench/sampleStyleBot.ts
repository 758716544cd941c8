import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client, type Context, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import * as ACData from 'adaptivecards-templating';
import type { UserTokenClient } from 'botframework-connector';
import { serveBaseline } from './baselineServer.js';

/**
 * Baseline (b): the same flow written the way the public samples write it. Per request: the user's token from the
 * Token Service, a NEW MSAL client (so no token cache survives the request) for the on-behalf-of exchange, a NEW
 * Graph client, Graph calls one after another, and the card template parsed and expanded afresh.
 */
const env = process.env;
// As the bot's own default GRAPH_SCOPES: GET /me needs User.Read.
const scopes = ['https://graph.microsoft.com/BookingsAppointment.ReadWrite.All', 'https://graph.microsoft.com/Bookings.Read.All', 'https://graph.microsoft.com/User.Read'];
const LIST_TEMPLATE = JSON.stringify({
  type: 'AdaptiveCard',
  version: '1.5',
  body: [
    { type: 'TextBlock', text: 'Your upcoming appointments', weight: 'Bolder' },
    { type: 'Container', $data: '${appointments}', items: [{ type: 'TextBlock', text: '${serviceName} · ${start} · ${customer}' }] },
  ],
});

/** The samples' auth: a fixed bearer token on every request (the SDK's own handler skips http hosts). */
class Bearer implements Middleware {
  private next?: Middleware;
  constructor(private readonly token: string) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const headers = new Headers(context.options?.headers);
    headers.set('Authorization', `Bearer ${this.token}`);
    context.options = { ...context.options, headers };
    await this.next?.execute(context);
  }
}

interface Item {
  id: string;
  serviceName: string;
  startDateTime: { dateTime: string };
  customers?: { name?: string }[];
  staffMemberIds: string[];
}

await serveBaseline('sample-style-bot', async (context, adapter) => {
  const started = performance.now();
  let graphMs = 0;
  let graphCalls = 0;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    graphCalls++;
    try {
      return await call();
    } finally {
      graphMs += performance.now() - t;
    }
  };
  const { from, channelId, value } = context.activity as { from: { id: string }; channelId: string; value: { action: { verb: string; data: Record<string, string> } } };
  const tokens = context.turnState.get<UserTokenClient>(adapter.UserTokenClientKey);
  const userToken = await tokens.getUserToken(from.id, env.OAUTH_CONNECTION_NAME!, channelId, undefined as unknown as string);
  const host = env.ENTRA_AUTHORITY_HOST!;
  const msal = new ConfidentialClientApplication({
    auth: { clientId: env.MicrosoftAppId!, clientSecret: env.MicrosoftAppPassword!, authority: `${host}/${env.MicrosoftAppTenantId}`, knownAuthorities: [new URL(host).host] },
  });
  const obo = await msal.acquireTokenOnBehalfOf({ oboAssertion: userToken.token, scopes });
  const graph = Client.initWithMiddleware({ baseUrl: env.GRAPH_BASE_URL, defaultVersion: 'v1.0', middleware: [new Bearer(obo!.accessToken), new HTTPMessageHandler()] });

  let card: unknown;
  const { verb, data } = value.action;
  if (verb === 'appointment.cancel.confirm') {
    const path = `/solutions/bookingBusinesses/${encodeURIComponent(data.businessId!)}/appointments/${encodeURIComponent(data.appointmentId!)}/cancel`;
    await timed(() => graph.api(path).post({ cancellationMessage: data.cancellationMessage }));
    card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Appointment cancelled' }] };
  } else {
    const me = await timed(() => graph.api('/me').get() as Promise<{ mail: string }>);
    const businesses = await timed(() => graph.api('/solutions/bookingBusinesses').get() as Promise<{ value: { id: string }[] }>);
    const appointments: Record<string, string>[] = [];
    const now = new Date();
    const end = new Date(now.getTime() + 14 * 86_400_000);
    for (const business of businesses.value) {
      const base = `/solutions/bookingBusinesses/${encodeURIComponent(business.id)}`;
      // Graph lists the tenant's businesses and refuses the staff of those that are not the user's: skip them.
      const staff = await timed(() => graph.api(`${base}/staffMembers`).get() as Promise<{ value: { id: string; emailAddress: string }[] }>).catch(() => ({ value: [] }));
      const mine = staff.value.find((s) => s.emailAddress.toLowerCase() === me.mail.toLowerCase());
      if (!mine) continue;
      let page = `${base}/calendarView?start=${now.toISOString()}&end=${end.toISOString()}`;
      for (;;) {
        const result = await timed(() => graph.api(page).get() as Promise<{ value: Item[]; '@odata.nextLink'?: string }>);
        for (const a of result.value.filter((x) => x.staffMemberIds.includes(mine.id))) {
          appointments.push({ serviceName: a.serviceName, start: a.startDateTime.dateTime, customer: a.customers?.[0]?.name ?? '' });
        }
        const next = result['@odata.nextLink'];
        if (!next) break;
        page = next.replace(/^https?:\/\/[^/]+\/v1\.0/, '');
      }
    }
    card = new ACData.Template(JSON.parse(LIST_TEMPLATE)).expand({ $root: { appointments } });
  }
  process.stdout.write(`${JSON.stringify({ msg: 'action handled', turn: context.activity.id, verb, ms: performance.now() - started, graphMs, graphCalls })}\n`);
  return { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } };
});
