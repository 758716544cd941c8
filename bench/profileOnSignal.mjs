// Preloaded into the bot under `npm run bench -- --cpu --cpu-prof`: SIGUSR2 starts a V8 CPU profile, the next SIGUSR2
// writes it to bench-results/, so the profile holds the measured turns only (not start-up, warm-up or sign-in).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
let profiling = false;
process.on('SIGUSR2', async () => {
  if (!profiling) {
    profiling = true;
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return;
  }
  profiling = false;
  const { profile } = await session.post('Profiler.stop');
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(`bench-results/${process.pid}.measured.cpuprofile`, JSON.stringify(profile));
});
