/**
 * Every field that resolves is covered by an authorization decision. Statically: every root
 * field, and every field that reaches other objects, declares its Kubernetes question. At run
 * time: the whole schema is walked (every field of every type resolved at least once) and each
 * resolved field must sit under a field whose question the authorizer actually answered.
 */
import {
  defaultFieldResolver,
  type ExecutionResult,
  execute,
  getNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  isAbstractType,
  isLeafType,
  isObjectType,
  parse,
  responsePathAsArray,
  subscribe,
  type GraphQLNamedType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUser } from '../../src/authn/static.js';
import { unauthorizedFields } from '../../src/authz/coverage.js';
import { schema } from '../../src/schema.js';
import { requestContext } from '../../src/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { KINDS, type Kind } from '../../src/apis/kinds.js';
import { docs, KIND_CASES, lowerFirst, namespaced } from '../helpers/kinds.js';
import { namespace } from '../helpers/fixtures.js';

type Path = (string | number)[];
interface Resolution {
  coordinate: string;
  path: Path;
}

const key = (attrs: object) => JSON.stringify(attrs, Object.keys(attrs).sort());

/** Every question a scope map asks (`k8s` ones by attributes, `authenticated` by name). */
function questions(scopes: unknown): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(scopes as Record<string, unknown>)) {
    if (name === 'k8s') out.push(key(value as object));
    else if (name === 'authenticated') out.push('authenticated');
    else if (name === '$all' || name === '$any') out.push(...questions(value));
  }
  return out;
}

/** A selection of every field reachable from `type` without revisiting a type on the way. */
function selectAll(type: GraphQLNamedType, seen: string[] = []): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) {
    return `__typename ${schema
      .getPossibleTypes(type)
      .map((t) => `... on ${t.name} { ${selectAll(t, seen)} }`)
      .join(' ')}`;
  }
  const fields = Object.values((type as GraphQLObjectType).getFields()).flatMap((field) => {
    if (field.args.some((a) => a.type.toString().endsWith('!'))) return [];
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [field.name];
    if (seen.includes(named.name)) return [];
    return [`${field.name} { ${selectAll(named, [...seen, named.name])} }`];
  });
  return fields.join(' ');
}

describe('authorization coverage', () => {
  let t: TestApp;
  const resolved: Resolution[] = [];
  const required = new Map<string, string[]>(); // path → questions the field asked
  // the schema is a module other test files in this worker share: its resolvers are put back after
  const originals: [{ resolve?: unknown }, unknown][] = [];
  const decided = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp('pglite');
    await namespace(t, 'walk');
    await t.ok(
      `mutation { createSecret(namespace: "walk", input: { metadata: { name: "creds" }, stringData: ` +
        `{ a: "b" } }) { id } }`,
    );
    await t.ok(`mutation { createServiceAccount(namespace: "walk", input: {
      metadata: { name: "runner" }, secrets: [{ name: "creds" }], imagePullSecrets: [{ name: "creds" }],
      automountServiceAccountToken: true }) { id } }`);
    await t.ok(`mutation { createPod(namespace: "walk", input: { metadata: { name: "job" }, spec: {
      serviceAccountName: "runner", automountServiceAccountToken: false, nodeName: "node-1",
      initContainers: [{ name: "init", image: "busybox" }],
      containers: [{ name: "app", image: "nginx",
        env: [{ name: "A", value: "1" }, { name: "B", valueFrom: { secretKeyRef: { name: "creds", key: "a" } } }],
        envFrom: [{ secretRef: { name: "creds" } }],
        volumeMounts: [{ name: "v", mountPath: "/v", readOnly: true }] }],
      volumes: [{ name: "v", secret: { secretName: "creds" } }, { name: "p", projected: { defaultMode: 420, sources: [
        { serviceAccountToken: { audience: "api", expirationSeconds: 3607, path: "token" } },
        { secret: { name: "creds" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace",
          fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } } ] } }],
      imagePullSecrets: [{ name: "creds" }] } }) { id } }`);
    await t.ok(
      `mutation { createRole(namespace: "walk", input: { metadata: { name: "r" }, rules: [{ verbs: ` +
        `["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["job"] }] }) { id } }`,
    );
    await t.ok(
      `mutation { createClusterRole(input: { metadata: { name: "walk-cr" }, rules: [{ verbs: ["get"], ` +
        `nonResourceURLs: ["/healthz"] }] }) { id } }`,
    );
    await t.ok(`mutation { createRoleBinding(namespace: "walk", input: { metadata: { name: "rb" },
      roleRef: { kind: "Role", name: "r" },
      subjects: [{ kind: "ServiceAccount", name: "runner", namespace: "walk" }] }) { id } }`);
    await t.ok(`mutation { createClusterRoleBinding(input: { metadata: { name: "walk-crb" },
      roleRef: { kind: "ClusterRole", name: "walk-cr" },
      subjects: [{ kind: "Group", name: "devs" }] }) { id } }`);

    const issued = await t.ok(
      'mutation { createServiceAccountToken(namespace: "walk", name: "runner", input: { boundObjectRef: ' +
        '{ kind: "Pod", name: "job" } }) { token } }',
    );
    const token = issued.createServiceAccountToken.token as string;
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti as string;

    // Record every field resolution, and the question each authorizing field asks.
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        originals.push([field, field.resolve]);
        const resolve = field.resolve ?? defaultFieldResolver;
        const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } }).pothosOptions?.authScopes;
        field.resolve = async (parent, args, ctx, info) => {
          const path = responsePathAsArray(info.path);
          resolved.push({ coordinate: `${type.name}.${field.name}`, path });
          if (scopes) {
            const asked = await (typeof scopes === 'function' ? scopes(parent, args, ctx, info) : scopes);
            required.set(JSON.stringify(path), questions(asked));
          }
          return resolve(parent, args, ctx, info);
        };
      }
    }

    const run = async (source: string, variables: Record<string, unknown> = {}) => {
      const ctx = requestContext(
        { authorizer: t.app.authorizer, services: t.app.services, cache: t.app.cache },
        adminUser(),
      );
      const result = await execute({ schema, document: parse(source), contextValue: ctx, variableValues: variables });
      expect(result.errors ?? []).toEqual([]);
      for (const entry of ctx.authz.trace) if (entry.decision.allowed) decided.add(key(entry.attributes));
      decided.add('authenticated'); // the admin is
    };

    const names: Record<string, string> = {
      Namespace: 'walk',
      ServiceAccount: 'runner',
      Secret: 'creds',
      Pod: 'job',
      Role: 'r',
      ClusterRole: 'walk-cr',
      RoleBinding: 'rb',
      ClusterRoleBinding: 'walk-crb',
      IssuedToken: jti,
    };
    const ids: string[] = [];
    for (const field of Object.values(schema.getQueryType()!.getFields())) {
      const kind = Object.keys(names)
        .filter((k) => field.name === lowerFirst(k) || field.name === `${lowerFirst(k)}s`)
        .at(0) as keyof typeof names | undefined;
      if (!kind) continue;
      const plural = field.name.endsWith('s');
      const args = [KINDS[kind as Kind].namespaced ? 'namespace: "walk"' : '', plural ? '' : `name: "${names[kind]}"`]
        .filter(Boolean)
        .join(', ');
      await run(`{ ${field.name}${args ? `(${args})` : ''} { ${selectAll(getNamedType(field.type))} } }`);
      if (!plural) ids.push((await t.ok(`{ ${field.name}(${args}) { id } }`))[field.name].id);
    }
    for (const id of ids)
      await run(`query ($id: ID!) { node(id: $id) { ${selectAll(schema.getType('Node')!)} } }`, { id });
    await run(
      `query ($token: String!) { tokenReview(input: { token: $token ` +
        `}) { ${selectAll(schema.getType('TokenReviewStatus')!)} ` +
        `} }`,
      { token },
    );
    await run(
      `{ whoami { ${selectAll(schema.getType('UserInfo')!)} } signingKeys ` +
        `{ ${selectAll(schema.getType('SigningKey')!)} ` +
        `} }`,
    );
    const sar = selectAll(schema.getType('SubjectAccessReviewStatus')!);
    await run(`{ subjectAccessReview(input: { user: "x", resourceAttributes: { verb: "get", resource: "pods" } }) {
        ${sar} }
      localSubjectAccessReview(namespace: "walk",
        input: { user: "x", resourceAttributes: { verb: "get", resource: "pods" } }) { ${sar} }
      selfSubjectAccessReview(input: { nonResourceAttributes: { verb: "get", path: "/healthz" } }) { ${sar} }
      selfSubjectRulesReview(namespace: "walk") { ${selectAll(schema.getType('SubjectRulesReviewStatus')!)} }
      whoCan(verb: "get", resource: "pods", namespace: "walk") { ${selectAll(schema.getType('WhoCanEntry')!)} } }`);
    // a finding to walk: cluster-admin bound to a group
    await run(`mutation { createClusterRoleBinding(input: { metadata: { name: "walk-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "Group", name: "walkers" }] }) { id } }`);
    await run(`{ effectivePermissions(subject: { kind: ServiceAccount, name: "default", namespace: "walk" },
        namespace: "walk") { ${selectAll(schema.getType('EffectivePermissions')!)} }
      serviceAccountAccess(namespace: "walk", name: "default") { ${selectAll(schema.getType('CredentialPath')!)} }
      rbacFindings(namespace: "walk") { ${selectAll(schema.getType('RbacFinding')!)} } }`);
    // an apply's dry run with an access change to walk: a subject replaced, a new cluster-admin binding
    const crb = (name: string, group: string) =>
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n' +
      `metadata: { name: ${name} }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, ` +
      `name: cluster-admin }\nsubjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: ${group} }]\n`;
    await run(
      `mutation ($m: String!) { apply(manifests: $m, dryRun: true) {
        accessChange { ${selectAll(schema.getType('AccessChange')!)} } } }`,
      { m: `${crb('walk-admin', 'others')}---\n${crb('walk-admin-2', 'walkers')}` },
    );

    for (const { kind, input, change } of KIND_CASES) {
      const d = docs(kind, 'metadata { name }');
      const ns = namespaced(kind) ? { namespace: 'walk' } : {};
      await run(d.create, { ...ns, input: { metadata: { name: `walk-${kind.toLowerCase()}` }, ...input } });
      await run(d.update, { ...ns, input: { metadata: { name: `walk-${kind.toLowerCase()}` }, ...(change ?? {}) } });
      if (kind !== 'Namespace') await run(d.delete, { ...ns, name: `walk-${kind.toLowerCase()}` });
    }
    await run(docs('Namespace', 'metadata { name }').delete, { name: 'walk-namespace' });
    await run(
      `mutation { createServiceAccountToken(namespace: "walk", name: "runner", input: { audiences: ` +
        `["a"] }) { ${selectAll(schema.getType('TokenRequestStatus')!)} } }`,
    );
    await run(`mutation ($jti: String!) { revokeServiceAccountToken(jti: $jti) { metadata { name } } }`, { jti });
    await run(
      `mutation { revokeServiceAccountTokens(namespace: "walk", name: ` +
        `"runner") { ${selectAll(schema.getType('RevokeServiceAccountTokensResult')!)} ` +
        `} }`,
    );
    await run('mutation { rotateSigningKey { kid } }');
    await run(
      'mutation ($m: String!) { apply(manifests: $m, skipUnsupported: true) { ' +
        'kind namespace name action object { id } } }',
      {
        m:
          'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: applied, namespace: walk }\n---\n' +
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n',
      },
    );
    await run(`mutation { createClusterRole(input: { metadata: { name: "walk-agg" }, aggregationRule: {
      clusterRoleSelectors: [{ matchLabels: { a: "b" },
        matchExpressions: [{ key: "c", operator: "In", values: ["d"] }] }] } }) {
      aggregationRule { clusterRoleSelectors { matchLabels matchExpressions { key operator values } } } } }`);
    await run('{ export(namespace: "walk", includeSecretData: true) }');
    const auditEvent = selectAll(schema.getType('AuditEvent')!);
    await run(
      `{ auditEvents(first: 5) { totalCount pageInfo { hasNextPage } edges { cursor node { ${auditEvent} } } } }`,
    );

    // A watch: its first event (the Pod, ADDED), then the watch is ended.
    const ctx = requestContext(
      { authorizer: t.app.authorizer, services: t.app.services, cache: t.app.cache },
      adminUser(),
    );
    const events = await subscribe({
      schema,
      document: parse(
        `subscription { watch(kind: Pod, namespace: "walk") { type resourceVersion ` +
          `object { ${selectAll(schema.getType('Node')!)} } } }`,
      ),
      contextValue: ctx,
    });
    if (!(Symbol.asyncIterator in events)) throw new Error(JSON.stringify(events.errors));
    const first = (await events.next()).value as ExecutionResult<{ watch: { type: string } }>;
    await events.return?.();
    expect(first.errors ?? []).toEqual([]);
    expect(first.data?.watch.type).toBe('ADDED');
    for (const entry of ctx.authz.trace) if (entry.decision.allowed) decided.add(key(entry.attributes));
  });
  afterAll(async () => {
    for (const [field, resolve] of originals) field.resolve = resolve;
    await t.close();
  });

  it('declares a question on every root field and every field that reaches other objects', () => {
    expect(unauthorizedFields(schema)).toEqual([]);
  });

  it('notices a field that declares none', () => {
    const bare = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { secrets: { type: GraphQLString, resolve: () => 'x' } } }),
    });
    expect(unauthorizedFields(bare)).toEqual(['Query.secrets']);
  });

  it('walked every field of every type', () => {
    const seen = new Set(resolved.map((r) => r.coordinate));
    const all = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__'))
      .flatMap((type) => Object.keys(type.getFields()).map((f) => `${type.name}.${f}`));
    expect(all.filter((c) => !seen.has(c))).toEqual([]);
  });

  it('resolved each field under an answered question', () => {
    const unanswered: string[] = [];
    for (const r of resolved) {
      let covered = false;
      for (let len = r.path.length; len > 0 && !covered; len--) {
        const asked = required.get(JSON.stringify(r.path.slice(0, len)));
        if (asked !== undefined) covered = asked.length > 0 && asked.every((q) => decided.has(q));
      }
      if (!covered) unanswered.push(`${r.coordinate} at ${r.path.join('.')}`);
    }
    expect(unanswered).toEqual([]);
    expect(resolved.length).toBeGreaterThan(500);
  });
});
