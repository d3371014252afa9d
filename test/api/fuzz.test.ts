/**
 * Hostile input never makes the server fail: every root field of the schema, with arguments
 * generated from their input types (test/helpers/fuzz.ts), and the authentication and
 * impersonation headers, must answer below HTTP 500 and without an INTERNAL error. Bad input is
 * INVALID or BAD_REQUEST; INTERNAL is a bug of ours.
 *
 * Per root field, on every engine:
 * - a sweep: each position of its arguments (a string, an int, a map's key or value, at any
 *   depth of its input types) gets one value of each hostile class that has broken something
 *   (NUL, lone surrogates, 3000 incompressible characters, …), placed into plausible variables
 *   the server was first seen to accept, so that nothing else stops the value short of the
 *   store. A failure lists every position and class that answered INTERNAL.
 * - a fast-check property: random and hostile values everywhere, or plausible variables with
 *   one hostile value at a random position, as the admin, as anonymous, and as a ServiceAccount
 *   with `edit` in one namespace. A failure prints the shrunk counterexample (field, variables).
 * Either carries what the server logged for the failing request (its error, the database's
 * message, the top frames of src/).
 *
 * FUZZ_RUNS raises the runs per field (default 10; the sweep covers every position and class
 * regardless), FUZZ_SEED changes the seed.
 */
import fc from 'fast-check';
import { isInputObjectType, isInterfaceType, isScalarType } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import {
  baseCandidates,
  extraHeaderKey,
  fuzzOperations,
  headerValue,
  jwtish,
  known,
  oneHostileArbitrary,
  positionsOf,
  reachedInputTypes,
  repaired,
  sweepCases,
  touches,
  variablesArbitrary,
  withoutOptionalScalars,
  type FuzzOperation,
} from '../helpers/fuzz.js';
import { decode, token } from '../helpers/tokens.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601);
/** Shrinking a failure sends a request per step; past this, the best counterexample so far is reported. */
const TIME_LIMIT_MS = 20_000;
/** Requests a field may spend finding plausible variables the server accepts, the sweep's base. */
const BASE_TRIES = 40;

const OPERATIONS = fuzzOperations(schema);
const nodeInterface = schema.getType('Node');
const NODE_TYPES =
  nodeInterface && isInterfaceType(nodeInterface) ? schema.getPossibleTypes(nodeInterface).map((t) => t.name) : [];

/** A seed per test, so each field explores differently and reruns reproduce. */
function seedFor(name: string): number {
  let h = SEED | 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

// ---------------------------------------------------------------------------------------------
// What the server logs, attributed to the request during which it was logged.

interface Logged {
  level: number;
  msg: string;
  path?: string;
  err?: { type?: string; message?: string; stack?: string; code?: string };
}

let pending: Logged[] = [];
/** Logged outside any request, or during a request that did not fail. */
const unexplained: Logged[] = [];
const echo = !!process.env.TEST_LOG_LEVEL && process.env.TEST_LOG_LEVEL !== 'silent';
const log = pino(
  { level: 'warn', base: { service: 'keyway' } },
  {
    write(line: string) {
      pending.push(JSON.parse(line) as Logged);
      if (echo) process.stdout.write(shortLine(line));
    },
  },
);

/**
 * What the server logged, short: the error, its cause (a driver error's `caused by:` line has
 * the database's message), and the top frames of our own code.
 */
function describeLogged(entries: Logged[]): string {
  if (!entries.length) return '  server logged nothing';
  return entries
    .map((e) => {
      const head = `  server logged (${e.level >= 50 ? 'error' : 'warn'}) "${e.msg}"${e.path ? ` at ${e.path}` : ''}`;
      const err = e.err;
      if (!err) return head;
      const stack = (err.stack ?? '').split('\n');
      const cause = stack.find((l) => l.startsWith('caused by: '));
      const frames = stack.filter((l) => /^\s+at /.test(l));
      const ours = frames.filter((l) => l.includes('/src/'));
      const shown = (ours.length ? ours : frames).slice(0, 4).map((l) => `      ${l.trim()}`);
      const message =
        (err.message ?? '').split('\n')[0].replace(/\s+/g, ' ') || (err.message ?? '').replace(/\s+/g, ' ');
      return [
        `${head}: ${err.type ?? 'Error'}: ${abbreviate(message, 160)}${err.code ? ` (code ${err.code})` : ''}`,
        ...(cause ? [`    ${abbreviate(cause, 300)}`] : []),
        ...shown,
      ].join('\n');
    })
    .join('\n');
}

/** A log line as echoed with TEST_LOG_LEVEL: long strings (query parameters) cut short. */
function shortLine(line: string): string {
  const shorten = (_k: string, v: unknown) => (typeof v === 'string' && v.length > 2000 ? abbreviate(v, 2000) : v);
  return `${JSON.stringify(JSON.parse(line), shorten)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Readable counterexamples: long strings abbreviated, control characters and lone surrogates escaped.

function abbreviate(s: string, max = 64): string {
  return s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 64
      ? `${JSON.stringify(value.slice(0, 24))}…${JSON.stringify(value.slice(-8))}(${value.length} chars)`
      : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

type Identity = 'admin' | 'anonymous' | 'serviceaccount';
const IDENTITY = fc.constantFrom<Identity>('admin', 'admin', 'admin', 'anonymous', 'serviceaccount');

class OperationCase {
  constructor(
    readonly op: FuzzOperation,
    readonly as: Identity,
    readonly variables: Record<string, unknown>,
    /** Where the one hostile value went; undefined for random values everywhere. */
    readonly hostileAt?: string | null,
  ) {}
  [fc.toStringMethod](): string {
    const vars = this.variables && typeof this.variables === 'object' ? this.variables : {};
    const set = this.op.variables
      .filter((v) => vars[v.name] !== undefined)
      .map((v) => `\n    $${v.name} ${v.at} = ${show(vars[v.name])}`);
    const mode =
      this.hostileAt === undefined
        ? 'random values'
        : `plausible values, one hostile at ${this.hostileAt ?? '(no slot)'}`;
    return `${this.op.coordinate} as ${this.as} (${mode})${set.join('')}`;
  }
}

type Credential = { as: Identity } | { literal: string };
const AS_TEXT: Record<Identity, string> = {
  admin: "(the admin's token)",
  anonymous: '(none)',
  serviceaccount: "(the unprivileged ServiceAccount's token)",
};

class HeaderCase {
  constructor(
    readonly authorization: Credential,
    /** Impersonation headers, in the order they are appended. */
    readonly headers: [string, string][],
    readonly query: string,
  ) {}
  [fc.toStringMethod](): string {
    const auth = 'as' in this.authorization ? AS_TEXT[this.authorization.as] : show(this.authorization.literal);
    const headers = this.headers.map(([k, v]) => `\n    ${show(k)}: ${show(v)}`).join('');
    return `${this.query}\n    authorization: ${auth}${headers}`;
  }
}

// ---------------------------------------------------------------------------------------------

interface Fixture {
  t: TestApp;
  /** A ServiceAccount token that may edit the `fuzz` namespace and nothing else. */
  saToken: string;
}

/** Plausible variables with every optional field present: where a base borrows what it lacks. */
function fullSample(engine: string, op: FuzzOperation): Record<string, unknown> {
  return fc.sample(variablesArbitrary(op, { mode: 'full', nodeTypes: NODE_TYPES }), {
    numRuns: 1,
    seed: seedFor(`${engine} full ${op.coordinate}`),
  })[0];
}

/**
 * Plausible variables the server accepts (a create refused only as ALREADY_EXISTS counts: it
 * passed validation and admission), found by sending samples and following the INVALID causes
 * of each; null if none is found within BASE_TRIES requests. Hostile values placed into it get
 * past validation of everything else, into the store.
 */
async function acceptedBase(
  engine: string,
  op: FuzzOperation,
  full: Record<string, unknown>,
  send: (variables: Record<string, unknown>, what: string) => Promise<ResponseError[] | null>,
): Promise<Record<string, unknown> | null> {
  let tries = 0;
  for (const candidate of baseCandidates(op, NODE_TYPES, seedFor(`${engine} base ${op.coordinate}`), BASE_TRIES)) {
    let current = candidate;
    let stripped = false;
    while (tries++ < BASE_TRIES) {
      const errors = await send(current, `plausible variables ${show(current)}`);
      if (errors?.every((e) => e.extensions?.code === 'ALREADY_EXISTS')) return current;
      const causes = (errors ?? []).flatMap((e) => e.extensions?.causes ?? []);
      const next = causes.length ? repaired(op, current, full, causes) : null;
      if (next) current = next;
      else if (!stripped) [current, stripped] = [withoutOptionalScalars(op, current), true];
      else break;
    }
    if (tries >= BASE_TRIES) break;
  }
  return null;
}

type ResponseError = {
  message?: string;
  path?: unknown[];
  extensions?: { code?: string; causes?: { field?: string; reason?: string }[] };
};

/**
 * Sends one request and fails if the server answered 5xx or INTERNAL, with what it logged;
 * otherwise returns the response's errors.
 */
async function expectNoInternal(t: TestApp, headers: Headers, body: string): Promise<ResponseError[]> {
  // Built before the request is sent: a request this test cannot build is a bug of the test, not a finding.
  const request = new Request('http://keyway.test/graphql', { method: 'POST', headers, body });
  const before = pending.length;
  let status: number;
  let text: string;
  try {
    const response = await t.app.server.fetch(request);
    status = response.status;
    text = await response.text();
  } catch (err) {
    const during = pending.splice(before);
    throw new Error(`the server's fetch rejected: ${String(err)}\n${describeLogged(during)}`);
  }
  const during = pending.splice(before);
  let errors: ResponseError[] = [];
  try {
    errors = (JSON.parse(text) as { errors?: ResponseError[] }).errors ?? [];
  } catch {
    if (status < 500) throw new Error(`HTTP ${status} with a body that is not JSON: ${abbreviate(text, 200)}`);
  }
  const internal = errors.filter((e) => e.extensions?.code === 'INTERNAL');
  if (status >= 500 || internal.length) {
    const where = internal.map((e) => (e.path ?? ['(request)']).join('.')).join(', ');
    throw new Error(`HTTP ${status}${internal.length ? `, INTERNAL at ${where}` : ''}\n${describeLogged(during)}`);
  }
  unexplained.push(...during);
  return errors;
}

function headersFor(f: Fixture, as: Identity): Headers {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
  if (as === 'admin') headers.set('authorization', `Bearer ${f.t.adminToken}`);
  if (as === 'serviceaccount') headers.set('authorization', `Bearer ${f.saToken}`);
  return headers;
}

/** Every kind seeded under one name, `fuzz`, in namespace `fuzz` (see `known`). */
const SEEDS = [
  'mutation { createNamespace(input: { metadata: { name: "fuzz", labels: { app: "web", n: "5" } } }) { id } }',
  'mutation { createSecret(namespace: "fuzz", input: { metadata: ' +
    '{ name: "fuzz", labels: { app: "web" } }, stringData: { a: "b" ' +
    '} }) { id } }',
  `mutation { createServiceAccount(namespace: "fuzz", input: { metadata: { name: "fuzz", labels: { app: "web" } },
    secrets: [{ name: "fuzz" }], imagePullSecrets: [{ name: "fuzz" }] }) { id } }`,
  `mutation { createPod(namespace: "fuzz", input: { metadata: { name: "fuzz", labels: { app: "web", n: "3" } }, spec: {
    serviceAccountName: "fuzz", automountServiceAccountToken: false,
    containers: [{ name: "c", image: "busybox" }] } }) { id } }`,
  'mutation { createRole(namespace: "fuzz", input: { metadata: ' +
    '{ name: "fuzz" }, rules: [{ verbs: ["get", "list"], apiGroups: ' +
    '[""], resources: ["pods", "secrets"] }] }) { id } }',
  `mutation { createRoleBinding(namespace: "fuzz", input: { metadata: { name: "fuzz" },
    roleRef: { kind: "Role", name: "fuzz" },
    subjects: [{ kind: "ServiceAccount", name: "fuzz" }, { kind: "Group", name: "devs" }] }) { id } }`,
  'mutation { createClusterRole(input: { metadata: { name: "fuzz" ' +
    '}, rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] ' +
    '}) { id } }',
  `mutation { createClusterRoleBinding(input: { metadata: { name: "fuzz" },
    roleRef: { kind: "ClusterRole", name: "fuzz" },
    subjects: [{ kind: "User", name: "alice" }] }) { id } }`,
  // the unprivileged caller's grant (its own namespace, which no plausible name reaches, is made once)
  `mutation { createRoleBinding(namespace: "fuzz", input: { metadata: { name: "fuzz-client-edit" },
    roleRef: { kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "ServiceAccount", name: "client", namespace: "fuzz-client" }] }) { id } }`,
];

/**
 * Creates the seeded objects that are missing (the fuzzing deletes and changes them), so lookups
 * keep hitting real rows. Best effort: a namespace still terminating is waited for briefly.
 * SEEDS and the aliases here are in the same order.
 */
async function ensureSeeds(t: TestApp): Promise<void> {
  const present = async () =>
    (
      await t.gql(`{
        ns: namespace(name: "fuzz") { status { phase } }
        secret(namespace: "fuzz", name: "fuzz") { __typename }
        sa: serviceAccount(namespace: "fuzz", name: "fuzz") { __typename }
        pod(namespace: "fuzz", name: "fuzz") { __typename }
        role(namespace: "fuzz", name: "fuzz") { __typename }
        rb: roleBinding(namespace: "fuzz", name: "fuzz") { __typename }
        cr: clusterRole(name: "fuzz") { __typename }
        crb: clusterRoleBinding(name: "fuzz") { __typename }
        client: roleBinding(namespace: "fuzz", name: "fuzz-client-edit") { __typename }
      }`)
    ).data ?? {};
  let found = await present();
  for (let i = 0; i < 40 && found.ns?.status.phase === 'Terminating'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    found = await present();
  }
  const keys = ['ns', 'secret', 'sa', 'pod', 'role', 'rb', 'cr', 'crb', 'client'];
  for (const [i, mutation] of SEEDS.entries()) if (!found[keys[i]]) await t.gql(mutation);
}

async function seed(t: TestApp): Promise<Fixture> {
  await t.ok('mutation { createNamespace(input: { metadata: { name: "fuzz-client" } }) { id } }');
  await t.ok(
    'mutation { createServiceAccount(namespace: "fuzz-client", input: { metadata: { name: "client" } }) { id } }',
  );
  await ensureSeeds(t);
  const saToken = await token(t, 'fuzz-client', 'client');
  const bound = await token(t, 'fuzz', 'fuzz', { boundObjectRef: { kind: 'Pod', name: 'fuzz' } });

  const data = await t.ok(`{
    ns: namespace(name: "fuzz") { id metadata { uid resourceVersion } }
    sa: serviceAccount(namespace: "fuzz", name: "fuzz") { id metadata { uid resourceVersion } }
    secret(namespace: "fuzz", name: "fuzz") { id metadata { uid resourceVersion } }
    pod(namespace: "fuzz", name: "fuzz") { id metadata { uid resourceVersion } }
    role(namespace: "fuzz", name: "fuzz") { id metadata { uid resourceVersion } }
    rb: roleBinding(namespace: "fuzz", name: "fuzz") { id metadata { uid resourceVersion } }
    cr: clusterRole(name: "fuzz") { id metadata { uid resourceVersion } }
    crb: clusterRoleBinding(name: "fuzz") { id metadata { uid resourceVersion } }
    serviceAccounts(namespace: "fuzz", first: 1) { pageInfo { endCursor } }
    issuedTokens(first: 1) { edges { node { id } } pageInfo { endCursor } }
  }`);
  const objects = Object.values(data).filter((o: any) => o?.metadata) as {
    id: string;
    metadata: { uid: string; resourceVersion: string };
  }[];
  known.namespaces = ['fuzz', 'default', 'kube-system'];
  known.names = ['fuzz', 'default', 'view', 'edit', 'system:basic-user', 'new'];
  known.ids = [...objects.map((o) => o.id), ...data.issuedTokens.edges.map((e: any) => e.node.id)];
  known.uids = objects.map((o) => o.metadata.uid);
  known.resourceVersions = objects.map((o) => o.metadata.resourceVersion);
  known.cursors = [data.serviceAccounts.pageInfo.endCursor, data.issuedTokens.pageInfo.endCursor].filter(Boolean);
  known.tokens = [bound, saToken, t.adminToken];
  known.jtis = [decode(bound).payload.jti, decode(saToken).payload.jti];
  return { t, saToken };
}

describe('fuzz inputs', () => {
  it('cover every input type of the schema, and each has a generator', () => {
    const reached = reachedInputTypes(OPERATIONS);
    const inputs = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && isInputObjectType(t));
    expect(inputs.map((t) => t.name).filter((n) => !reached.has(n))).toEqual([]);
    for (const op of OPERATIONS) {
      variablesArbitrary(op, { mode: 'wild', nodeTypes: NODE_TYPES });
      oneHostileArbitrary(op, NODE_TYPES);
      positionsOf(op);
    }
    // The scalars arguments take, each generated (an unknown one throws above).
    expect([...reached].filter((n) => isScalarType(schema.getType(n))).sort()).toEqual(
      expect.arrayContaining(['Boolean', 'ID', 'Int', 'String', 'StringListMap', 'StringMap']),
    );
  });
});

describe.each(ENGINES)('fuzz (%s)', (engine) => {
  let f: Fixture;
  /** The variables each field's sweep found the server accepts; the random runs place hostile values into them too. */
  const bases = new Map<string, Record<string, unknown>>();
  beforeAll(async () => {
    pending = [];
    unexplained.length = 0;
    const t = await startTestApp(engine, { log });
    f = await seed(t);
    unexplained.push(...pending.splice(0));
  });
  afterAll(() => f?.t.close());

  it.each(OPERATIONS.map((op) => [op.coordinate, op] as const))(
    '%s: each argument position, with each hostile class, answers without INTERNAL',
    async (_name, op) => {
      await ensureSeeds(f.t);
      unexplained.push(...pending.splice(0));
      const failures: string[] = [];
      const send = async (variables: Record<string, unknown>, what: string) => {
        try {
          return await expectNoInternal(f.t, headersFor(f, 'admin'), JSON.stringify({ query: op.document, variables }));
        } catch (err) {
          const [status, ...logged] = (err as Error).message.split('\n');
          failures.push(`${what}: ${status}\n${logged.slice(0, 3).join('\n')}`);
          return null;
        }
      };
      const full = fullSample(engine, op);
      const base = await acceptedBase(engine, op, full, send);
      if (base) bases.set(op.coordinate, base);
      // Each hostile value in the base; refused for something else, that something is repaired
      // (twice at most), so the value is not stopped short of where it could do harm.
      for (const c of sweepCases(
        op,
        base ?? baseCandidates(op, NODE_TYPES, seedFor(`${engine} base ${op.coordinate}`), 1)[0],
        full,
        NODE_TYPES,
      )) {
        let variables = c.variables;
        for (let attempt = 0; attempt < 3; attempt++) {
          const errors = await send(variables, `${c.at} = ${c.hostile}`);
          const elsewhere = (errors ?? [])
            .flatMap((e) => e.extensions?.causes ?? [])
            .filter((cause) => !touches(cause.field ?? '', c.fieldPath));
          const next = elsewhere.length ? repaired(op, variables, full, elsewhere) : null;
          if (!next) break;
          variables = next;
        }
      }
      if (failures.length)
        throw new Error(`${failures.length} requests answered INTERNAL or 5xx (as the admin):\n${failures.join('\n')}`);
    },
    120_000,
  );

  it.each(OPERATIONS.map((op) => [op.coordinate, op] as const))(
    '%s: random and hostile arguments (fast-check) answer without INTERNAL',
    async (_name, op) => {
      await ensureSeeds(f.t);
      unexplained.push(...pending.splice(0));
      const wild = fc
        .tuple(IDENTITY, variablesArbitrary(op, { mode: 'wild', nodeTypes: NODE_TYPES }))
        .map(([as, variables]) => new OperationCase(op, as, variables));
      const oneHostile = fc
        .tuple(IDENTITY, oneHostileArbitrary(op, NODE_TYPES, bases.get(op.coordinate)))
        .map(([as, one]) => new OperationCase(op, as, one.variables, one.at));
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: wild }, { weight: 2, arbitrary: oneHostile }), async (c) => {
          await expectNoInternal(
            f.t,
            headersFor(f, c.as),
            JSON.stringify({ query: op.document, variables: c.variables }),
          );
        }),
        {
          numRuns: RUNS,
          seed: seedFor(`${engine} ${op.coordinate}`),
          plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
        },
      );
    },
    120_000,
  );

  it('answers hostile authentication and impersonation headers without INTERNAL', async () => {
    const literal = fc.oneof(
      fc.constantFrom(
        'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
        'Bearer',
        'Bearer ',
        'bearer x',
        'Bearer a b',
        'Bearer\tx',
        'BEARER x',
        `Bearer ${'x'.repeat(100_000)}`,
      ),
      jwtish.map((j) => `Bearer ${j}`),
      headerValue.map((v) => `Bearer ${v}`),
    );
    const authorization: fc.Arbitrary<Credential> = fc.oneof(
      { weight: 8, arbitrary: IDENTITY.map((as) => ({ as })) },
      { weight: 2, arbitrary: literal.map((value) => ({ literal: value })) },
    );
    const headerCase = fc
      .record({
        authorization,
        user: fc.option(headerValue, { nil: null }),
        groups: fc.array(headerValue, { maxLength: 3 }),
        uid: fc.option(headerValue, { nil: null }),
        extras: fc.array(fc.tuple(extraHeaderKey, headerValue), { maxLength: 3 }),
        query: fc.constantFrom(
          '{ whoami { username uid groups extra } }',
          '{ secrets(namespace: "fuzz") { totalCount } }',
          '{ selfSubjectRulesReview(namespace: "fuzz") { incomplete } }',
        ),
      })
      .map(({ authorization, user, groups, uid, extras, query }) => {
        const headers: [string, string][] = [];
        if (user !== null) headers.push(['impersonate-user', user]);
        for (const g of groups) headers.push(['impersonate-group', g]);
        if (uid !== null) headers.push(['impersonate-uid', uid]);
        for (const [k, v] of extras) headers.push([`impersonate-extra-${k}`, v]);
        return new HeaderCase(authorization, headers, query);
      });
    await fc.assert(
      fc.asyncProperty(headerCase, async (c) => {
        const headers = 'as' in c.authorization ? headersFor(f, c.authorization.as) : headersFor(f, 'anonymous');
        try {
          if ('literal' in c.authorization) headers.set('authorization', c.authorization.literal);
          for (const [k, v] of c.headers) headers.append(k, v);
        } catch (err) {
          throw new Error(`bug of this test: it generated a header fetch refuses: ${String(err)}`);
        }
        await expectNoInternal(f.t, headers, JSON.stringify({ query: c.query }));
      }),
      { numRuns: RUNS * 5, seed: seedFor(`${engine} headers`), plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  }, 120_000);

  it('logs no error outside a request that failed (controllers, followers)', async () => {
    await new Promise((r) => setTimeout(r, 300)); // what the last writes set off
    unexplained.push(...pending.splice(0));
    const errors = unexplained.filter((e) => e.level >= 50);
    expect(errors.length, describeLogged(errors)).toBe(0);
  });
});
