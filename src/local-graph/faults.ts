/** A failure the local Graph service plays on matching requests, for tests and demos. */
export interface Fault {
  /** Only requests with this method (default: any). */
  method?: 'GET' | 'POST';
  /** Only requests whose decoded path contains this text (default: any). */
  pathIncludes?: string;
  /** Answer with this status and a Graph error body; omitted = answer normally (after delayMs). */
  status?: 429 | 500 | 503 | 504;
  /** Retry-After header value in seconds, for 429/503. */
  retryAfterSeconds?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Apply to every Nth matching request only (20 = 5% of them), for storms that let most requests through. */
  everyNth?: number;
}

export class FaultPlan {
  private readonly faults: (Fault & { times: number; seen: number })[] = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1, seen: 0 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first fault matching the request, consuming one of its uses. */
  take(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => (!f.method || f.method === method) && (!f.pathIncludes || path.includes(f.pathIncludes)) && ++f.seen % (f.everyNth ?? 1) === 0,
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
