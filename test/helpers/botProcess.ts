import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface TurnLog {
  ms: number;
  graphMs: number;
}

/**
 * A bot in its own process (the benchmark's bots; the instances of the multi-instance tests). Its JSON log lines
 * are read for the per-turn Graph wait, and kept whole when asked (tests search them).
 */
export class BotProcess {
  readonly turns = new Map<string, TurnLog>();
  readonly stderr: string[] = [];
  /** Every stdout line, when constructed with keepLogs. */
  readonly logs: string[] = [];
  url = '';
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly nodeFlags: string[] = [],
    private readonly keepLogs = false,
    /** Where it runs (and reads `.env`); the test's own directory by default. */
    private readonly cwd?: string,
  ) {}

  async start(): Promise<this> {
    // TypeScript sources run through tsx, as `npm start` does; a built bot (dist/*.js) runs as `node dist/index.js`.
    const loader = this.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', ...this.nodeFlags, ...loader, this.entry], {
      cwd: this.cwd,
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (this.keepLogs) this.logs.push(line);
        let entry: { msg?: string; url?: string; turn?: string; ms?: number; graphMs?: number };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          return;
        }
        if (entry.msg === 'action handled' && entry.turn) this.turns.set(entry.turn, { ms: entry.ms ?? 0, graphMs: entry.graphMs ?? 0 });
        const url = entry.msg === 'listening' ? entry.url : entry.msg === 'Bookings Bot listening' ? entry.url?.replace(/\/api\/messages$/, '') : undefined;
        if (url) {
          this.url = url;
          resolve();
        }
      });
    });
    // Keep the last lines of stderr: they explain a bot that fails under load.
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 50) this.stderr.shift();
    });
    await ready;
    return this;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** CPU time (user + system) the process has used so far, in ms (Linux /proc; 10 ms resolution). */
  cpuMs(): number {
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks * 10;
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async health(): Promise<{ memory: { rss: number; heapUsed: number }; graphTokensCached?: number }> {
    return (await (await fetch(`${this.url}/healthz`)).json()) as { memory: { rss: number; heapUsed: number }; graphTokensCached?: number };
  }

  /** Ends the process at once, as a crash or a scale-in would (no graceful shutdown). */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child!.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child!.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
