/** What the logger writes about a failed query: the SQL and the driver's reason, never the parameters. */
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function logged(write: (log: ReturnType<typeof createLogger>) => void): string {
  let out = '';
  const log = createLogger('info', {
    write: (line: string) => {
      out += line;
    },
  });
  write(log);
  return out;
}

describe('logging a failed query', () => {
  it('keeps the SQL and the cause, and drops the parameters', () => {
    const cause = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    const err = new DrizzleQueryError(
      'insert into "objects" values ($1, $2)',
      ['Secret', '{"data":{"password":"aHVudGVyMg=="}}'],
      cause,
    );
    const out = logged((log) => log.error({ err }, 'internal error'));
    expect(out).not.toContain('aHVudGVyMg==');
    expect(out).toContain('insert into \\"objects\\" values ($1, $2)');
    expect(out).toContain('params: [redacted]');
    expect(out).toContain('unsupported Unicode escape sequence');
    expect(JSON.parse(out).err.cause.code).toBe('22P05');
  });

  it('leaves other errors as they are', () => {
    const out = logged((log) => log.error({ err: new Error('plain failure') }, 'x'));
    expect(JSON.parse(out).err.message).toBe('plain failure');
  });
});
