// A `script` step of m365agents*.yml: `node scripts/env-defaults.mjs NAME=value … NAME=@uuid` gives each NAME its value
// unless the environment already has one, and prints it as `::set-teamsfx-env NAME=value`, which the Agents Toolkit
// writes to env/.env.<env> (or, for a SECRET_ name, encrypted to env/.env.<env>.user) and hands to the steps after
// it (https://aka.ms/teamsfx-actions/script; fx-core's script driver, parseSetOutputCommand).
// Why: env/.env.local is each developer's own and git-ignored, so the values every developer shares live in
// m365agents.local.yml; and @uuid makes a random value once per environment and then keeps it.
import { randomUUID } from 'node:crypto';

const problems = [];
for (const arg of process.argv.slice(2)) {
  const match = /^([A-Za-z_]\w*)=(.*)$/.exec(arg);
  if (!match) {
    problems.push(`"${arg}" is not NAME=value`);
    continue;
  }
  const [, name, fallback] = match;
  const current = process.env[name];
  const value = current !== undefined && current !== '' ? current : fallback === '@uuid' ? randomUUID() : fallback;
  // The Toolkit reads the value up to the first space or quote (a quoted value up to the next quote): such a value
  // would arrive cut. An empty one only parses quoted.
  if (/[\s"']/.test(value)) problems.push(`${name}: the value must not contain spaces or quotes`);
  else process.stdout.write(`::set-teamsfx-env ${name}=${value === '' ? '""' : value}\n`);
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
