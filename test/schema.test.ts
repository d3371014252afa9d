import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printKeywaySchema } from '../src/schema.js';

describe('schema.graphql', () => {
  it('is what the code generates (run `npm run schema` after changing the schema)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printKeywaySchema());
  });
});
