import { sleepUntil } from '../bookings/deadline.js';
import { CodedError, ErrorCode } from '../bookings/errors.js';

/**
 * Bookings serves at most 4 concurrent requests per app and booking mailbox, and answers 429 beyond that
 * (learn.microsoft.com/graph/throttling-limits, "Bookings service limits"). A batch member counts on its own.
 */
export const MAILBOX_CONCURRENCY = 4;

/**
 * What this instance has in flight at Graph: at most MAILBOX_CONCURRENCY requests (batch members each) per business
 * mailbox, so many users' first lists share Graph instead of each one meeting 429s. Scans (the background: batches of
 * staff reads) also keep within `budget` HTTP requests at once and leave one slot of each mailbox free, so that a
 * user's own reads (calendars, a cancel) never queue behind other users' scans. Every request of the gateway takes its
 * slots here first and gives them back when answered.
 */
export class GraphPacer {
  private readonly perMailbox = new Map<string, number>();
  private scansInFlight = 0;
  private waiting: (() => void)[] = [];

  constructor(
    /** HTTP requests of scans (a batch is one) this instance sends to Graph at once. */
    private readonly budget: number,
    private readonly mailboxConcurrency = MAILBOX_CONCURRENCY,
  ) {}

  /** Whether one more request for this mailbox (a scan's, or a user's own) would stay within its limit now. */
  hasRoom(mailbox: string, scan = false): boolean {
    return (this.perMailbox.get(mailbox.toLowerCase()) ?? 0) < this.mailboxConcurrency - (scan ? 1 : 0);
  }

  /** Takes a slot in each mailbox (distinct ones), and for a scan one of its budget, if all are free now. */
  tryTake(mailboxes: readonly string[], scan = false): boolean {
    if ((scan && this.scansInFlight >= this.budget) || !mailboxes.every((m) => this.hasRoom(m, scan))) return false;
    if (scan) this.scansInFlight++;
    for (const m of mailboxes) this.perMailbox.set(m.toLowerCase(), (this.perMailbox.get(m.toLowerCase()) ?? 0) + 1);
    return true;
  }

  release(mailboxes: readonly string[], scan = false): void {
    if (scan) this.scansInFlight--;
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
}
