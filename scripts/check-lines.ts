/**
 * No line of the tree's TypeScript is over 120 characters (Biome's formatter wraps code, not
 * strings or comments). Lists each one and exits 1; `npm run lint` runs it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(Boolean);
const long: string[] = [];
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if ([...line].length > MAX) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
    });
}
if (long.length) {
  process.stderr.write(`lines over ${MAX} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
