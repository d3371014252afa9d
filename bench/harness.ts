/** Small timing helpers shared by the benchmarks: warm up, run for a while, report rates. */
import { performance } from 'node:perf_hooks';

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
