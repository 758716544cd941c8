import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import { createGraphClient, TurnDeadline } from '../../src/graph/clientFactory.js';
import { toDomainError } from '../../src/graph/errors.js';
import { GraphWait, TurnMeter } from '../../src/graph/graphWait.js';
import { ErrorCode } from '../../src/bookings/errors.js';
import { StandInServer } from '../helpers/standins/http.js';

const servers: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A server on loopback that records what reaches it (requests and bodies) and answers with `answer`. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; seen: IncomingMessage[]; bodies: string[] }> {
  const [seen, bodies]: [IncomingMessage[], string[]] = [[], []];
  const server = new StandInServer(false, (req, _url, body, res) => {
    seen.push(req);
    bodies.push(body);
    answer(req, res);
  });
  servers.push(server);
  return { url: `${await server.start()}/`, seen, bodies };
}

const clientFor = (baseUrl: string) => createGraphClient({ baseUrl, version: 'v1.0', timeoutMs: 2000, maxRetries: 0, maxRetryWaitSeconds: 1 });

describe('the Graph transport', () => {
  it('does not follow a redirect: the user\'s token never reaches another host', async () => {
    const elsewhere = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"stolen":true}'));
    const graph = await serve((_req, res) => res.writeHead(302, { Location: `${elsewhere.url}v1.0/me` }).end());
    const error = await clientFor(graph.url).api('/me').header('Authorization', 'Bearer user-token').get().catch((e: unknown) => e);
    expect(toDomainError(error).code).toBe(ErrorCode.Internal);
    expect(graph.seen).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('sends the method, headers and JSON body as given, and hands back status, headers and body', async () => {
    const graph = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json', 'request-id': 'r-1' }).end('{"value":[{"id":"a"}]}'));
    const answer: unknown = await clientFor(graph.url).api('/x').header('Authorization', 'Bearer t').post({ cancellationMessage: 'Sorry' });
    expect(answer).toEqual({ value: [{ id: 'a' }] });
    expect(graph.seen[0]!.method).toBe('POST');
    expect(graph.seen[0]!.url).toBe('/v1.0/x');
    expect(graph.seen[0]!.headers.authorization).toBe('Bearer t');
    expect(graph.seen[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(graph.bodies).toEqual(['{"cancellationMessage":"Sorry"}']);
  });

  it('reads an error that is not Graph\'s JSON (a proxy\'s HTML page) by its status, and a Graph error by its code', async () => {
    const proxy = await serve((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>Bad Gateway</html>'));
    expect(toDomainError(await clientFor(proxy.url).api('/me').get().catch((e: unknown) => e)).code).toBe(ErrorCode.Unavailable);
    const graph = await serve((_req, res) => res.writeHead(404, { 'Content-Type': 'application/json', 'request-id': 'r-9' }).end('{"error":{"code":"ErrorFolderNotFound","message":"x"}}'));
    const refused = toDomainError(await clientFor(graph.url).api('/me').get().catch((e: unknown) => e));
    expect(refused.code).toBe(ErrorCode.NotStaffOfBusiness);
    expect(refused.requestId).toBe('r-9');
  });

  it('ends a request that outlives its deadline as a timeout', async () => {
    // No answer; the connection drops after 1.5 s, which would be "unavailable" had the deadline not ended it first.
    const graph = await serve((req) => setTimeout(() => req.socket.destroy(), 1500));
    const client = createGraphClient({ baseUrl: graph.url, version: 'v1.0', timeoutMs: 200, maxRetries: 0, maxRetryWaitSeconds: 1 });
    const error = await client.api('/me').get().catch((e: unknown) => e);
    expect(toDomainError(error).code).toBe(ErrorCode.Timeout);
  });

  it('does not send a request whose turn has no time left: Graph would work on it for nobody', async () => {
    const graph = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
    const meter = new GraphWait();
    const error = await clientFor(graph.url).api('/me').middlewareOptions([new TurnDeadline(performance.now() - 1), new TurnMeter(meter)]).get().catch((e: unknown) => e);
    expect(toDomainError(error).code).toBe(ErrorCode.Timeout);
    // Not attempted at all (the meter counts every attempt the chain makes), so nothing reached Graph.
    expect(meter.calls).toBe(0);
    expect(graph.seen).toHaveLength(0);
  });

  it('ends a request whose body stops half-way at its deadline, as a timeout', async () => {
    // Headers and the start of a body, then nothing; the connection drops after 1.5 s ("unavailable" had the
    // deadline not ended the read of the body first).
    const graph = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' }).write('{"value":[');
      setTimeout(() => req.socket.destroy(), 1500);
    });
    const client = createGraphClient({ baseUrl: graph.url, version: 'v1.0', timeoutMs: 200, maxRetries: 0, maxRetryWaitSeconds: 1 });
    const error = await client.api('/me').get().catch((e: unknown) => e);
    expect(toDomainError(error).code).toBe(ErrorCode.Timeout);
  });

  it('hands back every value of a header sent more than once', async () => {
    const graph = await serve((_req, res) => res.writeHead(200, [['Content-Type', 'application/json'], ['Warning', 'one'], ['Warning', 'two']]).end('{}'));
    const answer = (await clientFor(graph.url).api('/x').responseType(ResponseType.RAW).get()) as Response;
    expect(answer.headers.get('warning')).toBe('one, two');
  });

  it('reads a character whose UTF-8 bytes arrive in two reads', async () => {
    const bytes = Buffer.from('{"displayName":"Zoë Ångström"}', 'utf8');
    const split = bytes.indexOf(0xc3) + 1; // after the first byte of "ë"
    const graph = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) }).write(bytes.subarray(0, split));
      setTimeout(() => res.end(bytes.subarray(split)), 50);
    });
    expect(await clientFor(graph.url).api('/me').get()).toEqual({ displayName: 'Zoë Ångström' });
  });
});

