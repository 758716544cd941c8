import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/**
 * How long one turn waited on Graph: the union of its Graph calls' lifetimes (retries included), so calls made in
 * parallel count once. The bot logs it beside the turn's own time, which tells the bot's overhead from Graph's.
 */
export class GraphWait {
  calls = 0;
  waitedMs = 0;
  private inFlight = 0;
  private since = 0;

  begin(): void {
    this.calls++;
    if (this.inFlight++ === 0) this.since = performance.now();
  }

  end(): void {
    if (--this.inFlight === 0) this.waitedMs += performance.now() - this.since;
  }
}

const current = new AsyncLocalStorage<GraphWait>();

/** Runs `work` and measures the Graph calls it makes, however deep in the call tree. */
export async function measureGraphWait<T>(work: () => Promise<T>): Promise<{ result: T; wait: GraphWait }> {
  const wait = new GraphWait();
  const result = await current.run(wait, work);
  return { result, wait };
}

/** The Graph client middleware that reports each call to the turn's GraphWait, if any. */
export class GraphWaitMiddleware implements Middleware {
  private next?: Middleware;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const wait = current.getStore();
    wait?.begin();
    try {
      await this.next?.execute(context);
    } finally {
      wait?.end();
    }
  }
}
