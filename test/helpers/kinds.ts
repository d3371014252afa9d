/** GraphQL documents for every kind, generated from the contract's naming rules. */
import { KINDS, type Kind } from '../../src/apis/kinds.js';

export const META =
  'metadata { name namespace uid resourceVersion generation creationTimestamp deletionTimestamp labels annotations }';

export const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);

export interface KindCase {
  kind: Kind;
  /** Body fields of a valid create input (besides metadata). */
  input: Record<string, unknown>;
  /** A body change an update may make (bumps generation), or null if none may. */
  change: Record<string, unknown> | null;
  /** The selection of body fields to read back. */
  body: string;
}

export const KIND_CASES: KindCase[] = [
  { kind: 'Namespace', input: {}, change: null, body: 'status { phase }' },
  {
    kind: 'ServiceAccount',
    input: { automountServiceAccountToken: false },
    change: { automountServiceAccountToken: true },
    body: 'automountServiceAccountToken',
  },
  {
    kind: 'Secret',
    input: { stringData: { user: 'admin' } },
    change: { stringData: { user: 'root' } },
    body: 'type data',
  },
  {
    kind: 'Pod',
    input: { spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    change: null,
    body: 'spec { containers { name image } }',
  },
  {
    kind: 'Role',
    input: { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
    change: { rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] },
    body: 'rules { verbs }',
  },
  {
    kind: 'ClusterRole',
    input: { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
    change: { rules: [] },
    body: 'rules { verbs }',
  },
  {
    kind: 'RoleBinding',
    input: { roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }] },
    change: { subjects: [] },
    body: 'roleRef { kind name } subjects { name }',
  },
  {
    kind: 'ClusterRoleBinding',
    input: { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs' }] },
    change: { subjects: [] },
    body: 'roleRef { kind name } subjects { name }',
  },
];

export const namespaced = (kind: Kind) => KINDS[kind].namespaced;

export function docs(kind: Kind, selection: string) {
  const ns = namespaced(kind);
  const nsVar = ns ? '$namespace: String!, ' : '';
  const nsArg = ns ? 'namespace: $namespace, ' : '';
  const one = lowerFirst(kind);
  return {
    get: `query (${nsVar}$name: String!) { ${one}(${nsArg}name: $name) { ${selection} } }`,
    list: `query (${ns ? '$namespace: String, ' : ''}$labelSelector: String, $first: Int, $after: String) {
      ${one}s(${nsArg}labelSelector: $labelSelector, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { ${selection} } } } }`,
    create: `mutation (${nsVar}$input: ${kind}Input!) { create${kind}(${nsArg}input: $input) { ${selection} } }`,
    update: `mutation (${nsVar}$input: ${kind}Input!) { update${kind}(${nsArg}input: $input) { ${selection} } }`,
    delete: `mutation (${nsVar}$name: String!) { delete${kind}(${nsArg}name: $name) { ${selection} } }`,
  };
}
