// tsc does not copy JSON that is read at run time (card templates, strings); the built bot needs them beside the JS.
import { cpSync } from 'node:fs';
for (const dir of ['cards/templates', 'cards/strings']) {
  cpSync(new URL(`../src/${dir}`, import.meta.url), new URL(`../dist/${dir}`, import.meta.url), { recursive: true });
}
