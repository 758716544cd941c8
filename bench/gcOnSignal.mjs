// Preloaded into the bot under the memory benchmark only (with --expose-gc): SIGUSR2 runs a full garbage
// collection, so "memory after" measures what is still referenced, not garbage V8 has not collected yet.
process.on('SIGUSR2', () => globalThis.gc?.());
