// `npm run package -- --env dev` builds build/appPackage.zip; `npm run validate:manifest -- --env dev` only checks.
// Values come from env/.env.<env>, env/.env.<env>.user, then the process environment.
import { parseArgs } from 'node:util';
import { AppPackageError, assembleAppPackage, writeAppPackage } from './build.js';

const { values } = parseArgs({ options: { env: { type: 'string', default: 'local' }, 'validate-only': { type: 'boolean', default: false } } });
const root = process.cwd();
try {
  // Variables set in the shell (e.g. CI secrets) win over the env files.
  const pkg = assembleAppPackage({ root, env: values.env, overrides: process.env });
  if (values['validate-only']) {
    process.stdout.write(`appPackage is valid for env "${values.env}" (Teams manifest v${pkg.manifest.manifestVersion}).\n`);
  } else {
    process.stdout.write(`Built ${await writeAppPackage(pkg, root)} for env "${values.env}": ${Object.keys(pkg.files).join(', ')}\n`);
  }
} catch (error) {
  if (!(error instanceof AppPackageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  if (error.problems.some((problem) => problem.includes('has no value'))) {
    process.stderr.write(
      `\n\`npx atk provision --env ${values.env}\` writes these values into env/.env.${values.env}. To check or build the package before that, give them in the shell,\n` +
        `e.g. TEAMS_APP_ID=$(node -p "crypto.randomUUID()") BOT_ID=<the bot's app id> BOT_DOMAIN=<its host name> npm run validate:manifest -- --env ${values.env}\n`,
    );
  }
  process.exitCode = 1;
}
