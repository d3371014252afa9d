/**
 * What the benchmarks share: timing helpers (warm up, run for a while, report rates), and Keyway
 * started as a process on an engine made for the run, with servers of the benchmark's own beside it.
 */
import { type ChildProcess, fork as forkProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

export interface Measure {
  name: string;
  ops: number;
  opsPerSec: number;
  /** mean microseconds per operation */
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

/**
 * Runs `fn` for about `ms` milliseconds after `warmup` calls; `fn(i, input)` gets a call counter
 * and, if `prepare` is given, what it made before the clock started for that call.
 */
export async function measure<T = undefined>(
  name: string,
  fn: (i: number, input: T) => unknown,
  {
    ms = 2000,
    warmup = 200,
    maxOps = Infinity,
    prepare,
  }: { ms?: number; warmup?: number; maxOps?: number; prepare?: () => T } = {},
): Promise<Measure> {
  for (let i = 0; i < warmup; i++) await fn(i, prepare?.() as T);
  const samples: number[] = [];
  let i = warmup;
  let total = 0;
  while (total < ms && samples.length < maxOps) {
    const input = prepare?.() as T;
    const t0 = performance.now();
    await fn(i++, input);
    const took = performance.now() - t0;
    samples.push(took);
    total += took;
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] * 1000;
  return {
    name,
    ops: samples.length,
    opsPerSec: samples.length / (total / 1000),
    meanUs: (total * 1000) / samples.length,
    p50Us: pct(0.5),
    p99Us: pct(0.99),
  };
}

export function table(rows: Measure[]): string {
  const head = ['benchmark', 'ops', 'ops/s', 'mean µs', 'p50 µs', 'p99 µs'];
  const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const body = rows.map((r) => [r.name, String(r.ops), num(r.opsPerSec, 0), num(r.meanUs), num(r.p50Us), num(r.p99Us)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * Times a synchronous `fn` call by call (no await in the clock), cycling through `inputs`, for
 * about `ms` milliseconds after one warm-up pass.
 */
export function measureSync<T>(
  name: string,
  inputs: readonly T[],
  fn: (input: T) => unknown,
  { ms = 2000, maxOps = Infinity } = {},
): Measure {
  for (const input of inputs) fn(input);
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; total < ms && samples.length < maxOps; i++) {
    const input = inputs[i % inputs.length];
    const t0 = performance.now();
    fn(input);
    const took = performance.now() - t0;
    samples.push(took);
    total += took;
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] * 1000;
  return {
    name,
    ops: samples.length,
    opsPerSec: samples.length / (total / 1000),
    meanUs: (total * 1000) / samples.length,
    p50Us: pct(0.5),
    p99Us: pct(0.99),
  };
}

// ---------------------------------------------------------------------------------------------
// Keyway as `npm start` runs it (`node dist/main.js` on loopback), on an engine made for the run

const ROOT = join(fileURLToPath(import.meta.url), '../..');

/** Child processes a benchmark started: killed if it exits, or is stopped, before stopping them. */
const running = new Set<ChildProcess>();
/** What a stopped benchmark still has to undo (drop its database, remove its directory). */
const undo = new Set<() => Promise<void>>();
let trapped = false;

function trapSignals(): void {
  if (trapped) return;
  trapped = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      console.error(`${signal}: stopping the servers and removing what the run made`);
      for (const child of running) child.kill('SIGTERM');
      await Promise.allSettled([...undo].map((fn) => fn()));
      process.exit(130);
    });
  }
}

/** Kills `child` with this process, whichever way it ends. */
export function track(child: ChildProcess): ChildProcess {
  trapSignals();
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** One GraphQL request over HTTP; throws on GraphQL errors. */
export async function post(port: number, token: string | undefined, query: string, variables: object = {}) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const out = (await res.json()) as { data?: any; errors?: unknown[] };
  if (out.errors) throw new Error(JSON.stringify(out.errors));
  return out.data;
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready in 60 s');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export interface Engine {
  name: 'pglite' | 'postgres';
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/** Runs `fn` once, now or when the benchmark is stopped, whichever comes first. */
function undoable(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    undo.delete(once);
    done ??= fn();
    return done;
  };
  trapSignals();
  undo.add(once);
  return once;
}

export async function pgliteEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  return {
    name: 'pglite',
    env: { KEYWAY_DATA_DIR: dir },
    cleanup: undoable(async () => rmSync(dir, { recursive: true, force: true })),
  };
}

/** A database made on the server at `url` for the run, dropped by `cleanup`. */
export async function postgresEngine(url: string): Promise<Engine> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `keyway_bench_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  return {
    name: 'postgres',
    env: { DATABASE_URL: own.toString(), KEYWAY_DATA_DIR: dir },
    cleanup: undoable(async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

/**
 * `node dist/main.js` on `engine`, on a free loopback port, with `adminToken` and the per-caller
 * rate limit lifted (one caller sends every request: its rate is not what is measured).
 * BENCH_CPU_PROF=dir: Keyway writes a CPU profile there when it stops.
 */
export async function startKeyway(
  engine: Engine,
  adminToken: string,
  env: Record<string, string> = {},
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = track(
    spawn(process.execPath, [...profile, join(ROOT, 'dist/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        KEYWAY_ADMIN_TOKEN: adminToken,
        KEYWAY_LOG_LEVEL: 'warn',
        KEYWAY_SHUTDOWN_DELAY: '0s',
        // as deployed (the Dockerfile sets it): graphql-js skips its development-only checks
        NODE_ENV: 'production',
        KEYWAY_RATE_LIMIT: '1000000',
        KEYWAY_RATE_BURST: '1000000',
        ...engine.env,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  try {
    await waitReady(port, child);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { port, child };
}

/**
 * Forks `script` with `mode` as its argument, sends it `payload`, and waits for the port it
 * answers (a server process of the benchmark's own, as `serveForked` runs it).
 */
export async function fork(
  script: string,
  mode: string,
  payload: unknown,
): Promise<{ port: number; child: ChildProcess }> {
  const child = track(
    forkProcess(script, [mode], {
      execArgv: process.execArgv,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    }),
  );
  const ready = new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
  child.send(payload as never);
  const { port } = await ready;
  return { port, child };
}

/** In a forked process: gets its payload, serves `handler` on loopback, reports the port. */
export async function serveForked<T>(handler: (payload: T) => Promise<RequestListener> | RequestListener) {
  const payload = await new Promise<T>((resolve) => process.once('message', (m) => resolve(m as T)));
  const http = createServer(await handler(payload));
  http.listen(0, '127.0.0.1', () => process.send!({ port: (http.address() as { port: number }).port }));
  process.on('message', (m) => m === 'exit' && process.exit(0));
  // the benchmark failed or was stopped: do not outlive it
  process.on('disconnect', () => process.exit(0));
}

/** Stops a process `fork` started. */
export async function stopForked(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('exit');
  await exited;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Rows of cells as aligned text, a rule under the head. */
export function grid(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
