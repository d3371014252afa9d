/** `npm run schema` writes schema.graphql from the code; `--check` fails if it is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printKeywaySchema } from '../src/schema.js';

const path = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const printed = printKeywaySchema();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== printed) {
    process.stderr.write('schema.graphql is stale: run `npm run schema` and commit it\n');
    process.exit(1);
  }
} else {
  writeFileSync(path, printed);
}
