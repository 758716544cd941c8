// tsc does not copy files read at run time (card templates, strings, web pages); the built bot needs them beside the JS.
import { cpSync } from 'node:fs';
for (const dir of ['cards/templates', 'cards/strings', 'server/pages']) {
  cpSync(new URL(`../src/${dir}`, import.meta.url), new URL(`../dist/${dir}`, import.meta.url), { recursive: true });
}
