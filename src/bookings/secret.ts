import { inspect } from 'node:util';

/**
 * A token that must never reach a log line, a card or storage by accident: printing, inspecting or
 * JSON-serialising it gives "[redacted]"; only reveal() hands out the value, at the one place that sends it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
