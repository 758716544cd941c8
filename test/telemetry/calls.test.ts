import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Storage, StoreItems } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/bookings/secret.js';
import { CodedError, ErrorCode } from '../../src/bookings/errors.js';
import { TracedStorage } from '../../src/storage/tracedStorage.js';
import { StorageWriteConflict } from '../../src/storage/writeConflict.js';
import { oboProviderAgainst } from '../helpers/oboProvider.js';
import { ADELE } from '../helpers/localGraph.js';
import { LocalEntra } from '../helpers/standins/entra.js';
import { inMemoryTelemetry, leaks, telemetryStrings } from '../helpers/telemetry.js';

/** The far-side calls a list or a Confirm of the other tests does not make: a refused on-behalf-of, and Blob storage. */
describe("telemetry of Entra ID's on-behalf-of and of Blob storage (in-memory exporters)", () => {
  const memory = inMemoryTelemetry();
  const entra = new LocalEntra();

  beforeAll(() => entra.start());
  afterAll(() => entra.stop());

  it('a refused exchange: the span holds the AADSTS number and the bot\'s code, never Entra\'s description', async () => {
    memory.reset();
    const user = entra.user(ADELE);
    entra.withoutConsent.add(user.id);
    const { obo } = oboProviderAgainst(entra, { telemetry: memory.telemetry });
    const turn = memory.telemetry.turn({ activityType: 'invoke', locale: 'en-US' });
    const assertion = await entra.connectionToken(user);
    const acting = { user: { id: '29:adele', aadObjectId: user.id, tenantId: 'a7b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' }, credential: new Secret(assertion), meter: { begin: () => undefined, end: () => undefined, logFields: {}, trace: turn } };
    await expect(obo.getToken(acting)).rejects.toMatchObject({ code: ErrorCode.ConsentRequired });
    turn.end();
    obo.close();
    const exchange = memory.spans().find((s) => s.name === 'POST /:tenant/oauth2/v2.0/token')!;
    expect(exchange.kind).toBe(SpanKind.CLIENT);
    expect(exchange.parentSpanContext?.spanId).toBe(memory.spans().find((s) => s.kind === SpanKind.SERVER)!.spanContext().spanId);
    expect(exchange.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${entra.authorityHost}/:tenant/oauth2/v2.0/token`,
      'server.address': new URL(entra.authorityHost).host,
      'bot.service': 'entra',
      // MSAL's InteractionRequiredAuthError (consent_required) does not say the HTTP status; its ServerError does.
      'bot.error': 'consentRequired',
      'entra.error_code': '65001',
      'bot.token_cache': 'miss',
    });
    expect(exchange.status).toEqual({ code: SpanStatusCode.ERROR });
    // Entra's error_description names the app and may name the user: none of it, nor the user's token, is kept.
    expect(leaks(telemetryStrings(memory.spans(), []), ['has not consented', assertion, user.userPrincipalName])).toEqual([]);
  });

  it('Blob storage: a span per operation, with what it did and on which account, never a key; a lost conditional write is no failure', async () => {
    memory.reset();
    const writes: StoreItems[] = [];
    const inner: Storage = {
      read: (keys) => Promise.resolve(Object.fromEntries(keys.map((key) => [key, { eTag: '"0x1"' }]))),
      write: (changes) => {
        writes.push(changes);
        if ('cancel/contosolunchdelivery@contoso.onmicrosoft.com/AAMk=' in changes) return Promise.reject(new StorageWriteConflict('cancel/…'));
        return Promise.reject(new CodedError(ErrorCode.StorageUnavailable, 'Blob storage failed', { cause: { name: 'RestError', statusCode: 503 } }));
      },
      delete: () => Promise.resolve(),
    };
    const storage = new TracedStorage(inner, memory.telemetry, { host: 'bkbot0f9e8d.blob.core.windows.net', container: 'bookings-bot' });
    await storage.read(['places/msteams/tenant/oid', 'preferences/business/x']);
    await expect(storage.write({ 'cancel/contosolunchdelivery@contoso.onmicrosoft.com/AAMk=': { record: {} } })).rejects.toBeInstanceOf(StorageWriteConflict);
    await expect(storage.write({ 'graphTokens/tenant.oid': { sealed: 'x' } })).rejects.toMatchObject({ code: ErrorCode.StorageUnavailable });
    await storage.delete(['scanning/msteams/tenant/oid']);
    const spans = memory.spans();
    expect(spans.map((s) => [s.name, s.attributes['bot.storage.items'], s.attributes['bot.storage.status'], s.attributes['bot.error'], s.status.code])).toEqual([
      ['blob read', 2, undefined, undefined, SpanStatusCode.OK],
      ['blob write', 1, 412, undefined, SpanStatusCode.OK],
      ['blob write', 1, 503, 'storageUnavailable', SpanStatusCode.ERROR],
      ['blob delete', 1, undefined, undefined, SpanStatusCode.OK],
    ]);
    expect(spans[0]!.attributes).toEqual({ 'db.system': 'azure.blob', 'db.operation': 'read', 'db.name': 'bookings-bot', 'server.address': 'bkbot0f9e8d.blob.core.windows.net', 'bot.storage.items': 2 });
    expect(spans.every((s) => s.kind === SpanKind.CLIENT && s.parentSpanContext === undefined)).toBe(true);
    expect(leaks(telemetryStrings(spans, []), ['contosolunchdelivery@contoso.onmicrosoft.com', 'AAMk=', 'places/', 'graphTokens/', 'tenant.oid'])).toEqual([]);
    expect(writes).toHaveLength(2);
  });
});
