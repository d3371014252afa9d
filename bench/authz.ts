/**
 * npm run bench:authz — RBAC at scale, measured in one run on one policy of 10,000 namespaces,
 * 100,000 RoleBindings (10 a namespace, User, Group and ServiceAccount subjects, some granting a
 * ServiceAccount of the next namespace) and 1,000 ClusterRoles (plus 100 ClusterRoleBindings and
 * the bootstrap policy):
 *   - time to load the full policy from the store (what every replica does at start);
 *   - decision latency, uncached (`RbacAuthorizer.decide`) and cached (`authorize`), on a mix of
 *     allowed and denied requests;
 *   - the same decisions on one naive global casbin enforcer holding every binding × subject ×
 *     rule (the baseline the design avoids); both must agree on every decision measured;
 *   - a GraphQL request listing 100 pods with nested fields, with RBAC and with an allow-all
 *     authorizer (two Apps on one database), in interleaved pairs;
 *   - time from an RBAC write (a RoleBinding created, then deleted, through GraphQL) to its effect
 *     on the replica that wrote it and on another replica following the same database.
 * Prints a table, the ratios, then one JSON line.
 *   - access analysis on the same index: effectivePermissions and serviceAccountAccess.
 * Targets: uncached p50 ≤ 50 µs and ≥ 100× the naive baseline; cached p50 ≤ 2 µs; RBAC adds ≤ 10 %
 * to the 100-pod request; full load ≤ 5 s; effectivePermissions and serviceAccountAccess < 50 ms.
 *
 * BENCH_DATABASE_URL=postgres://… runs it on PostgreSQL instead of an in-memory PGlite.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { sql } from 'drizzle-orm';
import type { PolicyRule, Subject } from '../src/apis/rbac.js';
import { App } from '../src/app.js';
import type { UserInfo } from '../src/authn/identity.js';
import { serviceAccountUsername } from '../src/authn/identity.js';
import type { Attributes, Authorizer } from '../src/authz/authorizer.js';
import { isResourceRequest } from '../src/authz/authorizer.js';
import { RbacAuthorizer } from '../src/authz/rbac/authorizer.js';
import { MODEL_FUNCTIONS, policyLine } from '../src/authz/rbac/engine.js';
import { accessMatrix, grantsOf, identityOf, serviceAccountAccess } from '../src/authz/rbac/analysis.js';
import { RbacIndex, userKeys } from '../src/authz/rbac/index.js';
import { objects } from '../src/db/schema.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { createLogger } from '../src/log.js';
import { generateKey } from '../src/encryption/keys.js';
import { Envelope } from '../src/encryption/envelope.js';
import { StorageTransformer } from '../src/encryption/transformer.js';
import { ObjectStore } from '../src/store/store.js';
import { measureSync, table, type Measure } from './harness.js';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10_000);
const BINDINGS_PER_NAMESPACE = 10;
const CLUSTER_ROLES = 1_000;
const CLUSTER_ROLE_BINDINGS = 100;
const ADMIN = 'bench-admin-token-0123456789';
const READER = 'bench-reader-token-0123456789';
const PODS_NAMESPACE = 'ns-00042';
const ADMIN_USER: UserInfo = { username: 'bench-admin', uid: '', groups: ['system:masters'], extra: {} };

const ns = (n: number) => `ns-${String(n).padStart(5, '0')}`;

// ---------------------------------------------------------------------------------------------
// The policy

const VERB_SETS = [['get'], ['get', 'list'], ['get', 'list', 'watch'], ['create', 'update', 'patch', 'delete'], ['*']];
const RESOURCES: [group: string, resource: string][] = [
  ['', 'pods'],
  ['', 'secrets'],
  ['', 'serviceaccounts'],
  ['', 'configmaps'],
  ['', 'services'],
  ['apps', 'deployments'],
  ['', 'pods/log'],
  ['', 'serviceaccounts/token'],
  ['batch', 'jobs'],
  ['', 'events'],
];

function clusterRoleRules(i: number): PolicyRule[] {
  const [group, resource] = RESOURCES[i % RESOURCES.length];
  const [group2, resource2] = RESOURCES[(i + 3) % RESOURCES.length];
  const rules: PolicyRule[] = [
    {
      verbs: VERB_SETS[i % VERB_SETS.length],
      apiGroups: group === group2 ? [group] : [group, group2],
      resources: [resource, resource2],
      // half the roles are about named objects, which makes most of them distinct
      resourceNames: i % 2 === 0 ? [`obj-${i}`] : [],
      nonResourceURLs: [],
    },
  ];
  if (i % 10 === 0)
    rules.push({
      verbs: ['get'],
      apiGroups: [],
      resources: [],
      resourceNames: [],
      nonResourceURLs: [`/metrics/${i}`, '/logs/*'],
    });
  return rules;
}

function roleBindingSubjects(n: number, k: number): Subject[] {
  const subjects: Subject[] = [];
  if (k % 3 === 0) subjects.push({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${n}-${k}` });
  if (k % 3 === 1) subjects.push({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${n}` });
  if (k % 3 === 2) subjects.push({ kind: 'ServiceAccount', name: `sa-${k}`, namespace: ns(n) });
  // one namespace lets the next one's workloads in
  if (k === 9) subjects.push({ kind: 'ServiceAccount', name: 'sa-2', namespace: ns((n + 1) % NAMESPACES) });
  return subjects;
}

interface Row {
  kind: string;
  namespace: string;
  name: string;
  body: Record<string, unknown>;
}

function* policyRows(namespaceBody: Record<string, unknown>): Generator<Row> {
  for (let n = 0; n < NAMESPACES; n++)
    if (ns(n) !== PODS_NAMESPACE) yield { kind: 'Namespace', namespace: '', name: ns(n), body: namespaceBody };
  for (let i = 0; i < CLUSTER_ROLES; i++)
    yield { kind: 'ClusterRole', namespace: '', name: `role-${i}`, body: { rules: clusterRoleRules(i) } };
  for (let j = 0; j < CLUSTER_ROLE_BINDINGS; j++) {
    yield {
      kind: 'ClusterRoleBinding',
      namespace: '',
      name: `crb-${j}`,
      body: {
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `role-${(j * 7) % CLUSTER_ROLES}`,
        },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `team-${j}` }],
      },
    };
  }
  for (let n = 0; n < NAMESPACES; n++) {
    for (let k = 0; k < BINDINGS_PER_NAMESPACE; k++) {
      yield {
        kind: 'RoleBinding',
        namespace: ns(n),
        name: `rb-${k}`,
        body: {
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: `role-${(n * BINDINGS_PER_NAMESPACE + k * 37) % CLUSTER_ROLES}`,
          },
          subjects: roleBindingSubjects(n, k),
        },
      };
    }
  }
}

/** Writes the policy straight into the objects table, 1,000 rows a statement. */
async function insertPolicy(database: Database, namespaceBody: Record<string, unknown>): Promise<number> {
  let batch: Row[] = [];
  let count = 0;
  const flush = async () => {
    if (!batch.length) return;
    await database.db.insert(objects).values(
      batch.map((r) => ({
        kind: r.kind,
        namespace: r.namespace,
        name: r.name,
        uid: sql`gen_random_uuid()`,
        resourceVersion: sql`nextval('resource_version_seq')`,
        generation: 1,
        creationTimestamp: new Date(),
        labels: {},
        annotations: {},
        body: r.body,
      })) as never,
    );
    count += batch.length;
    batch = [];
  };
  for (const row of policyRows(namespaceBody)) {
    batch.push(row);
    if (batch.length === 1000) await flush();
  }
  await flush();
  return count;
}

// ---------------------------------------------------------------------------------------------
// The naive baseline: one casbin enforcer, every binding × subject × rule a policy line

const NAIVE_MODEL = `
[request_definition]
r = subs, ns, verb, group, resource, subresource, name, path

[policy_definition]
p = sub, ns, verbs, groups, resources, names, urls

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = subjectIn(p.sub, r.subs) && (p.ns == "" || p.ns == r.ns) && \
  ((r.path == "" && p.urls == "[]" && verbMatches(r.verb, p.verbs) && groupMatches(r.group, p.groups) && \
    resourceMatches(r.resource, r.subresource, p.resources) && nameMatches(r.name, p.names)) || \
   (r.path != "" && p.urls != "[]" && verbMatches(r.verb, p.verbs) && urlMatches(r.path, p.urls)))
`;

/** The request's subject keys travel as one newline-joined string; each is split once. */
const subjectSets = new Map<string, Set<string>>();
function subjectIn(sub: string, subs: string): boolean {
  let set = subjectSets.get(subs);
  if (!set) {
    set = new Set(subs.split('\n'));
    subjectSets.set(subs, set);
  }
  return set.has(sub);
}

/** Written apart from RbacIndex's on purpose: the agreement check compares two derivations. */
function subjectKey(s: Subject, bindingNamespace: string): string | null {
  if (s.kind === 'User') return `u:${s.name}`;
  if (s.kind === 'Group') return `g:${s.name}`;
  const namespace = s.namespace || bindingNamespace;
  return s.kind === 'ServiceAccount' && namespace ? `u:${serviceAccountUsername(namespace, s.name)}` : null;
}

class NaiveEnforcer {
  private constructor(
    private readonly enforcer: Enforcer,
    readonly lines: number,
  ) {}

  private static async create(lines: string[][]): Promise<NaiveEnforcer> {
    const model = newModelFromString(NAIVE_MODEL);
    model.addPolicies('p', 'p', lines);
    const enforcer = await newEnforcer(model);
    for (const [name, fn] of Object.entries({ ...MODEL_FUNCTIONS, subjectIn })) await enforcer.addFunction(name, fn);
    return new NaiveEnforcer(enforcer, lines.length);
  }

  static async build(store: ObjectStore): Promise<NaiveEnforcer> {
    return store.snapshot(async (reader) => {
      const roles = new Map<string, PolicyRule[]>();
      for await (const r of reader.all('ClusterRole', { pageSize: 2000 }))
        roles.set(`ClusterRole//${r.metadata.name}`, r.rules);
      for await (const r of reader.all('Role', { pageSize: 2000 }))
        roles.set(`Role/${r.metadata.namespace}/${r.metadata.name}`, r.rules);
      const lines: string[][] = [];
      const add = (scope: string, subjects: Subject[], rules: PolicyRule[] | undefined) => {
        for (const s of subjects) {
          const key = subjectKey(s, scope);
          if (key) for (const rule of rules ?? []) lines.push([key, scope, ...policyLine(rule)]);
        }
      };
      for await (const b of reader.all('ClusterRoleBinding', { pageSize: 2000 }))
        add('', b.subjects, roles.get(`ClusterRole//${b.roleRef.name}`));
      for await (const b of reader.all('RoleBinding', { pageSize: 2000 })) {
        const namespace = b.metadata.namespace!;
        add(
          namespace,
          b.subjects,
          roles.get(
            b.roleRef.kind === 'ClusterRole' ? `ClusterRole//${b.roleRef.name}` : `Role/${namespace}/${b.roleRef.name}`,
          ),
        );
      }
      return NaiveEnforcer.create(lines);
    });
  }

  allows(attrs: Attributes): boolean {
    const sub = userKeys(attrs.user).join('\n');
    if (isResourceRequest(attrs)) {
      return this.enforcer.enforceSync(
        sub,
        attrs.namespace ?? '',
        attrs.verb,
        attrs.apiGroup,
        attrs.resource,
        attrs.subresource ?? '',
        attrs.name ?? '',
        '',
      );
    }
    return this.enforcer.enforceSync(sub, '', attrs.verb, '', '', '', '', attrs.path);
  }
}

// ---------------------------------------------------------------------------------------------
// The requests

/** A deterministic mix of users and requests, about a third of them allowed. */
function decisions(count: number): Attributes[] {
  let seed = 42;
  const random = (m: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  const out: Attributes[] = [];
  for (let i = 0; i < count; i++) {
    const n = random(NAMESPACES);
    const k = random(BINDINGS_PER_NAMESPACE);
    const user: UserInfo =
      k % 3 === 2
        ? {
            username: serviceAccountUsername(ns(n), `sa-${k}`),
            uid: '',
            groups: ['system:serviceaccounts', `system:serviceaccounts:${ns(n)}`, 'system:authenticated'],
            extra: {},
          }
        : {
            username: `user-${n}-${k}`,
            uid: '',
            groups: [`group-${n}`, `team-${(n * 7 + k) % (CLUSTER_ROLE_BINDINGS * 2)}`, 'system:authenticated'],
            extra: {},
          };
    if (i % 20 === 0) {
      out.push({ user, verb: 'get', path: random(2) ? `/metrics/${random(CLUSTER_ROLES)}` : '/logs/app' });
      continue;
    }
    const [apiGroup, res] = RESOURCES[random(RESOURCES.length)];
    const [resource, subresource] = res.split('/');
    // mostly their own namespace, sometimes the previous one (cross-namespace grants) or any
    const roll = random(10);
    const namespace = roll < 7 ? ns(n) : roll < 9 ? ns((n + NAMESPACES - 1) % NAMESPACES) : ns(random(NAMESPACES));
    const verb = ['get', 'list', 'watch', 'create', 'delete'][random(5)];
    const name =
      verb === 'list' || verb === 'watch' || verb === 'create'
        ? ''
        : random(2)
          ? `obj-${random(CLUSTER_ROLES)}`
          : 'other';
    out.push({ user, verb, apiGroup, resource, subresource, namespace, name });
  }
  return out;
}

const PODS_QUERY = `query ($ns: String!) {
  pods(namespace: $ns, first: 100) {
    totalCount
    edges { node {
      id
      metadata { name namespace uid resourceVersion labels }
      spec { serviceAccountName containers { name image } }
      serviceAccount { metadata { name uid } automountServiceAccountToken }
    } }
  }
}`;

async function graphql(app: App, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await app.server.fetch(
    new Request('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const out = (await res.json()) as { data?: any; errors?: { message: string }[] };
  if (out.errors) throw new Error(JSON.stringify(out.errors));
  return out.data;
}

/** The 100-pod request on both Apps, in many short back-to-back pairs (alternating order). */
async function podRequests(rbac: App, allowAll: App) {
  const N = 10;
  const block = async (app: App) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const data = await graphql(app, READER, PODS_QUERY, { ns: PODS_NAMESPACE });
      if (data.pods.edges.length !== 100 || !data.pods.edges[99].node.serviceAccount) throw new Error('short page');
    }
    return ((performance.now() - t0) * 1000) / N;
  };
  for (let i = 0; i < 10; i++) {
    await block(allowAll);
    await block(rbac);
  }
  const pairs: { rbac: number; allowAll: number }[] = [];
  for (let i = 0; i < 60; i++) {
    if (i % 2 === 0) {
      const a = await block(allowAll);
      pairs.push({ allowAll: a, rbac: await block(rbac) });
    } else {
      const r = await block(rbac);
      pairs.push({ rbac: r, allowAll: await block(allowAll) });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name: string, us: number): Measure => ({
    name,
    ops: pairs.length * N,
    opsPerSec: 1e6 / us,
    meanUs: us,
    p50Us: us,
    p99Us: NaN,
  });
  const rbacUs = median(pairs.map((p) => p.rbac));
  const allowUs = median(pairs.map((p) => p.allowAll));
  return {
    rows: [row('100-pod GraphQL request, allow-all', allowUs), row('100-pod GraphQL request, RBAC', rbacUs)],
    ratio: median(pairs.map((p) => p.rbac / p.allowAll)),
  };
}

/** Milliseconds from sending an RBAC write until `allowed(expected)` holds, on each replica. */
async function writeToEffect(writer: App, other: App) {
  const user: UserInfo = { username: 'late-joiner', uid: '', groups: ['system:authenticated'], extra: {} };
  const attrs: Attributes = { user, verb: 'get', apiGroup: '', resource: 'secrets', namespace: ns(7), name: 'x' };
  const here = writer.authorizer;
  const there = new RbacAuthorizer(other.rbac);
  const CREATE = `mutation ($ns: String!) { createRoleBinding(namespace: $ns, input: {
    metadata: { name: "late" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view-secrets" },
    subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "late-joiner" }]
  }) { metadata { name } } }`;
  const DELETE = 'mutation ($ns: String!) { deleteRoleBinding(namespace: $ns, name: "late") { metadata { name } } }';
  const until = async (authorizer: Authorizer, allowed: boolean, t0: number) => {
    for (;;) {
      if ((await authorizer.authorize(attrs)).allowed === allowed) return performance.now() - t0;
      if (performance.now() - t0 > 5000) throw new Error('no effect within 5 s');
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  const samples = {
    grantHere: [] as number[],
    grantThere: [] as number[],
    revokeHere: [] as number[],
    revokeThere: [] as number[],
  };
  for (let i = 0; i < 20; i++) {
    for (const [query, allowed] of [
      [CREATE, true],
      [DELETE, false],
    ] as const) {
      const t0 = performance.now();
      const write = graphql(writer, ADMIN, query, { ns: ns(7) });
      const thereDone = until(there, allowed, t0);
      await write;
      const hereMs = await until(here, allowed, t0);
      const thereMs = await thereDone;
      (allowed ? samples.grantHere : samples.revokeHere).push(hereMs);
      (allowed ? samples.grantThere : samples.revokeThere).push(thereMs);
    }
  }
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50Ms: +s[Math.floor(s.length / 2)].toFixed(2), maxMs: +s[s.length - 1].toFixed(2) };
  };
  return {
    sameReplica: { grant: stat(samples.grantHere), revoke: stat(samples.revokeHere) },
    otherReplica: { grant: stat(samples.grantThere), revoke: stat(samples.revokeThere) },
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const log = createLogger('silent');
  const url = process.env.BENCH_DATABASE_URL;
  const database = await openDatabase(url ? { engine: 'postgres', url } : { engine: 'pglite' });
  await database.migrate();
  if (url) await database.db.execute(sql`truncate objects, changes`);
  const dir = mkdtempSync(join(tmpdir(), 'keyway-bench-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, `${READER},bench-reader,,bench-readers\n`);
  const options = {
    database,
    log,
    adminToken: ADMIN,
    encryptionKeys: [generateKey()],
    tokenAuthFile: tokenFile,
    controllers: false,
  } as const;

  // The namespace holding the pods, through the registry, to copy a real namespace's body.
  const setup = await App.create(options);
  await setup.start();
  const podsNamespace = await setup.registry.create(
    'Namespace',
    '',
    { metadata: { name: PODS_NAMESPACE } },
    { user: ADMIN_USER },
  );
  const { kind: _k, metadata: _m, ...namespaceBody } = podsNamespace as unknown as Record<string, unknown>;
  await setup.stop();

  process.stderr.write(
    `writing the policy (${NAMESPACES} namespaces, ${NAMESPACES * BINDINGS_PER_NAMESPACE} RoleBindings, ` +
      `${CLUSTER_ROLES} ClusterRoles)…\n`,
  );
  let t0 = performance.now();
  const written = await insertPolicy(database, namespaceBody);
  const writeMs = performance.now() - t0;

  // As a replica starting on this database would: migrations (none to apply) and statistics.
  t0 = performance.now();
  await database.migrate();
  const migrateMs = performance.now() - t0;

  process.stderr.write('loading it…\n');
  const store = new ObjectStore(database, new StorageTransformer(new Envelope(options.encryptionKeys)));
  t0 = performance.now();
  const index = new RbacIndex();
  await store.snapshot((reader) => index.load(reader));
  const loadMs = performance.now() - t0;

  // Two replicas on the database: one with RBAC, one allowing everything (benchmark only).
  t0 = performance.now();
  const rbac = await App.create(options);
  await rbac.start();
  const startMs = performance.now() - t0;
  const allowAll = await App.create({ ...options, authorizer: { authorize: () => ({ allowed: true, reason: '' }) } });
  await allowAll.start();

  // 100 pods, each with its own ServiceAccount, readable by the bench reader through RBAC.
  await graphql(
    rbac,
    ADMIN,
    `mutation { createClusterRole(input: { metadata: { name: "pod-reader" }, rules: [
    { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "serviceaccounts"] }] }) { metadata { name } } }`,
  );
  await graphql(
    rbac,
    ADMIN,
    `mutation { createClusterRole(input: { metadata: { name: "view-secrets" }, rules: [
    { verbs: ["get"], apiGroups: [""], resources: ["secrets"] }] }) { metadata { name } } }`,
  );
  await graphql(
    rbac,
    ADMIN,
    `mutation { createRoleBinding(namespace: "${PODS_NAMESPACE}", input: { metadata: { name: "bench-readers" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pod-reader" },
    subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "bench-readers" }]
    }) { metadata { name } } }`,
  );
  for (let i = 0; i < 100; i++) {
    const sa = `runner-${i}`;
    await rbac.registry.create('ServiceAccount', PODS_NAMESPACE, { metadata: { name: sa } }, { user: ADMIN_USER });
    await rbac.registry.create(
      'Pod',
      PODS_NAMESPACE,
      {
        metadata: { name: `pod-${i}`, labels: { app: 'bench' } },
        spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'busybox' }] },
      },
      { user: ADMIN_USER },
    );
  }
  await allowAll.follower.fresh();

  // Decisions
  const attrs = decisions(4000);
  const authorizer = new RbacAuthorizer(rbac.rbac);
  const allowedShare = attrs.filter((a) => authorizer.decide(a).allowed).length / attrs.length;
  const uncached = measureSync('decision, uncached (casbin per bound role)', attrs, (a) => authorizer.decide(a));
  const cached = measureSync('decision, cached', attrs, (a) => authorizer.authorize(a));

  // Access analysis on the same index: a ServiceAccount's effective permissions (everywhere, and
  // as a matrix in its namespace), and who can obtain a ServiceAccount's credentials
  const accounts = Array.from({ length: 200 }, (_, i) => {
    const n = (i * 7919) % NAMESPACES;
    return { namespace: ns(n), name: `sa-${[2, 5, 8][i % 3]}` };
  });
  const effective = measureSync(
    'effectivePermissions (everywhere + matrix)',
    accounts,
    (a) => {
      const user = identityOf({ kind: 'ServiceAccount', ...a });
      grantsOf(rbac.rbac, user);
      accessMatrix(rbac.rbac, user, a.namespace, [
        ['', 'pods'],
        ['', 'secrets'],
        ['', 'serviceaccounts/token'],
      ]);
    },
    { ms: 3000 },
  );
  const credentials = measureSync(
    'serviceAccountAccess',
    accounts,
    (a) => serviceAccountAccess(rbac.rbac, a.namespace, a.name, [`${a.name}-token`]),
    { ms: 3000 },
  );

  process.stderr.write('building the naive global enforcer…\n');
  t0 = performance.now();
  const naive = await NaiveEnforcer.build(store);
  const naiveBuildMs = performance.now() - t0;
  const sample = attrs.slice(0, Number(process.env.BENCH_NAIVE_SAMPLE ?? 40));
  let disagreements = 0;
  for (const a of sample) {
    if (naive.allows(a) === authorizer.decide(a).allowed) continue;
    if (!disagreements++)
      process.stderr.write(
        `first disagreement: ${JSON.stringify({ a, naive: naive.allows(a), rbac: authorizer.decide(a) })}\n`,
      );
  }
  if (disagreements)
    throw new Error(`the naive enforcer and RBAC disagree on ${disagreements} of ${sample.length} decisions`);
  const naiveMeasure = measureSync(
    `decision, naive global enforcer (${naive.lines} lines)`,
    sample,
    (a) => naive.allows(a),
    { ms: 8000, maxOps: 300 },
  );

  process.stderr.write('timing the 100-pod request…\n');
  const pods = await podRequests(rbac, allowAll);
  process.stderr.write('timing RBAC writes…\n');
  const effect = await writeToEffect(rbac, allowAll);

  await allowAll.stop();
  await rbac.stop();
  await database.close();

  const speedup = naiveMeasure.p50Us / uncached.p50Us;
  const overhead = pods.ratio - 1;
  process.stdout.write(`${table([uncached, cached, naiveMeasure, effective, credentials, ...pods.rows])}\n`);
  process.stdout.write(
    `policy: ${written} objects written in ${(writeMs / 1000).toFixed(1)} s; ${JSON.stringify(index.stats)}; ` +
      `${(allowedShare * 100).toFixed(0)} % of decisions allowed\n` +
      `full policy load: ${loadMs.toFixed(0)} ms (target ≤ 5000); before ` +
      `it, migrate + analyze: ${migrateMs.toFixed(0)} ` +
      `ms; a whole replica start: ${startMs.toFixed(0)} ms\n` +
      `uncached p50 ${uncached.p50Us.toFixed(1)} µs (target ≤ 50), ${speedup.toFixed(0)}× the naive ` +
      `enforcer (target ≥ 100×, agreed on ${sample.length} decisions)\n` +
      `cached p50 ${cached.p50Us.toFixed(2)} µs (target ≤ 2)\n` +
      `effectivePermissions p99 ${(effective.p99Us / 1000).toFixed(1)} ms, serviceAccountAccess p99 ` +
      `${(credentials.p99Us / 1000).toFixed(1)} ms (target < 50 ms each)\n` +
      `RBAC on the 100-pod request: +${(overhead * 100).toFixed(1)} % (target ≤ 10 %; median of 60 pairs of 10)\n` +
      'RBAC write → effect (p50 / max ms): ' +
      `here grant ${effect.sameReplica.grant.p50Ms}/${effect.sameReplica.grant.maxMs}, ` +
      `revoke ${effect.sameReplica.revoke.p50Ms}/${effect.sameReplica.revoke.maxMs}; ` +
      `other replica grant ${effect.otherReplica.grant.p50Ms}/${effect.otherReplica.grant.maxMs}, ` +
      `revoke ${effect.otherReplica.revoke.p50Ms}/${effect.otherReplica.revoke.maxMs}\n`,
  );
  const result = {
    benchmark: 'authz',
    engine: url ? 'postgres' : 'pglite',
    policy: {
      namespaces: NAMESPACES,
      roleBindings: NAMESPACES * BINDINGS_PER_NAMESPACE,
      clusterRoles: CLUSTER_ROLES,
      ...index.stats,
      naiveLines: naive.lines,
    },
    loadMs: Math.round(loadMs),
    migrateMs: Math.round(migrateMs),
    replicaStartMs: Math.round(startMs),
    uncached: { p50Us: +uncached.p50Us.toFixed(2), p99Us: +uncached.p99Us.toFixed(2) },
    cached: { p50Us: +cached.p50Us.toFixed(2), p99Us: +cached.p99Us.toFixed(2) },
    naive: {
      p50Us: +naiveMeasure.p50Us.toFixed(0),
      p99Us: +naiveMeasure.p99Us.toFixed(0),
      buildMs: Math.round(naiveBuildMs),
    },
    podRequest: { allowAllUs: Math.round(pods.rows[0].meanUs), rbacUs: Math.round(pods.rows[1].meanUs) },
    analysis: {
      effectivePermissions: {
        p50Ms: +(effective.p50Us / 1000).toFixed(2),
        p99Ms: +(effective.p99Us / 1000).toFixed(2),
      },
      serviceAccountAccess: {
        p50Ms: +(credentials.p50Us / 1000).toFixed(2),
        p99Ms: +(credentials.p99Us / 1000).toFixed(2),
      },
    },
    writeToEffect: effect,
    ratios: { uncachedVsNaive: +speedup.toFixed(1), rbacPodRequestOverhead: +overhead.toFixed(3) },
    targetsMet: {
      uncachedP50: uncached.p50Us <= 50,
      uncachedVsNaive: speedup >= 100,
      cachedP50: cached.p50Us <= 2,
      podRequestOverhead: overhead <= 0.1,
      load: loadMs <= 5000,
      effectivePermissions: effective.p99Us < 50_000,
      serviceAccountAccess: credentials.p99Us < 50_000,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
