/**
 * Keyway as a real process, as `npm start` runs it (the compiled `dist/main.js`): on a free port,
 * with the environment a test gives it, stopped after each test. And GraphQL over that port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncryptionKey } from '../../src/encryption/envelope.js';
import { encryptionConfiguration } from '../../src/encryption/keys.js';
import { afterEach } from 'vitest';

export const ROOT = new URL('../..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface KeywayProcess {
  child: ChildProcess;
  port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
  /** Only what it wrote to stdout. */
  stdout: () => string;
  alive: () => boolean;
  /** SIGTERM, and wait for the exit. */
  stop: () => Promise<void>;
}

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
});

/** The server process, as `npm start` runs it, with `env` over this process's. */
function spawnKeyway(env: Record<string, string>, outlivesTest = false): ChildProcess {
  // `npm start`'s command; the build is current (globalSetup runs it)
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    // tests stop it with SIGTERM: no load balancer to wait for
    env: { ...process.env, HOST: '127.0.0.1', KEYWAY_LOG_LEVEL: 'info', KEYWAY_SHUTDOWN_DELAY: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!outlivesTest) running.push(child);
  return child;
}

/** `npm run keys:reencrypt` (the compiled command) with `env` over this process's: its exit code and output. */
export async function runReencrypt(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/reencrypt.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, output };
}

/** A keys file (EncryptionConfiguration) in a new temporary directory; its path. */
export async function encryptionKeysFile(keys: EncryptionKey[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'keyway-keys-')), 'encryption.yaml');
  await writeFile(path, encryptionConfiguration(keys), { mode: 0o600 });
  return path;
}

/** Runs the server until it exits by itself (a start that must fail): its exit code and stderr. */
export async function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawnKeyway(env);
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += b));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stderr };
}

/**
 * Starts the server with `env` (over this process's), resolved once it serves; rejects if it exits
 * first. It is stopped after the test, unless `outlivesTest` (then the suite stops it).
 */
export async function startKeyway(env: Record<string, string>, outlivesTest = false): Promise<KeywayProcess> {
  const port = await freePort();
  const child = spawnKeyway({ PORT: String(port), ...env }, outlivesTest);
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (b) => {
    out += b;
    stdout += b;
  });
  child.stderr!.on('data', (b) => (out += b));
  const alive = () => child.exitCode === null && child.signalCode === null;
  while (!stdout.includes('Keyway serving GraphQL')) {
    if (!alive()) throw new Error(`keyway exited at start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    port,
    output: () => out,
    stdout: () => stdout,
    alive,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export interface HttpAnswer {
  status: number;
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POST /graphql on a running process. */
export async function gqlOver(
  port: number,
  token: string | null,
  query: string,
  init: { timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query }),
    ...(init.timeoutMs ? { signal: AbortSignal.timeout(init.timeoutMs) } : {}),
  });
  return { status: res.status, ...((await res.json()) as object) };
}
