/**
 * npm run bench:start — how long `npm start` (`node dist/main.js`) takes to answer /readyz 200 on
 * embedded PGlite: on a fresh data directory (migrations, keys, bootstrap policy), then restarted
 * on that directory, BENCH_RUNS times each (default 3); the median and the slowest. As a baseline in
 * the same run, the time a bare `node -e` takes to start and exit (what no server can beat).
 * Targets (issue 12): ≤ 2 s on an existing data directory, ≤ 5 s on a fresh one. Last line JSON.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = join(fileURLToPath(import.meta.url), '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** This process's environment with `env` over it, and no DATABASE_URL: the embedded engine. */
function embedded(env: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

/** Milliseconds from spawning the server to its first /readyz 200; the server is stopped after. */
async function timeToReady(dataDir: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js')], {
    cwd: ROOT,
    env: embedded({ PORT: String(port), KEYWAY_DATA_DIR: dataDir, KEYWAY_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`keyway exited with ${child.exitCode} before it was ready`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) return performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const node = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  node.push(performance.now() - t0);
}
const fresh: number[] = [];
const existing: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-start-'));
  try {
    fresh.push(await timeToReady(dir));
    existing.push(await timeToReady(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const result = {
  nodeMs: Math.round(median(node)),
  freshMs: Math.round(median(fresh)),
  freshMaxMs: Math.round(Math.max(...fresh)),
  existingMs: Math.round(median(existing)),
  existingMaxMs: Math.round(Math.max(...existing)),
};
const met = { fresh: result.freshMs <= 5000, existing: result.existingMs <= 2000 };
console.log(`bare node start and exit:          ${result.nodeMs} ms`);
console.log(
  `fresh data directory to /readyz:   ${result.freshMs} ms (slowest ${result.freshMaxMs}) — ` +
    `target ≤ 5000: ${met.fresh ? 'met' : 'NOT met'}`,
);
console.log(
  `existing data directory to /readyz: ${result.existingMs} ms (slowest ${result.existingMaxMs}) — ` +
    `target ≤ 2000: ${met.existing ? 'met' : 'NOT met'}`,
);
console.log(JSON.stringify({ bench: 'start', runs: RUNS, ...result, met }));
