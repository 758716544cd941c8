import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BotServer, startServer } from '../../src/server/server.js';

/** A client that sends headers and then a body a few bytes at a time, never finishing: how long is it kept? */
describe('a body trickled slowly', () => {
  let server: BotServer | undefined;
  afterEach(async () => {
    await server?.close(0);
  });

  it('is answered 408 once the body timeout passes, and the connection is closed; the bot never sees it', async () => {
    let seen = 0;
    server = await startServer({ port: 0, host: '127.0.0.1', onMessage: () => Promise.resolve(void seen++ as unknown as { status: number }), health: () => ({}), bodyTimeoutMs: 300 });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.write('POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 50);
    await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // The bot's own answer (Node's request timeout would answer 408 with no body, after 300 s).
    expect(answer).toContain('the body did not arrive in time');
    expect(seen).toBe(0);
  });
});
