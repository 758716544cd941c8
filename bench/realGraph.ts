// Graph as the issues' targets describe it (and as the local Graph then plays it): hundreds of milliseconds per
// request with jitter, and Bookings' 4 concurrent requests per app and mailbox (429 + Retry-After beyond).
export const LATENCY_MS = 250;
export const JITTER = 0.2;
export const MAILBOX_CONCURRENCY = 4;
