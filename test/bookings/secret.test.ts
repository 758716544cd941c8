import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/bookings/secret.js';
import { createLogger } from '../../src/logging/logger.js';

describe('Secret', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';

  it('hands out its value only through reveal()', () => {
    const secret = new Secret(token);
    expect(secret.reveal()).toBe(token);
    expect(JSON.stringify({ user: { id: 'u', credential: secret } })).toBe('{"user":{"id":"u","credential":"[redacted]"}}');
    expect(`${String(secret)}`).toBe('[redacted]');
    expect(inspect({ credential: secret })).not.toContain('eyJ');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('stays hidden when a user object holding it is logged', () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    logger.info({ user: { id: '29:1', credential: new Secret(token) } }, 'turn');
    expect(lines.join('')).toContain('"credential":"[redacted]"');
    expect(lines.join('')).not.toContain('eyJ');
  });
});
