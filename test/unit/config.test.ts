import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationSeconds } from '../../src/config.js';

describe('config', () => {
  it('defaults to the contract’s values', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000',
      apiAudiences: ['http://localhost:4000'],
      signingAlgorithm: 'ES256',
      maxTokenExpirationSeconds: 0,
      extendTokenExpiration: true,
      jwksURI: 'http://localhost:4000/openid/v1/jwks',
      database: { engine: 'pglite' },
    });
    expect(c.dataDir.endsWith('.keyway')).toBe(true);
  });

  it.each([
    [undefined, 'pglite'],
    ['memory://', 'pglite'],
    ['postgres://u:p@db:5432/keyway', 'postgres'],
    ['postgresql://db/keyway', 'postgres'],
  ])('DATABASE_URL %j → %s', (url, engine) => {
    expect(loadConfig(url ? { DATABASE_URL: url } : {}).database.engine).toBe(engine);
  });

  it('never prints a database password', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:secret@db/k' }).databaseDescription).not.toContain('secret');
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ KEYWAY_ADMIN_TOKEN: 'short' }, 'KEYWAY_ADMIN_TOKEN'],
    [{ KEYWAY_ISSUER: 'not a url' }, 'KEYWAY_ISSUER'],
    [{ KEYWAY_SIGNING_ALGORITHM: 'HS256' }, 'KEYWAY_SIGNING_ALGORITHM'],
    [{ KEYWAY_MAX_TOKEN_EXPIRATION: '30m' }, 'KEYWAY_MAX_TOKEN_EXPIRATION: must be between 1 hour and 2^32 seconds'],
    [{ KEYWAY_MAX_TOKEN_EXPIRATION: 'soon' }, 'KEYWAY_MAX_TOKEN_EXPIRATION: not a duration'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads audiences, the expiration limit and the issuer', () => {
    const c = loadConfig({
      KEYWAY_ISSUER: 'https://keyway.example.com/',
      KEYWAY_API_AUDIENCES: 'a, b',
      KEYWAY_MAX_TOKEN_EXPIRATION: '24h',
    });
    expect(c.issuer).toBe('https://keyway.example.com');
    expect(c.apiAudiences).toEqual(['a', 'b']);
    expect(c.maxTokenExpirationSeconds).toBe(86400);
  });

  it.each([
    ['3600', 3600],
    ['1h', 3600],
    ['1h30m', 5400],
    ['90s', 90],
    ['2h0m10s', 7210],
  ])('duration %s = %d s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });
});

describe('the README', () => {
  it('lists every setting config.ts reads, with its default', () => {
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const schema = source.slice(source.indexOf('const EnvSchema'), source.indexOf('export class ConfigError'));
    const names = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(names).toContain('KEYWAY_AUDIT_POLICY');
    for (const name of names) expect(readme, name).toMatch(new RegExp(`^\\| \`${name}\` \\| [^|]+ \\| .+ \\|$`, 'm'));
  });
});
