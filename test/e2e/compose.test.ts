/**
 * No Docker engine runs here, so docker-compose.yml is checked for what would break it: the
 * Keyway service's DATABASE_URL must name the Postgres service and its credentials, wait for it
 * to be healthy, and run the image the Dockerfile builds.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'));
  const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

  it('points Keyway at the Postgres service with its credentials', () => {
    const pg = compose.services.postgres.environment;
    const url = new URL(compose.services.keyway.environment.DATABASE_URL);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
    expect(compose.services.keyway.depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('builds Keyway from this repository and serves on all interfaces', () => {
    expect(compose.services.keyway.build).toBe('.');
    expect(compose.services.keyway.environment.HOST).toBe('0.0.0.0');
    expect(compose.services.keyway.ports).toContain('4000:4000');
    expect(dockerfile).toMatch(/^FROM node:24/m);
    // npm ci applies the patches (postinstall) and builds dist/ (prepare): both must be there first
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile.indexOf('COPY patches')).toBeLessThan(dockerfile.indexOf('npm ci'));
    expect(dockerfile.indexOf('COPY src')).toBeLessThan(dockerfile.indexOf('npm ci'));
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main.js"\]/);
    const scripts = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts;
    expect(scripts.start).toBe('node dist/main.js');
    for (const path of ['src', 'drizzle', 'package-lock.json', 'tsconfig.build.json', 'scripts'])
      expect(dockerfile).toContain(path);
  });

  it('keeps the data directory (admin token, generated encryption key) on a volume', () => {
    expect(dockerfile).toMatch(/KEYWAY_DATA_DIR=\/data\b/);
    expect(compose.services.keyway.volumes).toContain('keyway-data:/data');
    expect(Object.keys(compose.volumes)).toContain('keyway-data');
  });
});
