/**
 * The bootstrap policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`), reduced to
 * the resources Keyway serves: the ClusterRoles and ClusterRoleBindings every cluster starts with.
 * admin, edit and view hold their aggregated rules. `controllers/bootstrapPolicy.ts` reconciles
 * them at every start.
 */
import type { AggregationRule, PolicyRule, Subject } from '../../apis/rbac.js';
import { defaultRule, RBAC_GROUP } from '../../apis/rbac.js';

const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule =>
  defaultRule({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => defaultRule({ verbs, nonResourceURLs });

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const KEYWAY_AUTHN = 'authentication.keyway.dev';

const VIEW: PolicyRule[] = [
  r(
    READ,
    [''],
    [
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
    ],
  ),
  r(
    READ,
    [''],
    [
      'bindings',
      'events',
      'limitranges',
      'namespaces/status',
      'pods/log',
      'pods/status',
      'replicationcontrollers/status',
      'resourcequotas',
      'resourcequotas/status',
    ],
  ),
  r(READ, [''], ['namespaces']),
  r(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
    ],
  ),
  r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  r(READ, [KEYWAY_AUTHN], ['issuedtokens']),
];

/** What `edit` adds to `view` (`system:aggregate-to-edit`). */
const EDIT_ONLY: PolicyRule[] = [
  r(['impersonate'], [''], ['serviceaccounts']),
  r(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  r(['create'], [''], ['pods/eviction']),
  r(
    WRITE,
    [''],
    [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
  ),
  r(['create'], [''], ['serviceaccounts/token']),
  r(
    WRITE,
    ['apps'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
  ),
  r(WRITE, ['batch'], ['cronjobs', 'jobs']),
  r(['update'], [KEYWAY_AUTHN], ['issuedtokens']),
  r(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
];

/** What `admin` adds to `edit` (`system:aggregate-to-admin`). */
const ADMIN_ONLY: PolicyRule[] = [
  r(['create'], [AUTHZ], ['localsubjectaccessreviews']),
  r([...WRITE, ...READ], [RBAC_GROUP], ['rolebindings', 'roles']),
];

const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';
/** An aggregation rule selecting the ClusterRoles labelled `aggregate-to-<name>`. */
const aggregating = (name: string) => ({
  clusterRoleSelectors: [{ matchLabels: { [`${AGGREGATE}${name}`]: 'true' } }],
});

const DISCOVERY_URLS = [
  '/api',
  '/api/*',
  '/apis',
  '/apis/*',
  '/healthz',
  '/livez',
  '/openapi',
  '/openapi/*',
  '/readyz',
  '/version',
  '/version/',
];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

export interface BootstrapClusterRole {
  name: string;
  rules: PolicyRule[];
  /** Labelled `aggregate-to-<this>`: its rules are aggregated into that role. */
  aggregateTo?: string[];
  /** Aggregated: its rules are those of the roles it selects (the aggregation controller's). */
  aggregationRule?: AggregationRule;
}

/**
 * Kubernetes' defaults (`bootstrappolicy/policy.go`, checked against its
 * `testdata/cluster-roles.yaml`): `admin`, `edit` and `view` are aggregated
 * from `system:aggregate-to-*` and from whatever else carries those labels (a CRD's roles, say).
 */
export const BOOTSTRAP_CLUSTER_ROLES: BootstrapClusterRole[] = [
  { name: 'cluster-admin', rules: [r(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', rules: [], aggregationRule: aggregating('admin') },
  { name: 'edit', rules: [], aggregateTo: ['admin'], aggregationRule: aggregating('edit') },
  { name: 'view', rules: [], aggregateTo: ['edit'], aggregationRule: aggregating('view') },
  { name: 'system:aggregate-to-admin', rules: ADMIN_ONLY, aggregateTo: ['admin'] },
  { name: 'system:aggregate-to-edit', rules: EDIT_ONLY, aggregateTo: ['edit'] },
  { name: 'system:aggregate-to-view', rules: VIEW, aggregateTo: ['view'] },
  {
    name: 'system:heapster',
    rules: [
      r(['get', 'list', 'watch'], [''], ['events', 'namespaces', 'nodes', 'pods']),
      r(['get', 'list', 'watch'], ['extensions'], ['deployments']),
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [
      r(['list', 'watch'], [''], ['endpoints', 'services']),
      r(['get', 'list', 'watch'], [''], ['nodes']),
      r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ],
  },
  {
    name: 'system:kube-dns',
    rules: [r(['list', 'watch'], [''], ['endpoints', 'services'])],
  },
  { name: 'system:kube-aggregator', rules: [r(['get', 'list', 'watch'], [''], ['endpoints', 'services'])] },
  {
    name: 'system:monitoring',
    rules: [
      urls(
        ['get'],
        ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'],
      ),
    ],
  },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
      r(['watch'], [''], ['events']),
      r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    ],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [
      r(['get', 'list', 'watch'], [''], ['nodes']),
      r(['proxy'], [''], ['nodes']),
      r(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats']),
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])],
  },
  {
    name: 'system:node-problem-detector',
    rules: [
      r(['get'], [''], ['nodes']),
      r(['patch'], [''], ['nodes/status']),
      r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      r(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      r(['create'], [AUTHN], ['selfsubjectreviews']),
    ],
  },
  { name: 'system:discovery', rules: [urls(['get'], DISCOVERY_URLS)] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], PUBLIC_INFO_URLS)] },
  {
    name: 'system:auth-delegator',
    rules: [r(['create'], [AUTHN], ['tokenreviews']), r(['create'], [AUTHZ], ['subjectaccessreviews'])],
  },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [
      urls(
        ['get'],
        [
          '/.well-known/openid-configuration',
          '/.well-known/openid-configuration/',
          '/openid/v1/jwks',
          '/openid/v1/jwks/',
        ],
      ),
    ],
  },
];

/** Kubernetes' default Roles in namespaces (`NamespaceRoles`) that workloads bind to. */
export const BOOTSTRAP_ROLES: { namespace: string; name: string; rules: PolicyRule[] }[] = [
  {
    namespace: 'kube-system',
    name: 'extension-apiserver-authentication-reader',
    rules: [
      defaultRule({
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['extension-apiserver-authentication'],
      }),
    ],
  },
];

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: { name: string; role: string; subjects: Subject[] }[] = [
  { name: 'cluster-admin', role: 'cluster-admin', subjects: [group('system:masters')] },
  { name: 'system:basic-user', role: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:discovery', role: 'system:discovery', subjects: [group('system:authenticated')] },
  {
    name: 'system:public-info-viewer',
    role: 'system:public-info-viewer',
    subjects: [group('system:authenticated'), group('system:unauthenticated')],
  },
  {
    name: 'system:service-account-issuer-discovery',
    role: 'system:service-account-issuer-discovery',
    subjects: [group('system:serviceaccounts')],
  },
  { name: 'system:monitoring', role: 'system:monitoring', subjects: [group('system:monitoring')] },
  {
    name: 'system:node-proxier',
    role: 'system:node-proxier',
    subjects: [{ kind: 'User', apiGroup: RBAC_GROUP, name: 'system:kube-proxy' }],
  },
  {
    name: 'system:kube-dns',
    role: 'system:kube-dns',
    subjects: [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }],
  },
];
