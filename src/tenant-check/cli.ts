// `npm run check:tenant -- --env <env> [--cancel <businessId> <appointmentId> [--message <text>] [--yes]]`:
// what the bot assumes of Graph, confirmed or contradicted in a real tenant (docs/deploy.md, "Check a real tenant").
import { runTenantCheck } from './command.js';

process.exitCode = await runTenantCheck(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), env: process.env });
