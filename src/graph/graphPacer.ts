import { sleepUntil } from '../bookings/deadline.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';

/**
 * Bookings serves at most 4 concurrent requests per app and booking mailbox, and answers 429 beyond that
 * (learn.microsoft.com/graph/throttling-limits, "Bookings service limits"). A batch member counts on its own.
 */
export const MAILBOX_CONCURRENCY = 4;

/**
 * What this instance has in flight at Graph: at most MAILBOX_CONCURRENCY requests (batch members each) per business
 * mailbox, and at most `budget` HTTP requests in all, so many users' first lists share Graph instead of each one
 * meeting 429s. Every request of the gateway takes its slots here first and gives them back when answered.
 */
export class GraphPacer {
  private readonly perMailbox = new Map<string, number>();
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  constructor(
    /** HTTP requests (a batch is one) this instance sends to Graph at once. */
    private readonly budget: number,
    private readonly mailboxConcurrency = MAILBOX_CONCURRENCY,
  ) {}

  /** Whether one more request for this mailbox would stay within its limit now. */
  hasRoom(mailbox: string): boolean {
    return (this.perMailbox.get(mailbox.toLowerCase()) ?? 0) < this.mailboxConcurrency;
  }

  /** Takes one request of the budget and a slot in each mailbox (distinct ones), if all are free now. */
  tryTake(mailboxes: readonly string[]): boolean {
    if (this.inFlight >= this.budget || !mailboxes.every((m) => this.hasRoom(m))) return false;
    this.inFlight++;
    for (const m of mailboxes) this.perMailbox.set(m.toLowerCase(), (this.perMailbox.get(m.toLowerCase()) ?? 0) + 1);
    return true;
  }

  release(mailboxes: readonly string[]): void {
    this.inFlight--;
    for (const m of mailboxes) {
      const key = m.toLowerCase();
      const left = (this.perMailbox.get(key) ?? 1) - 1;
      if (left > 0) this.perMailbox.set(key, left);
      else this.perMailbox.delete(key);
    }
    const woken = this.waiting;
    this.waiting = [];
    for (const wake of woken) wake();
  }

  /** Resolves at the next release. */
  released(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Runs `send` once its slots are free, waiting for them no later than `deadline` (performance.now()). */
  async run<T>(mailboxes: readonly string[], deadline: number, send: () => Promise<T>): Promise<T> {
    while (!this.tryTake(mailboxes)) {
      if (performance.now() >= deadline) throw new CodedError(ErrorCode.Timeout, 'No room at Graph within the budget');
      await Promise.race([this.released(), sleepUntil(deadline)]);
    }
    try {
      return await send();
    } finally {
      this.release(mailboxes);
    }
  }

  /** In flight now, for /healthz and tests. */
  get requestsInFlight(): number {
    return this.inFlight;
  }
}
