/**
 * The database failing under a running Keyway process: its backends terminated under load (the
 * LISTEN connection and connections held by open transactions among them), and the server out of
 * reach for seconds (through a TCP proxy the test cuts). The process must live, answer every
 * request meanwhile (INTERNAL is fine, a hang is not), report itself unready while the database
 * is away, and serve reads and writes again, its change-log follower included, once it is back.
 * The shared PostgreSQL server itself is never stopped: only this test's own backends are.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { withEmptyDatabase } from '../helpers/emptyDatabase.js';
import { ROOT, startKeyway, type KeywayProcess } from '../helpers/process.js';
import { startTcpProxy } from '../helpers/tcpProxy.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL;
/** A request that takes longer than this counts as hung. */
const HUNG_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Keyway extends KeywayProcess {
  token: string;
}

/** `npm start` on that database, resolved once it serves. */
async function startOn(databaseUrl: string): Promise<Keyway> {
  const token = `fault-${randomBytes(12).toString('hex')}`;
  const k = await startKeyway({
    KEYWAY_ADMIN_TOKEN: token,
    KEYWAY_DATA_DIR: await mkdtemp(join(tmpdir(), 'keyway-fault-')),
    DATABASE_URL: databaseUrl,
  });
  return { ...k, token };
}

/** SIGTERM, before the database is dropped under it. */
const stop = (k: Keyway) => k.stop();
const alive = (k: Keyway) => k.alive();

/** Why the process ended, with the end of what it wrote (the crash, if it crashed). */
function death(k: Keyway): string {
  return `keyway exited (code ${k.child.exitCode}, signal ${k.child.signalCode}):\n${k.output().slice(-2000)}`;
}

interface Answer {
  ms: number;
  data?: any;
  extensions?: Record<string, any>;
  codes: string[];
  /** No HTTP answer at all: connection refused or reset, or HUNG_MS passed. */
  failure?: string;
}

async function gql(k: Keyway, query: string, token = k.token): Promise<Answer> {
  const t0 = Date.now();
  try {
    const res = await fetch(`http://127.0.0.1:${k.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(HUNG_MS),
    });
    const body = (await res.json()) as {
      data?: any;
      extensions?: Record<string, any>;
      errors?: { extensions?: { code?: string } }[];
    };
    const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? '?');
    return { ms: Date.now() - t0, data: body.data, extensions: body.extensions, codes };
  } catch (err) {
    return { ms: Date.now() - t0, codes: [], failure: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

async function status(k: Keyway, path: string): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${k.port}${path}`, { signal: AbortSignal.timeout(HUNG_MS) })).status;
  } catch {
    return 0;
  }
}

/** Polls until `check` holds; returns how long that took, or throws after `timeoutMs`. */
async function within(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
  return Date.now() - t0;
}

interface LoadReport {
  requests: number;
  ok: number;
  codes: Record<string, number>;
  failures: string[];
  maxMs: number;
  /** Secrets whose create was acknowledged: each must be there once the database is back. */
  acknowledged: string[];
  /** Reads answered while marked stale (from memory, the database away). */
  stale: number;
}

/** Workers sending reads and creates back to back until stopped. */
function startLoad(k: Keyway, workers: number) {
  const report: LoadReport = { requests: 0, ok: 0, codes: {}, failures: [], maxMs: 0, acknowledged: [], stale: 0 };
  let stopped = false;
  let n = 0;
  const worker = async () => {
    while (!stopped) {
      const i = n++;
      const answer = await gql(
        k,
        i % 2
          ? `mutation { createSecret(namespace: "default", input: { metadata: { name: "load-${i}" }, stringData: ` +
              `{ k: "v" } }) { metadata { name } } }`
          : '{ namespaces { totalCount } secrets(namespace: "default", first: 5) { totalCount } }',
      );
      report.requests++;
      report.maxMs = Math.max(report.maxMs, answer.ms);
      if (answer.failure) report.failures.push(answer.failure);
      else if (answer.codes.length === 0) {
        report.ok++;
        if (i % 2) report.acknowledged.push(`load-${i}`);
        else if (answer.extensions?.stale) report.stale++;
      }
      for (const code of answer.codes) report.codes[code] = (report.codes[code] ?? 0) + 1;
      // a dead process refuses at once: do not spin
      if (answer.failure) await sleep(50);
    }
  };
  const all = Array.from({ length: workers }, worker);
  return {
    async stop(): Promise<LoadReport> {
      stopped = true;
      await Promise.all(all);
      return report;
    },
  };
}

/**
 * After the fault: reads and writes succeed; a write made now shows in a list; and what only the
 * change-log follower knows works, so it follows again: a ServiceAccount created now authenticates
 * its token (the credential index learns it from the log), and a write hears its own NOTIFY (it
 * answers in well under the 1 s `heard()` waits for an echo that does not come).
 */
async function expectRecovered(k: Keyway, tag: string): Promise<number> {
  const readMs = await within(5000, 'a read succeeds again', async () => {
    const a = await gql(k, '{ namespaces { totalCount } }');
    return a.codes.length === 0 && a.data?.namespaces?.totalCount === 4;
  });
  await within(5000, 'a write succeeds again', async () => {
    const created = await gql(
      k,
      `mutation { createSecret(namespace: "default", input: { metadata: { name: "${tag}" }, stringData: ` +
        `{ k: "v" } }) { metadata { name } } }`,
    );
    // a retried create may find the first attempt committed after all
    return created.codes.length === 0 || created.codes.every((c) => c === 'ALREADY_EXISTS');
  });
  const listed = await gql(
    k,
    '{ secrets(namespace: "default", first: 1000) { edges { node { metadata { name } } } } }',
  );
  expect(listed.codes).toEqual([]);
  expect(listed.data.secrets.edges.map((e: any) => e.node.metadata.name)).toContain(tag);

  const account = await gql(
    k,
    `mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "${tag}" ` +
      `} }) { metadata { name } } }`,
  );
  expect(account.codes).toEqual([]);
  const minted = await gql(k, `mutation { createServiceAccountToken(namespace: "default", name: "${tag}") { token } }`);
  expect(minted.codes).toEqual([]);
  const me = await gql(k, '{ whoami { username } }', minted.data.createServiceAccountToken.token);
  expect(me.data?.whoami?.username).toBe(`system:serviceaccount:default:${tag}`);

  const echoes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const write = await gql(
      k,
      `mutation { createSecret(namespace: "default", input: { metadata: { name: "${tag}-echo-${i}" ` +
        `} }) { metadata { name } } }`,
    );
    expect(write.codes).toEqual([]);
    echoes.push(write.ms);
  }
  expect(Math.min(...echoes)).toBeLessThan(800);
  return readMs;
}

/**
 * During the fault: every request answered, none hung, none refused; what failed failed as
 * UNAVAILABLE (to be tried again), never INTERNAL.
 */
function expectAnswered(report: LoadReport): void {
  expect(report.failures).toEqual([]);
  expect(report.maxMs).toBeLessThan(HUNG_MS);
  expect(Object.keys(report.codes).filter((code) => code !== 'UNAVAILABLE')).toEqual([]);
}

/** Once the database is back: every write acknowledged during the fault is there. */
async function expectAcknowledgedKept(k: Keyway, report: LoadReport): Promise<void> {
  const listed = await gql(
    k,
    '{ secrets(namespace: "default", first: 1000) { edges { node { metadata { name } } } } }',
  );
  const names = new Set(listed.data.secrets.edges.map((e: any) => e.node.metadata.name));
  expect(report.acknowledged.length).toBeGreaterThan(0);
  expect(report.acknowledged.filter((name) => !names.has(name))).toEqual([]);
}

it('carries the postgres.js patch in both builds Node may load (npm ci applies patches/ on postinstall)', async () => {
  for (const build of ['src', 'cjs/src']) {
    const source = await readFile(join(ROOT, 'node_modules/postgres', build, 'connection.js'), 'utf8');
    expect(
      source.includes('function closedWrite()'),
      `node_modules/postgres/${build}/connection.js is unpatched: run npm ci (with scripts)`,
    ).toBe(true);
  }
});

describe.skipIf(!ADMIN_URL)(
  'PostgreSQL failing under a running process (PostgreSQL only: set TEST_DATABASE_URL)',
  () => {
    it('lives through its backends terminated under load, transactions and LISTEN included, and recovers', async () => {
      await withEmptyDatabase(async (url) => {
        const k = await startOn(url.toString());
        const datname = url.pathname.slice(1);
        const admin = postgres(ADMIN_URL!, { max: 1, onnotice: () => {} });
        const killed = { rounds: 0, backends: 0, inTransaction: 0, listen: 0 };
        try {
          const load = startLoad(k, 8);
          for (let round = 0; round < 8 && alive(k); round++) {
            // Every backend of this database at once, at a moment one of them is inside a
            // transaction when there is one within 400 ms: in one statement, so the states it
            // returns are the ones terminated.
            const deadline = Date.now() + 400;
            let victims: { state: string | null; query: string }[] = [];
            do {
              victims = await admin<{ state: string | null; query: string }[]>`
              select state, left(query, 60) as query, pg_terminate_backend(pid)
              from pg_stat_activity
              where datname = ${datname} and backend_type = 'client backend' and pid <> pg_backend_pid()
                and (${Date.now() >= deadline} or exists (
                  select 1 from pg_stat_activity where datname = ${datname} and state = 'idle in transaction'))`;
            } while (victims.length === 0 && Date.now() < deadline);
            killed.rounds++;
            killed.backends += victims.length;
            if (victims.some((v) => v.state === 'idle in transaction')) killed.inTransaction++;
            if (victims.some((v) => /^listen /i.test(v.query))) killed.listen++;
            await sleep(200);
          }
          const during = await load.stop();
          if (!alive(k)) throw new Error(death(k));
          // A signing-key NOTIFY reaching the LISTEN connection while the pool's backends die: the
          // key ring's reload fails, and must not take the process with it.
          const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
          try {
            for (let round = 0; round < 3 && alive(k); round++) {
              await db.begin(async (tx) => {
                await tx`select pg_notify('keyway_signing_keys', '')`;
                await tx`
                select pg_terminate_backend(pid) from pg_stat_activity
                where datname = ${datname} and backend_type = 'client backend' and pid <> pg_backend_pid()
                  and query not ilike 'listen %'`;
              });
              await sleep(300);
            }
          } finally {
            await db.end();
          }
          if (!alive(k)) throw new Error(death(k));
          expect(killed.inTransaction).toBeGreaterThan(0);
          expect(killed.listen).toBeGreaterThan(0);
          expectAnswered(during);
          expect(await status(k, '/healthz')).toBe(200);
          const readMs = await expectRecovered(k, 'after-terminations');
          await expectAcknowledgedKept(k, during);
          // LISTEN was re-established
          const [{ listening }] = await admin`
          select count(*)::int as listening from pg_stat_activity
          where datname = ${datname} and query ilike 'listen %'`;
          expect(listening).toBeGreaterThan(0);
          expect(alive(k), death(k)).toBe(true);
          console.log(
            `terminations: ${JSON.stringify(killed)}; first read ${readMs} ms after; load ${JSON.stringify(during)}`,
          );
        } finally {
          await admin.end();
          await stop(k);
        }
      });
    }, 60_000);

    it('answers /readyz 503 while PostgreSQL is out of reach, stays alive, and serves again when it ' +
      'is back', async () => {
      await withEmptyDatabase(async (url) => {
        const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        try {
          const through = new URL(url);
          through.hostname = '127.0.0.1';
          through.port = String(proxy.port);
          const k = await startOn(through.toString());
          try {
            expect(await status(k, '/readyz')).toBe(200);
            const load = startLoad(k, 4);
            await sleep(300);

            const cutAt = Date.now();
            await proxy.cut();
            const unreadyMs = await within(
              4000,
              '/readyz 503 after the cut',
              async () => (await status(k, '/readyz')) === 503,
            );
            expect(await status(k, '/healthz')).toBe(200);
            // out of reach for 3.5 s in all, the process answering throughout
            while (Date.now() - cutAt < 3500) {
              expect(alive(k), death(k)).toBe(true);
              expect(await status(k, '/healthz')).toBe(200);
              expect(await status(k, '/readyz')).toBe(503);
              await sleep(250);
            }
            // meanwhile reads are answered from memory, marked stale, and writes fail fast
            const read = await gql(k, '{ namespaces { totalCount } }');
            expect(read.data, JSON.stringify(read)).toEqual({ namespaces: { totalCount: 4 } });
            expect(read.extensions?.stale).toMatchObject({
              since: expect.any(String),
              resourceVersion: expect.any(String),
            });
            const write = await gql(k, 'mutation { createNamespace(input: { metadata: { name: "during" } }) { id } }');
            expect(write.codes).toEqual(['UNAVAILABLE']);
            expect(write.ms).toBeLessThan(6000);

            await proxy.restore();
            const readyMs = await within(
              5000,
              '/readyz 200 after the restore',
              async () => (await status(k, '/readyz')) === 200,
            );
            const during = await load.stop();
            if (!alive(k)) throw new Error(death(k));
            expectAnswered(during);
            expect(during.stale).toBeGreaterThan(0);
            const readMs = await expectRecovered(k, 'after-outage');
            await expectAcknowledgedKept(k, during);
            // recovered well within 10 s of the database coming back
            expect(readyMs).toBeLessThan(10_000);
            expect(alive(k), death(k)).toBe(true);
            console.log(
              `outage: /readyz 503 ${unreadyMs} ms after the cut, 200 ${readyMs} ms after the restore, then ` +
                `a read in ${readMs} ms; load ${JSON.stringify(during)}`,
            );
          } finally {
            await stop(k);
          }
        } finally {
          await proxy.close();
        }
      });
    }, 60_000);
  },
);
