/**
 * npm run bench:api — the whole API over HTTP, against bare graphql-yoga and pgbench, in one run:
 *   - Keyway as `npm start` runs it (`node dist/main.js`, its own process, HTTP on loopback), on
 *     PGlite (a data directory) and on PostgreSQL (BENCH_DATABASE_URL: a database made for the run
 *     and dropped after), asked as the admin (a static token in `system:masters`);
 *   - bare graphql-yoga in its own process, answering the same operations with the same response
 *     shapes from memory: the whoami and the Pods Keyway answered, creates built in memory and kept
 *     in a Map, tokens signed (ES256) and verified with jose, as Keyway must;
 *   - both loaded by autocannon from this process (BENCH_CONNECTIONS, 16) in alternating rounds on:
 *     a whoami, a 100-Pod list, a Secret create, a Pod create (a unique name per request), a token
 *     issuance and a TokenReview of a token issued before; every response is checked (HTTP 2xx and
 *     no GraphQL `errors`), and a scenario with more than 1 % failures fails the run;
 *   - on PostgreSQL, when `pgbench` is on the PATH: single-row inserts of a Secret-sized jsonb into
 *     a scratch table of the same database, with as many clients, for the writes to compare with.
 * Prints a table, the targets, then one JSON line. Settings: BENCH_DATABASE_URL, BENCH_ENGINES
 * (pglite,postgres), BENCH_SCENARIOS (a comma list of the names below), BENCH_CONNECTIONS (16),
 * BENCH_ROUNDS (3), BENCH_ROUND_SECONDS (5), BENCH_CPU_PROF (a dir), PGBENCH (pgbench).
 * Targets, on PostgreSQL with 16 clients: Secret and Pod creates ≥ 1,000/s; issuance ≥ 2,000/s.
 */
import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';
import postgres from 'postgres';
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
const ISSUER = 'https://keyway.bench.invalid';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const WARM_SECONDS = Math.min(2, ROUND_SECONDS);
/** More failed responses than this share makes a scenario's numbers worthless: the run fails. */
const MAX_FAILED = 0.01;

const PODS_NS = 'bench-pods';
const WRITES_NS = 'bench-writes';
const TOKENS_NS = 'bench-tokens';
const ISSUING_SA = 'issuer';

// ---------------------------------------------------------------------------------------------
// The operations

/** Names unique to this run: a random prefix and a counter. */
const PREFIX = randomBytes(3).toString('hex');
let created = 0;
const uniqueName = (kind: string) => `${kind}-${PREFIX}-${(++created).toString(36)}`;

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A Secret of a usual size: a user, a password and a small configuration file. */
const SECRET_DATA = {
  username: b64('bench-user'),
  password: b64(randomBytes(24).toString('hex')),
  'config.json': b64(JSON.stringify({ endpoint: 'https://db.bench.invalid:5432', pool: 16, tls: true, retries: 3 })),
};

/** What a request's variables may depend on: the server it goes to. */
interface Side {
  port: number;
  /** a token that server issued before the run, to review */
  reviewToken: string;
}

type ScenarioName = 'whoami' | 'pods100' | 'secretCreate' | 'podCreate' | 'tokenIssue' | 'tokenReview';

interface Scenario {
  name: ScenarioName;
  title: string;
  query: string;
  variables: (side: Side) => object;
  /** the variables differ per request (a new name): built for each one */
  unique?: boolean;
  /** compared with pgbench's single-row inserts */
  write?: boolean;
  /** the issue's target, req/s on PostgreSQL with 16 clients */
  target?: number;
  /** both servers must give the same data (not only the same shape) */
  sameData?: boolean;
}

const META = 'metadata { name namespace uid resourceVersion }';

const SCENARIOS: Scenario[] = [
  {
    name: 'whoami',
    title: 'whoami',
    query: 'query { whoami { username uid groups extra } }',
    variables: () => ({}),
    sameData: true,
  },
  {
    name: 'pods100',
    title: '100-Pod list',
    query: `query ($ns: String!) { pods(namespace: $ns, first: 100) { edges { node {
      ${META} spec { serviceAccountName } } } } }`,
    variables: () => ({ ns: PODS_NS }),
    sameData: true,
  },
  {
    name: 'secretCreate',
    title: 'Secret create',
    query: `mutation ($ns: String!, $i: SecretInput!) { createSecret(namespace: $ns, input: $i) { ${META} type } }`,
    variables: () => ({ ns: WRITES_NS, i: { metadata: { name: uniqueName('secret') }, data: SECRET_DATA } }),
    unique: true,
    write: true,
    target: 1000,
  },
  {
    name: 'podCreate',
    title: 'Pod create',
    query: `mutation ($ns: String!, $i: PodInput!) { createPod(namespace: $ns, input: $i) {
      ${META} spec { serviceAccountName } } }`,
    variables: () => ({
      ns: WRITES_NS,
      i: {
        metadata: { name: uniqueName('pod') },
        spec: {
          serviceAccountName: 'default',
          automountServiceAccountToken: false,
          containers: [{ name: 'app', image: 'nginx:1.27' }],
        },
      },
    }),
    unique: true,
    write: true,
    target: 1000,
  },
  {
    name: 'tokenIssue',
    title: 'token issuance',
    query: `mutation ($ns: String!, $sa: String!, $i: TokenRequestInput) {
      createServiceAccountToken(namespace: $ns, name: $sa, input: $i) { token expirationTimestamp } }`,
    variables: () => ({ ns: TOKENS_NS, sa: ISSUING_SA, i: { audiences: ['bench'], expirationSeconds: 3600 } }),
    target: 2000,
  },
  {
    name: 'tokenReview',
    title: 'TokenReview',
    query: `query ($i: TokenReviewInput!) { tokenReview(input: $i) {
      authenticated user { username uid groups } audiences error } }`,
    variables: (side) => ({ i: { token: side.reviewToken } }),
  },
];

/** Issues the token each server will be asked to review (for the API's own audience). */
async function reviewTokenOf(port: number): Promise<string> {
  const data = await post(
    port,
    ADMIN,
    `mutation ($ns: String!, $sa: String!) { createServiceAccountToken(namespace: $ns, name: $sa, input:
      { expirationSeconds: 86400 }) { token } }`,
    { ns: TOKENS_NS, sa: ISSUING_SA },
  );
  return data.createServiceAccountToken.token;
}

// ---------------------------------------------------------------------------------------------
// Keyway: what the scenarios need

/** The ServiceAccounts controller makes `default` in each new namespace: waits for it (NOT_FOUND until then). */
async function waitForDefaultAccount(port: number, ns: string): Promise<void> {
  const query = 'query ($ns: String!) { serviceAccount(namespace: $ns, name: "default") { id } }';
  for (let i = 0; i < 100; i++) {
    const data = await post(port, ADMIN, query, { ns }).catch((e: Error) => {
      if (e.message.includes('NOT_FOUND')) return { serviceAccount: null };
      throw e;
    });
    if (data.serviceAccount) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no default ServiceAccount in ${ns} after 10 s`);
}

/** Three namespaces: 100 Pods in one, the creates in another, the issuing ServiceAccount in the third. */
async function seed(port: number): Promise<void> {
  const m = (query: string, variables: object = {}) => post(port, ADMIN, query, variables);
  for (const ns of [PODS_NS, WRITES_NS, TOKENS_NS]) {
    await m('mutation ($ns: String!) { createNamespace(input: { metadata: { name: $ns } }) { id } }', { ns });
  }
  await m(
    'mutation ($ns: String!, $n: String!) { createServiceAccount(namespace: $ns, input: ' +
      '{ metadata: { name: $n } }) { id } }',
    {
      ns: TOKENS_NS,
      n: ISSUING_SA,
    },
  );
  await waitForDefaultAccount(port, PODS_NS);
  await waitForDefaultAccount(port, WRITES_NS);
  for (let batch = 0; batch < 100; batch += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        m('mutation ($ns: String!, $i: PodInput!) { createPod(namespace: $ns, input: $i) { id } }', {
          ns: PODS_NS,
          i: {
            metadata: { name: `pod-${String(batch + k).padStart(3, '0')}`, labels: { app: 'web' } },
            spec: {
              serviceAccountName: 'default',
              automountServiceAccountToken: false,
              containers: [{ name: 'app', image: 'nginx:1.27' }],
            },
          },
        }),
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Bare graphql-yoga: the same operations and shapes, from memory

const BARE_TYPE_DEFS = /* GraphQL */ `
  scalar StringMap
  scalar StringListMap
  scalar DateTime
  type Query {
    whoami: UserInfo
    pods(namespace: String, first: Int): PodConnection
    tokenReview(input: TokenReviewInput!): TokenReviewStatus
  }
  type Mutation {
    createSecret(namespace: String!, input: SecretInput!): Secret
    createPod(namespace: String!, input: PodInput!): Pod
    createServiceAccountToken(namespace: String!, name: String!, input: TokenRequestInput): TokenRequestStatus
  }
  type UserInfo { username: String! uid: String! groups: [String!]! extra: StringListMap! }
  type PodConnection { edges: [PodEdge!]! }
  type PodEdge { node: Pod! }
  type ObjectMeta {
    name: String! namespace: String uid: String! resourceVersion: String! creationTimestamp: DateTime!
    labels: StringMap! annotations: StringMap!
  }
  input ObjectMetaInput { name: String namespace: String labels: StringMap annotations: StringMap }
  type Container { name: String! image: String }
  input ContainerInput { name: String! image: String }
  type PodSpec { serviceAccountName: String automountServiceAccountToken: Boolean containers: [Container!]! }
  input PodSpecInput {
    serviceAccountName: String automountServiceAccountToken: Boolean containers: [ContainerInput!]!
  }
  type Pod { metadata: ObjectMeta! spec: PodSpec! }
  input PodInput { metadata: ObjectMetaInput! spec: PodSpecInput }
  type Secret { metadata: ObjectMeta! type: String! data: StringMap }
  input SecretInput { metadata: ObjectMetaInput! type: String data: StringMap stringData: StringMap }
  input TokenRequestInput { audiences: [String!] expirationSeconds: Int }
  type TokenRequestStatus { token: String! expirationTimestamp: DateTime! warnings: [String!]! }
  input TokenReviewInput { token: String! audiences: [String!] }
  type TokenReviewStatus { authenticated: Boolean! user: UserInfo audiences: [String!]! error: String }
`;

interface BarePayload {
  admin: string;
  whoami: unknown;
  pods: unknown[];
  /** `namespace/name` of each ServiceAccount to its uid */
  accounts: Record<string, string>;
}

/** The bare server's process. */
function serveBare(): Promise<void> {
  return serveForked(async ({ admin, whoami, pods, accounts }: BarePayload) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const objects = new Map<string, object>();
    let resourceVersion = 0;
    const meta = (namespace: string, input: { name: string; labels?: object; annotations?: object }) => ({
      name: input.name,
      namespace,
      uid: randomUUID(),
      resourceVersion: String(++resourceVersion),
      creationTimestamp: new Date().toISOString(),
      labels: input.labels ?? {},
      annotations: input.annotations ?? {},
    });
    const store = <T extends { metadata: { name: string } }>(kind: string, namespace: string, object: T) => {
      const key = `${kind}/${namespace}/${object.metadata.name}`;
      if (objects.has(key)) throw new GraphQLError(`${key} already exists`);
      objects.set(key, object);
      return object;
    };
    return createYoga({
      schema: createSchema({
        typeDefs: BARE_TYPE_DEFS,
        resolvers: {
          Query: {
            whoami: () => whoami,
            pods: (_: unknown, args: { first?: number }) => ({
              edges: pods.slice(0, args.first ?? 100).map((node) => ({ node })),
            }),
            tokenReview: async (_: unknown, { input }: { input: { token: string; audiences?: string[] } }) => {
              const audiences = input.audiences ?? [ISSUER];
              try {
                const { payload } = await jwtVerify(input.token, publicKey, {
                  issuer: ISSUER,
                  audience: audiences,
                  algorithms: ['ES256'],
                });
                const k8s = payload['kubernetes.io'] as { namespace: string; serviceaccount: { uid: string } };
                const granted = ([] as string[]).concat(payload.aud ?? []).filter((a) => audiences.includes(a));
                return {
                  authenticated: true,
                  user: {
                    username: payload.sub,
                    uid: k8s.serviceaccount.uid,
                    groups: [
                      'system:serviceaccounts',
                      `system:serviceaccounts:${k8s.namespace}`,
                      'system:authenticated',
                    ],
                    extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${payload.jti}`] },
                  },
                  audiences: granted,
                  error: null,
                };
              } catch (e) {
                return { authenticated: false, user: null, audiences: [], error: (e as Error).message };
              }
            },
          },
          Mutation: {
            createSecret: (_: unknown, { namespace, input }: { namespace: string; input: any }) => {
              const data = { ...input.data };
              for (const [k, v] of Object.entries(input.stringData ?? {})) data[k] = b64(v as string);
              return store('Secret', namespace, {
                metadata: meta(namespace, input.metadata),
                type: input.type ?? 'Opaque',
                data,
              });
            },
            createPod: (_: unknown, { namespace, input }: { namespace: string; input: any }) => {
              if (!accounts[`${namespace}/${input.spec.serviceAccountName ?? 'default'}`]) {
                throw new GraphQLError('no such ServiceAccount');
              }
              return store('Pod', namespace, { metadata: meta(namespace, input.metadata), spec: input.spec });
            },
            createServiceAccountToken: async (
              _: unknown,
              args: { namespace: string; name: string; input?: { audiences?: string[]; expirationSeconds?: number } },
            ) => {
              const uid = accounts[`${args.namespace}/${args.name}`];
              if (!uid) throw new GraphQLError('no such ServiceAccount');
              const now = Math.floor(Date.now() / 1000);
              const exp = now + (args.input?.expirationSeconds ?? 3600);
              const token = await new SignJWT({
                'kubernetes.io': { namespace: args.namespace, serviceaccount: { name: args.name, uid } },
              })
                .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
                .setIssuer(ISSUER)
                .setSubject(`system:serviceaccount:${args.namespace}:${args.name}`)
                .setAudience(args.input?.audiences ?? [ISSUER])
                .setIssuedAt(now)
                .setNotBefore(now)
                .setExpirationTime(exp)
                .setJti(randomUUID())
                .sign(privateKey);
              return { token, expirationTimestamp: new Date(exp * 1000).toISOString(), warnings: [] };
            },
          },
        },
      }),
      // the same check Keyway makes first: the caller's bearer token
      context: ({ request }) => {
        if (request.headers.get('authorization') !== `Bearer ${admin}`) throw new GraphQLError('unauthenticated');
        return {};
      },
      logging: false,
      graphiql: false,
    });
  });
}

async function startBare(keywayPort: number): Promise<{ port: number; child: ChildProcess }> {
  const pods = SCENARIOS.find((s) => s.name === 'pods100')!;
  const whoami = SCENARIOS.find((s) => s.name === 'whoami')!;
  const podsData = await post(keywayPort, ADMIN, pods.query, pods.variables({ port: keywayPort, reviewToken: '' }));
  const accounts: Record<string, string> = {};
  for (const [ns, name] of [
    [PODS_NS, 'default'],
    [WRITES_NS, 'default'],
    [TOKENS_NS, ISSUING_SA],
  ]) {
    const data = await post(
      keywayPort,
      ADMIN,
      'query ($ns: String!, $n: String!) { serviceAccount(namespace: $ns, name: $n) { metadata { uid } } }',
      { ns, n: name },
    );
    accounts[`${ns}/${name}`] = data.serviceAccount.metadata.uid;
  }
  const payload: BarePayload = {
    admin: ADMIN,
    whoami: (await post(keywayPort, ADMIN, whoami.query)).whoami,
    pods: podsData.pods.edges.map((e: { node: unknown }) => e.node),
    accounts,
  };
  return fork(SELF, 'bare', payload);
}

// ---------------------------------------------------------------------------------------------
// Load

interface Round {
  rps: number;
  p50: number;
  p99: number;
  responses: number;
  failed: number;
  samples: string[];
}

async function load(side: Side, s: Scenario, seconds: number): Promise<Round> {
  let responses = 0;
  let failed = 0;
  const samples: string[] = [];
  const onResponse = (status: number, body: string) => {
    responses++;
    if (status >= 200 && status < 300 && !body.includes('"errors"')) return;
    failed++;
    if (samples.length < 3) samples.push(`HTTP ${status}: ${body.slice(0, 400)}`);
  };
  const body = () => JSON.stringify({ query: s.query, variables: s.variables(side) });
  const result = await autocannon({
    url: `http://127.0.0.1:${side.port}/graphql`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    requests: [
      s.unique
        ? { setupRequest: (request) => ({ ...request, body: body() }), onResponse }
        : { body: body(), onResponse },
    ],
  });
  // connections that failed or timed out are failures too
  failed += result.errors + result.timeouts;
  if (result.errors + result.timeouts && samples.length < 3) {
    samples.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, responses, failed, samples };
}

/** Every value replaced by its type, every list by its first item: what must match between servers. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

/** Before timing: both servers answer without errors, in the same shape (and data, where it can be). */
async function sameAnswer(keyway: Side, bare: Side, s: Scenario): Promise<void> {
  const a = await post(keyway.port, ADMIN, s.query, s.variables(keyway));
  const b = await post(bare.port, ADMIN, s.query, s.variables(bare));
  const same = s.sameData
    ? JSON.stringify(a) === JSON.stringify(b)
    : JSON.stringify(shape(a)) === JSON.stringify(shape(b));
  if (!same)
    throw new Error(`${s.name}: the servers disagree:\n  keyway ${JSON.stringify(a)}\n  bare   ${JSON.stringify(b)}`);
  if (s.name === 'pods100' && a.pods.edges.length !== 100) throw new Error(`pods100: ${a.pods.edges.length} Pods`);
  if (s.name === 'tokenReview' && !(a.tokenReview.authenticated && b.tokenReview.authenticated)) {
    throw new Error(`tokenReview: not authenticated: ${JSON.stringify(a)} / ${JSON.stringify(b)}`);
  }
}

interface Measured {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  rounds: number[];
  requests: number;
  failed: number;
}

interface ScenarioResult {
  scenario: ScenarioName;
  title: string;
  engine: Engine['name'];
  keyway: Measured;
  bare: Measured;
  ratio: number;
  pgbenchTps?: number;
  pgbenchRatio?: number;
  target?: number;
  met?: boolean;
  /** why the numbers are worthless, if they are */
  failure?: string;
}

function summarize(rounds: Round[]): Measured {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50)),
    p99Ms: median(rounds.map((r) => r.p99)),
    rounds: rounds.map((r) => r.rps),
    requests: rounds.reduce((n, r) => n + r.responses, 0),
    failed: rounds.reduce((n, r) => n + r.failed, 0),
  };
}

/** The failures, loudly, if more than MAX_FAILED of the responses were failures. */
function failures(label: string, rounds: Round[]): string | undefined {
  const responses = rounds.reduce((n, r) => n + r.responses, 0);
  const failed = rounds.reduce((n, r) => n + r.failed, 0);
  if (failed <= MAX_FAILED * Math.max(1, responses)) return undefined;
  const message = `${label}: ${failed} of ${responses} responses failed (more than ${MAX_FAILED * 100} %)`;
  console.error(`\n!!! ${message}; for example:`);
  for (const sample of rounds.flatMap((r) => r.samples).slice(0, 5)) console.error(`!!!   ${sample}`);
  console.error();
  return message;
}

const UNMEASURED: Measured = {
  rps: Number.NaN,
  p50Ms: Number.NaN,
  p99Ms: Number.NaN,
  rounds: [],
  requests: 0,
  failed: 0,
};

async function scenarioOn(engine: Engine, s: Scenario, keyway: Side, bare: Side): Promise<ScenarioResult> {
  const result = { scenario: s.name, title: s.title, engine: engine.name };
  try {
    await sameAnswer(keyway, bare, s);
  } catch (e) {
    // a wrong answer is not timed; the other scenarios still are
    const failure = `${engine.name} ${s.name}: ${(e as Error).message}`;
    console.error(`\n!!! ${failure}\n`);
    return { ...result, keyway: UNMEASURED, bare: UNMEASURED, ratio: Number.NaN, failure };
  }
  // warm both (JIT, caches, pools), then alternate which goes first
  const warm = [await load(keyway, s, WARM_SECONDS), await load(bare, s, WARM_SECONDS)];
  let failure =
    failures(`${engine.name} ${s.name} keyway (warm-up)`, [warm[0]]) ??
    failures(`${engine.name} ${s.name} bare yoga (warm-up)`, [warm[1]]);
  const k: Round[] = [];
  const b: Round[] = [];
  for (let i = 0; i < ROUNDS && !failure; i++) {
    if (i % 2 === 0) {
      b.push(await load(bare, s, ROUND_SECONDS));
      k.push(await load(keyway, s, ROUND_SECONDS));
    } else {
      k.push(await load(keyway, s, ROUND_SECONDS));
      b.push(await load(bare, s, ROUND_SECONDS));
    }
  }
  if (!failure)
    failure = failures(`${engine.name} ${s.name} keyway`, k) ?? failures(`${engine.name} ${s.name} bare`, b);
  const keywaySide = summarize(k.length ? k : [warm[0]]);
  const bareSide = summarize(b.length ? b : [warm[1]]);
  const num = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.error(
    `  ${engine.name} ${s.name}: keyway ${num(keywaySide.rounds)} req/s; bare ${num(bareSide.rounds)} req/s`,
  );
  return {
    ...result,
    keyway: keywaySide,
    bare: bareSide,
    ratio: keywaySide.rps / bareSide.rps,
    failure,
  };
}

// ---------------------------------------------------------------------------------------------
// pgbench: what the database alone commits

/** PGBENCH: another pgbench than the PATH's. */
const PGBENCH = process.env.PGBENCH ?? 'pgbench';
const hasPgbench = () => spawnSync(PGBENCH, ['--version'], { stdio: 'ignore' }).status === 0;

/** A Secret as Keyway's API returns it as JSON, for the size of pgbench's rows. */
function secretJson(): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: uniqueName('secret'),
      namespace: WRITES_NS,
      uid: randomUUID(),
      resourceVersion: '123456',
      creationTimestamp: new Date().toISOString(),
      labels: {},
      annotations: {},
    },
    type: 'Opaque',
    data: SECRET_DATA,
  });
}

/** Rounds of `pgbench -n -c CONNECTIONS -j 2` inserting one Secret-sized row each into a scratch table. */
async function pgbench(url: string): Promise<{ tps: number; rounds: number[]; rowBytes: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe(
    'create table bench_writes (id bigserial primary key, name text not null unique, body jsonb not null)',
  );
  await sql.end();
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-pgbench-'));
  const body = secretJson();
  const script = join(dir, 'insert.sql');
  writeFileSync(
    script,
    '\\set n random(1, 1000000000000)\n' +
      `insert into bench_writes (name, body) values ('secret-' || :n || '-' || :client_id, ` +
      `'${body.replaceAll("'", "''")}'::jsonb) on conflict do nothing;\n`,
  );
  const u = new URL(url);
  const args = ['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', String(ROUND_SECONDS), '-f', script];
  args.push('-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'));
  args.push(decodeURIComponent(u.pathname.slice(1)));
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password) };
  const rounds: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const { stdout } = await promisify(execFile)(PGBENCH, args, { env });
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
      if (!tps) throw new Error(`pgbench said:\n${stdout}`);
      rounds.push(Number(tps[1]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.error(`  postgres pgbench inserts: ${rounds.map((r) => r.toFixed(0)).join(', ')} tps`);
  return { tps: median(rounds), rounds, rowBytes: body.length };
}

// ---------------------------------------------------------------------------------------------

interface PgbenchResult {
  engine: 'postgres';
  tps: number;
  rounds: number[];
  rowBytes: number;
}

async function runOn(
  engine: Engine,
  scenarios: Scenario[],
): Promise<{ results: ScenarioResult[]; pgbench?: PgbenchResult }> {
  const keyway = await startKeyway(engine, ADMIN, { KEYWAY_ISSUER: ISSUER });
  let bare: { port: number; child: ChildProcess } | undefined;
  try {
    console.error(`${engine.name}: seeding`);
    await seed(keyway.port);
    bare = await startBare(keyway.port);
    const keywaySide = { port: keyway.port, reviewToken: await reviewTokenOf(keyway.port) };
    const bareSide = { port: bare.port, reviewToken: await reviewTokenOf(bare.port) };
    let bench: PgbenchResult | undefined;
    if (engine.name === 'postgres' && scenarios.some((s) => s.write)) {
      if (hasPgbench()) bench = { engine: 'postgres', ...(await pgbench(engine.env.DATABASE_URL)) };
      else console.error('  pgbench is not on the PATH: no comparison with the database alone');
    }
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const r = await scenarioOn(engine, s, keywaySide, bareSide);
      if (s.write && bench) {
        r.pgbenchTps = bench.tps;
        r.pgbenchRatio = r.keyway.rps / bench.tps;
      }
      if (s.target && engine.name === 'postgres') {
        r.target = s.target;
        r.met = !r.failure && r.keyway.rps >= s.target;
      }
      results.push(r);
    }
    return { results, pgbench: bench };
  } finally {
    if (bare) await stopForked(bare.child);
    await stop(keyway.child);
  }
}

function enginesToRun(): ('pglite' | 'postgres')[] {
  const url = process.env.BENCH_DATABASE_URL;
  const asked = (process.env.BENCH_ENGINES ?? (url ? 'pglite,postgres' : 'pglite'))
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of asked) if (e !== 'pglite' && e !== 'postgres') throw new Error(`BENCH_ENGINES: no engine ${e}`);
  if (asked.includes('postgres') && !url) throw new Error('BENCH_ENGINES has postgres: set BENCH_DATABASE_URL');
  if (!url) console.error('BENCH_DATABASE_URL is not set: PGlite only');
  return asked as ('pglite' | 'postgres')[];
}

function scenariosToRun(): Scenario[] {
  const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
  if (!only) return SCENARIOS;
  for (const name of only) {
    if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`BENCH_SCENARIOS: no scenario ${name}`);
  }
  return SCENARIOS.filter((s) => only.includes(s.name));
}

async function main(): Promise<void> {
  const engines = enginesToRun();
  const scenarios = scenariosToRun();
  const results: ScenarioResult[] = [];
  const benches: PgbenchResult[] = [];
  for (const name of engines) {
    const engine = name === 'pglite' ? await pgliteEngine() : await postgresEngine(process.env.BENCH_DATABASE_URL!);
    try {
      const run = await runOn(engine, scenarios);
      results.push(...run.results);
      if (run.pgbench) benches.push(run.pgbench);
    } finally {
      await engine.cleanup();
    }
  }

  const n = (x: number | undefined, digits = 0) =>
    x === undefined ? '' : Number.isFinite(x) ? x.toFixed(digits) : '-';
  const rows = results.map((r) => [
    r.title,
    r.engine,
    n(r.keyway.rps),
    n(r.keyway.p50Ms, 1),
    n(r.keyway.p99Ms, 1),
    n(r.bare.rps),
    Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '-',
    n(r.pgbenchTps),
    r.pgbenchRatio === undefined ? '' : `${r.pgbenchRatio.toFixed(2)}×`,
    r.target === undefined ? '' : `≥ ${r.target}/s: ${r.met ? 'met' : 'NOT met'}`,
    r.failure ? 'FAILED (below)' : '',
  ]);
  const head = ['scenario', 'engine', 'keyway req/s', 'p50 ms', 'p99 ms', 'yoga req/s', 'ratio', 'pgbench tps'];
  console.log(grid([...head, 'vs pgbench', 'target', ''], rows));
  console.log();
  const targets = SCENARIOS.filter((s) => s.target).map((s) => {
    const r = results.find((x) => x.scenario === s.name && x.engine === 'postgres');
    const clients = CONNECTIONS === 16 ? '16 clients' : `${CONNECTIONS} clients (the target is for 16)`;
    const verdict = !r
      ? 'not measured'
      : r.failure
        ? 'not measured (the scenario failed)'
        : `${r.keyway.rps.toFixed(0)}/s: ${r.met ? 'met' : 'NOT met'}`;
    console.log(`target: ${s.title} ≥ ${s.target}/s on PostgreSQL with ${clients}: ${verdict}`);
    return { scenario: s.name, engine: 'postgres', target: s.target, rps: r && Math.round(r.keyway.rps), met: r?.met };
  });
  const failed = results.filter((r) => r.failure);
  for (const r of failed) console.log(`FAILED: ${r.failure!.split('\n')[0]}: its numbers mean nothing`);
  const round = (x: Measured) => ({ ...x, rps: Math.round(x.rps), rounds: x.rounds.map(Math.round) });
  console.log(
    JSON.stringify({
      bench: 'api',
      connections: CONNECTIONS,
      roundSeconds: ROUND_SECONDS,
      rounds: ROUNDS,
      engines,
      results: results.map((r) => ({ ...r, keyway: round(r.keyway), bare: round(r.bare) })),
      pgbench: benches,
      targets,
      ok: failed.length === 0,
    }),
  );
  if (failed.length) process.exitCode = 1;
}

if (process.argv[2] === 'bare') await serveBare();
else await main();
