/**
 * The bootstrap policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`), reduced to
 * the resources Keyway serves: the ClusterRoles and ClusterRoleBindings every cluster starts with.
 * admin, edit and view hold their aggregated rules. `controllers/bootstrapPolicy.ts` reconciles
 * them at every start.
 */
import type { PolicyRule, Subject } from '../../apis/rbac.js';
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

const EDIT: PolicyRule[] = [
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
  ...VIEW,
];

const ADMIN: PolicyRule[] = [
  r(['create'], [AUTHZ], ['localsubjectaccessreviews']),
  r([...WRITE, ...READ], [RBAC_GROUP], ['rolebindings', 'roles']),
  ...EDIT,
];

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

export const BOOTSTRAP_CLUSTER_ROLES: { name: string; rules: PolicyRule[]; aggregateTo?: string }[] = [
  { name: 'cluster-admin', rules: [r(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', rules: ADMIN },
  { name: 'edit', rules: EDIT, aggregateTo: 'admin' },
  { name: 'view', rules: VIEW, aggregateTo: 'edit' },
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
];
