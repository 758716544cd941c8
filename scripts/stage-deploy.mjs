// `npm run stage-deploy` (after `npm run build`): build/deploy/ is what the App Service runs, `node dist/index.js`
// with production dependencies only (no tsx, no TypeScript). The deploy step of m365agents.yml zip-deploys it.
// The working tree's node_modules is left as it is.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, process.argv[2] ?? 'build/deploy');
if (!existsSync(join(root, 'dist', 'index.js'))) {
  process.stderr.write('dist/index.js is missing: run `npm run build` first\n');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const entry of ['dist', 'package.json', 'package-lock.json']) cpSync(join(root, entry), join(out, entry), { recursive: true });
// Exactly the lockfile's production dependencies; --prefer-offline reuses what `npm install` already fetched.
execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: out, stdio: 'inherit' });
process.stdout.write(`Staged ${out}: start it with \`node dist/index.js\`\n`);
