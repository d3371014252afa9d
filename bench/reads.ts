/**
 * npm run bench:reads — reads served from the watch cache, against bare graphql-yoga, in one run:
 *   - Keyway as `npm start` runs it (`node dist/main.js`, its own process, HTTP on loopback), on
 *     PGlite (a data directory, the default engine) and, with BENCH_DATABASE_URL, on PostgreSQL
 *     (a database made for the run and dropped after);
 *   - bare graphql-yoga in its own process, serving the same response shape from plain objects in
 *     memory (the Pods and ServiceAccounts Keyway returned, a resolver per nested field);
 *   - both loaded by autocannon from this process in alternating rounds, on two requests: a list of
 *     100 Pods with each Pod's ServiceAccount nested, and a list of 10 Pods with the same fields.
 *     Keyway is asked with a ServiceAccount token its RBAC allows (a Role with list pods and get
 *     serviceaccounts), as a real client would be;
 *   - memory: the JS heap a Keyway App holds for 100,000 stored Pods (the heap after start with
 *     them, less the heap after start with none), on each engine.
 * Prints a table, the ratios, then one JSON line. Settings: BENCH_DATABASE_URL, BENCH_ROUNDS (3),
 * BENCH_ROUND_SECONDS (4), BENCH_MEMORY_OBJECTS (100000), BENCH_ONLY (100 or 10), BENCH_CPU_PROF (a dir).
 * Targets: the 100-Pod list ≥ 0.5× bare yoga, the 10-Pod list ≥ 0.7×, on both engines.
 */
import { type ChildProcess, fork as forkProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { createSchema, createYoga } from 'graphql-yoga';
import { App } from '../src/app.js';
import { adminUser } from '../src/authn/static.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { objects } from '../src/db/schema.js';
import { createLogger } from '../src/log.js';
import { resolveEncryptionKeys } from '../src/encryption/keys.js';
import type { EncryptionKey } from '../src/encryption/envelope.js';
import {
  type Engine,
  fork,
  grid,
  median,
  pgliteEngine,
  post,
  postgresEngine,
  serveForked,
  startKeyway,
  stop,
  stopForked,
} from './harness.js';

const SELF = fileURLToPath(import.meta.url);
const ADMIN = `bench-admin-${randomBytes(12).toString('hex')}`;
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 8;
const MEMORY_OBJECTS = Number(process.env.BENCH_MEMORY_OBJECTS ?? 100_000);
/** `100` or `10`: time only that list (with BENCH_CPU_PROF, to profile one request). */
const ONLY = process.env.BENCH_ONLY;

const QUERY = `query ($ns: String!, $first: Int!) {
  pods(namespace: $ns, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id
      metadata { name namespace uid resourceVersion creationTimestamp labels }
      spec { serviceAccountName nodeName containers { name image } }
      serviceAccount { id metadata { name uid } automountServiceAccountToken }
    } }
  }
}`;

const REQUESTS = [
  { name: '100-Pod list, ServiceAccount nested', ns: 'big', first: 100, target: 0.5 },
  { name: '10-Pod list, ServiceAccount nested', ns: 'small', first: 10, target: 0.7 },
] as const;

interface PodsPage {
  pods: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { spec: { serviceAccountName: string }; serviceAccount: unknown } }[];
  };
}

// ---------------------------------------------------------------------------------------------
// Keyway, as `npm start` runs it

/** Two namespaces (100 and 10 Pods over 10 ServiceAccounts), a reader's Role, and its token. */
async function seed(port: number): Promise<string> {
  const m = (query: string, variables: object = {}) => post(port, ADMIN, query, variables);
  for (const [ns, pods] of [
    ['big', 100],
    ['small', 10],
  ] as const) {
    await m(`mutation ($ns: String!) { createNamespace(input: { metadata: { name: $ns } }) { id } }`, { ns });
    for (let s = 0; s < 10; s++) {
      await m(
        `mutation ($ns: String!, $name: String!) { createServiceAccount(namespace: $ns, input: ` +
          `{ metadata: { name: $name, labels: { team: "t${s}" } } }) { id } }`,
        { ns, name: `sa-${s}` },
      );
    }
    for (let p = 0; p < pods; p++) {
      await m(
        `mutation ($ns: String!, $name: String!, $sa: String!) { createPod(namespace: $ns, input: { metadata: ` +
          `{ name: $name, labels: { app: "web", shard: "${p % 4}" } }, spec: { serviceAccountName: $sa, ` +
          `nodeName: "node-1", containers: [{ name: "app", image: "nginx:1.27" }, ` +
          `{ name: "sidecar", image: "envoy:1.30" }] } }) { id } }`,
        { ns, name: `pod-${String(p).padStart(3, '0')}`, sa: `sa-${p % 10}` },
      );
    }
  }
  await m(`mutation { createServiceAccount(namespace: "big", input: { metadata: { name: "reader" } }) { id } }`);
  await m(`mutation { createClusterRole(input: { metadata: { name: "bench-reader" }, rules: [
    { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
    { verbs: ["get"], apiGroups: [""], resources: ["serviceaccounts"] } ] }) { id } }`);
  for (const ns of ['big', 'small']) {
    await m(
      `mutation ($ns: String!) { createRoleBinding(namespace: $ns, input: { metadata: { name: "reader" },
      roleRef: { kind: "ClusterRole", name: "bench-reader" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "big" }] }) { id } }`,
      { ns },
    );
  }
  const issued = await m(
    `mutation { createServiceAccountToken(namespace: "big", name: "reader", input: ` +
      `{ expirationSeconds: 86400 }) { token } }`,
  );
  return issued.createServiceAccountToken.token;
}

// ---------------------------------------------------------------------------------------------
// Bare graphql-yoga: the same shape from plain objects in memory

const BARE_TYPE_DEFS = /* GraphQL */ `
  scalar StringMap
  type Query { pods(namespace: String!, first: Int): PodConnection }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type PodConnection { totalCount: Int! pageInfo: PageInfo! edges: [PodEdge!]! }
  type PodEdge { cursor: String! node: Pod! }
  type ObjectMeta {
    name: String! namespace: String uid: String! resourceVersion: String! creationTimestamp: String!
    labels: StringMap!
  }
  type Container { name: String! image: String }
  type PodSpec { serviceAccountName: String nodeName: String containers: [Container!]! }
  type Pod { id: ID! metadata: ObjectMeta! spec: PodSpec! serviceAccount: ServiceAccount }
  type ServiceAccount { id: ID! metadata: ObjectMeta! automountServiceAccountToken: Boolean }
`;

/** The bare server's process: it gets the Pods (and their accounts) Keyway served, and serves them. */
function serveBare(): Promise<void> {
  return serveForked(({ pods, accounts }: { pods: Record<string, any[]>; accounts: Record<string, any> }) => {
    const accountsByKey = new Map(Object.entries(accounts));
    return createYoga({
      schema: createSchema({
        typeDefs: BARE_TYPE_DEFS,
        resolvers: {
          Query: {
            pods: (_: unknown, args: { namespace: string; first?: number }) => {
              const all = pods[args.namespace] ?? [];
              const page = all.slice(0, args.first ?? 100);
              return {
                totalCount: all.length,
                pageInfo: { hasNextPage: page.length < all.length, endCursor: page.at(-1)?.cursor ?? null },
                edges: page.map((p) => ({ cursor: p.cursor, node: p })),
              };
            },
          },
          Pod: {
            serviceAccount: (pod: any) =>
              accountsByKey.get(`${pod.metadata.namespace}/${pod.spec.serviceAccountName}`) ?? null,
          },
        },
      }),
      logging: false,
      graphiql: false,
    });
  });
}

async function startBare(keywayPort: number, token: string): Promise<{ port: number; child: ChildProcess }> {
  const pods: Record<string, any[]> = {};
  const accounts: Record<string, any> = {};
  for (const { ns } of REQUESTS) {
    const data = (await post(keywayPort, token, QUERY, { ns, first: 1000 })) as PodsPage;
    pods[ns] = data.pods.edges.map((e) => ({ cursor: e.cursor, ...e.node, serviceAccount: undefined }));
    for (const e of data.pods.edges) accounts[`${ns}/${e.node.spec.serviceAccountName}`] = e.node.serviceAccount;
  }
  return fork(SELF, 'bare', { pods, accounts });
}

// ---------------------------------------------------------------------------------------------
// Load

async function load(port: number, token: string | undefined, ns: string, first: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/graphql`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: ROUND_SECONDS,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: QUERY, variables: { ns, first } }),
  });
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(`load on ${port}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result.requests.average;
}

/** Checks both servers give the same answer before timing them (the shape, and the data). */
async function sameAnswer(keyway: number, bare: number, token: string, ns: string, first: number) {
  const a = (await post(keyway, token, QUERY, { ns, first })) as PodsPage;
  const b = (await post(bare, undefined, QUERY, { ns, first })) as PodsPage;
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the servers disagree on ${ns}/${first}`);
  if (a.pods.edges.length !== first || a.pods.edges.some((e) => !e.node.serviceAccount)) {
    throw new Error(`short or unnested page on ${ns}`);
  }
}

interface ReadResult {
  engine: string;
  request: string;
  keywayRps: number;
  bareRps: number;
  ratio: number;
  target: number;
}

async function readsOn(engine: Engine): Promise<ReadResult[]> {
  const keyway = await startKeyway(engine, ADMIN);
  let bare: { port: number; child: ChildProcess } | undefined;
  try {
    const token = await seed(keyway.port);
    bare = await startBare(keyway.port, token);
    const out: ReadResult[] = [];
    for (const r of REQUESTS.filter((q) => !ONLY || String(q.first) === ONLY)) {
      await sameAnswer(keyway.port, bare.port, token, r.ns, r.first);
      // warm both (JIT, caches), then alternate which goes first
      await load(keyway.port, token, r.ns, r.first);
      await load(bare.port, undefined, r.ns, r.first);
      const k: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        if (i % 2 === 0) {
          b.push(await load(bare.port, undefined, r.ns, r.first));
          k.push(await load(keyway.port, token, r.ns, r.first));
        } else {
          k.push(await load(keyway.port, token, r.ns, r.first));
          b.push(await load(bare.port, undefined, r.ns, r.first));
        }
      }
      const keywayRps = median(k);
      const bareRps = median(b);
      out.push({
        engine: engine.name,
        request: r.name,
        keywayRps,
        bareRps,
        ratio: keywayRps / bareRps,
        target: r.target,
      });
      console.error(`  ${engine.name}: ${r.name}: keyway ${k.join(', ')} req/s; bare ${b.join(', ')} req/s`);
    }
    return out;
  } finally {
    if (bare) await stopForked(bare.child);
    await stop(keyway.child);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory: the heap an App holds for 100,000 stored Pods

const gc = () => {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc!();
};

/** An App on the bench's database, controllers off (nothing but reads to measure). */
function benchApp(database: Database, encryptionKeys: EncryptionKey[]): Promise<App> {
  return App.create({ database, log: createLogger('silent'), adminToken: ADMIN, encryptionKeys, controllers: false });
}

async function appHeap(database: Database, encryptionKeys: EncryptionKey[]): Promise<number> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const app = await benchApp(database, encryptionKeys);
  await app.start();
  gc();
  const held = process.memoryUsage().heapUsed - before;
  await app.stop();
  return held;
}

/** In a process of its own (with --expose-gc): one engine, an App on no Pods, then on 100,000. */
async function measureMemory(engineName: string, dataDir: string, url: string | undefined): Promise<void> {
  const database = await openDatabase(url ? { engine: 'postgres', url } : { engine: 'pglite' });
  await database.migrate();
  // the keys the Keyway processes generated in the engine's data directory (its database holds
  // signing keys sealed with them)
  const { keys: encryptionKeys } = await resolveEncryptionKeys(undefined, dataDir, false);
  const empty = await appHeap(database, encryptionKeys);

  // 100 namespaces of 1,000 Pods, each a copy of a Pod that went through admission
  const app = await benchApp(database, encryptionKeys);
  await app.start();
  const options = { user: adminUser() };
  await app.registry.create('Namespace', '', { metadata: { name: 'model' } }, options);
  await app.registry.create('ServiceAccount', 'model', { metadata: { name: 'default' } } as never, options);
  const model = await app.registry.create(
    'Pod',
    'model',
    {
      metadata: { name: 'model', labels: { app: 'web', tier: 'frontend' } },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27' },
          { name: 'sidecar', image: 'envoy:1.30' },
        ],
      },
    } as never,
    options,
  );
  await app.stop();
  const { metadata, ...rest } = model as unknown as { metadata: Record<string, unknown> } & Record<string, unknown>;
  const body = { ...rest };
  delete (body as { kind?: unknown }).kind;
  delete (body as { apiVersion?: unknown }).apiVersion;
  let rows: object[] = [];
  const flush = async () => {
    if (rows.length) await database.db.insert(objects).values(rows as never);
    rows = [];
  };
  for (let i = 0; i < MEMORY_OBJECTS; i++) {
    rows.push({
      kind: 'Pod',
      namespace: `ns-${Math.floor(i / 1000)}`,
      name: `pod-${i}`,
      uid: sql`gen_random_uuid()`,
      resourceVersion: sql`nextval('resource_version_seq')`,
      generation: 1,
      creationTimestamp: new Date(),
      labels: { ...(metadata.labels as object), shard: String(i % 16) },
      annotations: {},
      body,
    });
    if (rows.length === 1000) await flush();
  }
  await flush();
  const loaded = await appHeap(database, encryptionKeys);
  await database.close();
  process.send!({ engine: engineName, emptyBytes: empty, perObjectsBytes: loaded - empty, objects: MEMORY_OBJECTS });
}

interface MemoryResult {
  engine: string;
  emptyBytes: number;
  perObjectsBytes: number;
  objects: number;
}

async function memoryOn(engine: Engine): Promise<MemoryResult> {
  const child = forkProcess(SELF, ['memory', engine.name, engine.env.KEYWAY_DATA_DIR, engine.env.DATABASE_URL ?? ''], {
    execArgv: [...process.execArgv, '--expose-gc', '--max-old-space-size=8192'],
    stdio: 'inherit',
  });
  const result = new Promise<MemoryResult>((resolve, reject) => {
    child.once('message', (m) => resolve(m as MemoryResult));
    child.once('exit', (code) => reject(new Error(`memory run exited with ${code}`)));
  });
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  const makers: (() => Promise<Engine>)[] = [pgliteEngine];
  if (url) makers.push(() => postgresEngine(url));
  else console.error('BENCH_DATABASE_URL is not set: PGlite only');

  const reads: ReadResult[] = [];
  const memory: MemoryResult[] = [];
  for (const make of makers) {
    const engine = await make();
    try {
      console.error(`${engine.name}: reads`);
      reads.push(...(await readsOn(engine)));
    } finally {
      await engine.cleanup();
    }
    const fresh = await make();
    try {
      console.error(`${fresh.name}: memory for ${MEMORY_OBJECTS} Pods`);
      memory.push(await memoryOn(fresh));
    } finally {
      await fresh.cleanup();
    }
  }

  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const rows = reads.map((r) => [
    r.engine,
    r.request,
    r.keywayRps.toFixed(0),
    r.bareRps.toFixed(0),
    `${r.ratio.toFixed(2)}×`,
    `≥ ${r.target}×`,
    r.ratio >= r.target ? 'met' : 'NOT met',
  ]);
  console.log(grid(['engine', 'request', 'keyway req/s', 'bare yoga req/s', 'ratio', 'target', ''], rows));
  console.log();
  for (const m of memory) {
    console.log(
      `${m.engine}: an App holds ${mb(m.perObjectsBytes)} of heap for ${m.objects} stored Pods ` +
        `(${(m.perObjectsBytes / m.objects).toFixed(0)} bytes each), and ${mb(m.emptyBytes)} with none`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'reads',
      connections: CONNECTIONS,
      roundSeconds: ROUND_SECONDS,
      rounds: ROUNDS,
      reads: reads.map((r) => ({ ...r, keywayRps: Math.round(r.keywayRps), bareRps: Math.round(r.bareRps) })),
      memory,
      met: reads.every((r) => r.ratio >= r.target),
    }),
  );
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'bare') await serveBare();
else if (mode === 'memory') await measureMemory(args[0], args[1], args[2] || undefined);
else await main();
