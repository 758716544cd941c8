import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The message of the ConfigError that loading `env` stops with (and a failed test when it loads). */
export function configErrorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
