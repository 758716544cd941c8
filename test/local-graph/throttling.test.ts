import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalGraphOptions, LocalGraphService } from '../../src/local-graph/server.js';
import { ADELE, CONTOSO, FABRIKAM, startLocalGraph } from '../helpers/localGraph.js';

const LATENCY_MS = 300;

/** A second Entra ID whose tokens Graph trusts, so that tokens can name other client apps (azp in v2, appid in v1). */
class OtherIssuer {
  readonly issuer = 'https://login.microsoftonline.com/0f0e0d0c-0b0a-4909-8807-060504030201/v2.0';
  private readonly server: Server;
  private keys?: Awaited<ReturnType<typeof generateKeyPair>>;
  jwksUri = '';

  constructor() {
    this.server = createServer((_req, res) => {
      void exportJWK(this.keys!.publicKey).then((jwk) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' }] }));
      });
    });
  }

  async start(): Promise<void> {
    this.keys = await generateKeyPair('RS256');
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.jwksUri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/keys`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  token(oid: string, client: { azp: string } | { appid: string }): Promise<string> {
    return new SignJWT({ scp: 'Bookings.Read.All User.Read', oid, ...client })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.issuer)
      .setAudience('https://graph.microsoft.com')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(this.keys!.privateKey);
  }
}

/** The per-app, per-mailbox concurrency limit of Bookings, and latency, as a client sees them. */
describe('local Graph: Bookings concurrency per app and mailbox', () => {
  const other = new OtherIssuer();
  let graph: LocalGraphService;
  let adele: string;
  const staffOf = (business: string) => `v1.0/solutions/bookingBusinesses/${encodeURIComponent(business)}/staffMembers`;
  const get = async (path: string, token = adele) => {
    const started = performance.now();
    const response = await fetch(`${graph.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    return { response, status: response.status, retryAfter: response.headers.get('retry-after'), ms: performance.now() - started, body: (await response.json()) as { error?: { code: string } } };
  };

  const start = async (options: LocalGraphOptions = {}) => {
    graph = await startLocalGraph({ latencyMs: LATENCY_MS, trustedIssuer: { issuer: other.issuer, jwksUri: other.jwksUri }, ...options });
    adele = await graph.identity.issue(graph.identity.findUser(ADELE)!);
  };

  beforeAll(async () => {
    await other.start();
  });
  afterAll(async () => {
    await other.stop();
  });
  afterEach(async () => {
    await graph.stop();
  });

  it('answers 4 of 5 concurrent requests to one mailbox and the 5th with 429, Graph\'s error body and Retry-After, after the latency', async () => {
    await start();
    const answers = await Promise.all(Array.from({ length: 5 }, () => get(staffOf(CONTOSO))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429]);
    const throttled = answers.find((a) => a.status === 429)!;
    expect(throttled.retryAfter).toBe('1');
    expect(throttled.response.headers.get('content-type')).toMatch(/^application\/json;odata\.metadata=minimal/);
    expect(throttled.body.error).toMatchObject({ code: 'TooManyRequests', innerError: { 'request-id': throttled.response.headers.get('request-id') } });
    expect(throttled.ms).toBeGreaterThanOrEqual(LATENCY_MS - 2);
    expect(graph.throttled).toBe(1);
    expect(graph.peakPerMailbox).toBe(4);
    // Once the four are answered, the mailbox takes requests again.
    expect((await get(staffOf(CONTOSO))).status).toBe(200);
  });

  it('counts a mailbox by its id, decoded and in any case, whichever path form addresses it', async () => {
    await start({ throttleRetryAfterSeconds: 7 });
    const forms = [
      staffOf(CONTOSO),
      staffOf(CONTOSO.toLowerCase()),
      `v1.0/solutions/bookingBusinesses('${encodeURIComponent(CONTOSO.toUpperCase())}')/staffMembers`,
      `beta/bookingBusinesses/${CONTOSO}/staffMembers`,
      `v1.0/solutions/bookingBusinesses/${encodeURIComponent(CONTOSO)}`,
    ];
    const answers = await Promise.all(forms.map((path) => get(path)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429]);
    expect(answers.find((a) => a.status === 429)!.retryAfter).toBe('7');
  });

  it('keeps apart other mailboxes, other apps (azp of v2 tokens, appid of v1) and requests that address no mailbox', async () => {
    await start();
    const adeleId = graph.identity.findUser(ADELE)!.id;
    const appA = await other.token(adeleId, { azp: 'aaaaaaaa-0000-4000-8000-000000000001' });
    const appB = await other.token(adeleId, { appid: 'bbbbbbbb-0000-4000-8000-000000000002' });
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => get(staffOf(CONTOSO))),
      get(staffOf(FABRIKAM)),
      get(staffOf(CONTOSO), appA),
      get(staffOf(CONTOSO), appB),
      ...Array.from({ length: 5 }, () => get('v1.0/me')),
      ...Array.from({ length: 5 }, () => get('v1.0/solutions/bookingBusinesses')),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 17 }, () => 200));
    expect(graph.throttled).toBe(0);

    // Each app has its own four.
    const sameApp = await Promise.all([...Array.from({ length: 4 }, () => get(staffOf(CONTOSO), appA)), get(staffOf(CONTOSO), appA)]);
    expect(sameApp.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429]);
  });

  it('lets a test opt out with mailboxConcurrency Infinity, and the limit be changed while running', async () => {
    await start({ mailboxConcurrency: Infinity });
    expect((await Promise.all(Array.from({ length: 8 }, () => get(staffOf(CONTOSO))))).map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 200));
    expect(graph.peakPerMailbox).toBe(8);
    graph.mailboxConcurrency = 2;
    expect((await Promise.all(Array.from({ length: 3 }, () => get(staffOf(CONTOSO))))).map((a) => a.status).sort()).toEqual([200, 200, 429]);
  });

  it('waits latencyMs * (1 + latencyJitter * u), u uniform in [-1, 1], for every request', async () => {
    await start({ latencyMs: 200, latencyJitter: 0.5 });
    await Promise.all(Array.from({ length: 40 }, () => get('v1.0/me')));
    const waits = graph.requests.map((r) => r.endedAt! - r.startedAt);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(100 - 2);
    expect(Math.max(...waits)).toBeLessThan(300 + 100);
    // Spread over the whole range: 40 draws all missing a quarter of it has odds of 1 in 100,000.
    expect(Math.min(...waits)).toBeLessThan(150);
    expect(Math.max(...waits)).toBeGreaterThan(250);
    expect(() => new LocalGraphService({ latencyJitter: 1.5 })).toThrow(RangeError);
  });
});
