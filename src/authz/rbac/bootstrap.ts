/**
 * The bootstrap policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`: `policy.go`,
 * `controller_policy.go`, `namespace_policy.go`): the ClusterRoles, ClusterRoleBindings, Roles and
 * RoleBindings every cluster starts with, the control plane's and the controllers' included, since
 * workloads bind to them. admin, edit and view hold their aggregated rules.
 * `controllers/bootstrapPolicy.ts` reconciles them at every start. Checked against Kubernetes'
 * `testdata/*.yaml` by `test/unit/bootstrap-testdata.test.ts`.
 */
import type { AggregationRule, PolicyRule, Subject } from '../../apis/rbac.js';
import { defaultRule, RBAC_GROUP } from '../../apis/rbac.js';

const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule =>
  defaultRule({ verbs, apiGroups, resources });
/** A rule limited to the objects of these names. */
const named = (verbs: string[], apiGroups: string[], resources: string[], resourceNames: string[]): PolicyRule =>
  defaultRule({ verbs, apiGroups, resources, resourceNames });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => defaultRule({ verbs, nonResourceURLs });
/** `eventsRule()`: recording events, through either events API. */
const events = (): PolicyRule => r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
/** Every verb but deletecollection. */
const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const CERTS = 'certificates.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const NETWORKING = 'networking.k8s.io';
const RESOURCE = 'resource.k8s.io';
const STORAGE = 'storage.k8s.io';
const APPS_EXT = ['apps', 'extensions'];
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
  r(READ, [DISCOVERY], ['endpointslices']),
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
  r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  r(
    READ,
    ['extensions'],
    [
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'ingresses',
      'ingresses/status',
      'networkpolicies',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'replicationcontrollers/scale',
    ],
  ),
  r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  r(READ, [NETWORKING], ['ingresses', 'ingresses/status', 'networkpolicies']),
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
  r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  r(WRITE, ['batch'], ['cronjobs', 'jobs']),
  r(
    WRITE,
    ['extensions'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'ingresses',
      'networkpolicies',
      'replicasets',
      'replicasets/scale',
      'replicationcontrollers/scale',
    ],
  ),
  r(WRITE, ['policy'], ['poddisruptionbudgets']),
  r(WRITE, [NETWORKING], ['ingresses', 'networkpolicies']),
  r([...WRITE, ...READ], [COORDINATION], ['leases']),
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

/** The kubelet's (`NodeRules()`); Kubernetes binds it to no one (the Node authorizer grants it). */
const NODE_RULES: PolicyRule[] = [
  r(['create'], [AUTHN], ['tokenreviews']),
  r(['create'], [AUTHZ], ['localsubjectaccessreviews', 'subjectaccessreviews']),
  r(READ, [''], ['services']),
  r(['create', ...READ], [''], ['nodes']),
  r(['patch', 'update'], [''], ['nodes/status']),
  r(['patch', 'update'], [''], ['nodes']),
  r(['create', 'patch', 'update'], [''], ['events']),
  r(READ, [''], ['pods']),
  r(['create', 'delete'], [''], ['pods']),
  r(['patch', 'update'], [''], ['pods/status']),
  r(['create'], [''], ['pods/eviction']),
  r(READ, [''], ['configmaps', 'secrets']),
  r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  r(['get'], [''], ['endpoints']),
  r(['create', ...READ], [CERTS], ['certificatesigningrequests']),
  r(['create', 'delete', 'get', 'patch', 'update'], [COORDINATION], ['leases']),
  r(['get'], [STORAGE], ['volumeattachments']),
  r(['create'], [''], ['serviceaccounts/token']),
  r(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
  r(READ, [STORAGE], ['csidrivers']),
  r(['create', 'delete', 'get', 'patch', 'update'], [STORAGE], ['csinodes']),
  r(READ, ['node.k8s.io'], ['runtimeclasses']),
];

const KUBE_CONTROLLER_MANAGER_RULES: PolicyRule[] = [
  events(),
  r(['create'], [COORDINATION], ['leases']),
  named(['get', 'update'], [COORDINATION], ['leases'], ['kube-controller-manager']),
  r(['create'], [''], ['secrets', 'serviceaccounts']),
  r(['delete'], [''], ['secrets']),
  r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
  r(['update'], [''], ['secrets', 'serviceaccounts']),
  r(['create'], [AUTHN], ['tokenreviews']),
  r(['create'], [AUTHZ], ['subjectaccessreviews']),
  r(['list', 'watch'], ['*'], ['*']),
  r(['create'], [''], ['serviceaccounts/token']),
];

const KUBE_SCHEDULER_RULES: PolicyRule[] = [
  events(),
  r(['create'], [COORDINATION], ['leases']),
  named(['get', 'update'], [COORDINATION], ['leases'], ['kube-scheduler']),
  r(READ, [''], ['nodes']),
  r(['delete', ...READ], [''], ['pods']),
  r(['create'], [''], ['bindings', 'pods/binding']),
  r(['patch', 'update'], [''], ['pods/status']),
  r(READ, [''], ['replicationcontrollers', 'services']),
  r(READ, APPS_EXT, ['replicasets']),
  r(READ, ['apps'], ['statefulsets']),
  r(READ, ['policy'], ['poddisruptionbudgets']),
  r(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
  r(['create'], [AUTHN], ['tokenreviews']),
  r(['create'], [AUTHZ], ['subjectaccessreviews']),
  r(READ, [STORAGE], ['csinodes']),
  r(READ, [''], ['namespaces']),
  r(READ, [STORAGE], ['csidrivers']),
  r(READ, [STORAGE], ['csistoragecapacities']),
];

/** `system:certificates.k8s.io:<signer>-approver`: approving CSRs for one of Kubernetes' signers. */
const approver = (signer: string): BootstrapClusterRole => ({
  name: `system:certificates.k8s.io:${signer}-approver`,
  rules: [named(['approve'], [CERTS], ['signers'], [`kubernetes.io/${signer}`])],
});

/**
 * Kubernetes' defaults (`policy.go`, checked against its `testdata/cluster-roles.yaml`):
 * `admin`, `edit` and `view` are aggregated from `system:aggregate-to-*` and from whatever else
 * carries those labels (a CRD's roles, say).
 */
const CLUSTER_ROLES: BootstrapClusterRole[] = [
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
  { name: 'system:node', rules: NODE_RULES },
  {
    name: 'system:node-proxier',
    rules: [
      r(['list', 'watch'], [''], ['endpoints', 'services']),
      r(['get', 'list', 'watch'], [''], ['nodes']),
      r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
      r(['list', 'watch'], [DISCOVERY], ['endpointslices']),
    ],
  },
  { name: 'system:kube-controller-manager', rules: KUBE_CONTROLLER_MANAGER_RULES },
  { name: 'system:kube-scheduler', rules: KUBE_SCHEDULER_RULES },
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
      r(['get', 'list', 'watch'], [STORAGE], ['storageclasses']),
      r(['watch'], [''], ['events']),
      r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'watch'], [STORAGE], ['storageclasses']),
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
    rules: [r(['create', 'get', 'list', 'watch'], [CERTS], ['certificatesigningrequests'])],
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
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    rules: [r(['create'], [CERTS], ['certificatesigningrequests/nodeclient'])],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    rules: [r(['create'], [CERTS], ['certificatesigningrequests/selfnodeclient'])],
  },
  approver('kube-apiserver-client'),
  approver('kube-apiserver-client-kubelet'),
  approver('kubelet-serving'),
  approver('legacy-unknown'),
];

/**
 * The controllers' roles (`controller_policy.go`, checked against `testdata/controller-roles.yaml`),
 * named `system:controller:<name>` and each bound to the ServiceAccount `kube-system/<name>` that
 * kube-controller-manager runs that controller as (`--use-service-account-credentials`).
 */
const CONTROLLER_ROLES: { name: string; rules: PolicyRule[] }[] = [
  {
    name: 'attachdetach-controller',
    rules: [
      r(['list', 'watch'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(READ, [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['list', 'watch'], [''], ['pods']),
      events(),
      r(['create', 'delete', ...READ], [STORAGE], ['volumeattachments']),
      r(READ, [STORAGE], ['csidrivers']),
      r(READ, [STORAGE], ['csinodes']),
    ],
  },
  {
    name: 'certificate-controller',
    rules: [
      r(['delete', ...READ], [CERTS], ['certificatesigningrequests']),
      r(['update'], [CERTS], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
      named(['approve'], [CERTS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      named(
        ['sign'],
        [CERTS],
        ['signers'],
        [
          'kubernetes.io/kube-apiserver-client',
          'kubernetes.io/kube-apiserver-client-kubelet',
          'kubernetes.io/kubelet-serving',
          'kubernetes.io/legacy-unknown',
        ],
      ),
      r(['create'], [AUTHZ], ['subjectaccessreviews']),
      events(),
    ],
  },
  {
    name: 'clusterrole-aggregation-controller',
    rules: [r(['escalate', 'get', 'list', 'patch', 'update', 'watch'], [RBAC_GROUP], ['clusterroles'])],
  },
  {
    name: 'cronjob-controller',
    rules: [
      r(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
      r(RW, ['batch'], ['jobs']),
      r(['update'], ['batch'], ['cronjobs/status']),
      r(['update'], ['batch'], ['cronjobs/finalizers']),
      r(['delete', 'list', 'watch'], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'daemon-set-controller',
    rules: [
      r(READ, APPS_EXT, ['daemonsets']),
      r(['update'], APPS_EXT, ['daemonsets/status']),
      r(['update'], APPS_EXT, ['daemonsets/finalizers']),
      r(['list', 'watch'], [''], ['nodes']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      r(['create'], [''], ['pods/binding']),
      r(RW, ['apps'], ['controllerrevisions']),
      events(),
    ],
  },
  {
    name: 'deployment-controller',
    rules: [
      r(['get', 'list', 'update', 'watch'], APPS_EXT, ['deployments']),
      r(['update'], APPS_EXT, ['deployments/status']),
      r(['update'], APPS_EXT, ['deployments/finalizers']),
      r(RW, APPS_EXT, ['replicasets']),
      r(['get', 'list', 'update', 'watch'], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'device-taint-eviction-controller',
    rules: [
      r(['delete', ...READ], [''], ['pods']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(READ, [RESOURCE], ['resourceclaims']),
      r(READ, [RESOURCE], ['resourceslices']),
      r(READ, [RESOURCE], ['deviceclasses']),
      events(),
    ],
  },
  {
    name: 'disruption-controller',
    rules: [
      r(READ, APPS_EXT, ['deployments']),
      r(READ, APPS_EXT, ['replicasets']),
      r(READ, [''], ['replicationcontrollers']),
      r(READ, ['policy'], ['poddisruptionbudgets']),
      r(READ, ['apps'], ['statefulsets']),
      r(['update'], ['policy'], ['poddisruptionbudgets/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['get'], ['*'], ['*/scale']),
      events(),
    ],
  },
  {
    name: 'endpoint-controller',
    rules: [
      r(READ, [''], ['pods', 'services']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']),
      r(['create'], [''], ['endpoints/restricted']),
      events(),
    ],
  },
  {
    name: 'endpointslice-controller',
    rules: [
      r(READ, [''], ['nodes', 'pods', 'services']),
      r(['update'], [''], ['services/finalizers']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [DISCOVERY], ['endpointslices']),
      events(),
    ],
  },
  {
    name: 'endpointslicemirroring-controller',
    rules: [
      r(READ, [''], ['endpoints', 'services']),
      r(['update'], [''], ['services/finalizers']),
      r(['update'], [''], ['endpoints/finalizers']),
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [DISCOVERY], ['endpointslices']),
      events(),
    ],
  },
  {
    name: 'ephemeral-volume-controller',
    rules: [
      r(READ, [''], ['pods']),
      r(['update'], [''], ['pods/finalizers']),
      r(['create', ...READ], [''], ['persistentvolumeclaims']),
      events(),
    ],
  },
  {
    name: 'expand-controller',
    rules: [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(READ, [''], ['persistentvolumeclaims']),
      events(),
    ],
  },
  {
    name: 'generic-garbage-collector',
    rules: [r(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), events()],
  },
  {
    name: 'horizontal-pod-autoscaler',
    rules: [
      r(READ, ['autoscaling'], ['horizontalpodautoscalers']),
      r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      r(['get', 'update'], ['*'], ['*/scale']),
      r(['list', 'watch'], [''], ['pods']),
      r(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      r(READ, ['custom.metrics.k8s.io'], ['*']),
      r(READ, ['external.metrics.k8s.io'], ['*']),
      events(),
    ],
  },
  {
    name: 'job-controller',
    rules: [
      r(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
      r(['update'], ['batch'], ['jobs/status']),
      r(['update'], ['batch'], ['jobs/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'legacy-service-account-token-cleaner',
    rules: [
      named(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
      r(['delete', 'patch'], [''], ['secrets']),
    ],
  },
  {
    name: 'namespace-controller',
    rules: [
      r(['delete', ...READ], [''], ['namespaces']),
      r(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      r(['delete', 'deletecollection', ...READ], ['*'], ['*']),
    ],
  },
  {
    name: 'node-controller',
    rules: [
      r(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['delete', ...READ], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'persistent-volume-binder',
    rules: [
      r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
      r(['update'], [''], ['persistentvolumes/status']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['persistentvolumeclaims/status']),
      r(['create', 'delete', ...READ], [''], ['pods']),
      r(READ, [STORAGE], ['storageclasses']),
      r(['list', 'watch'], [''], ['nodes']),
      events(),
      r(['watch'], [''], ['events']),
    ],
  },
  {
    name: 'pod-garbage-collector',
    rules: [
      r(['delete', 'list', 'watch'], [''], ['pods']),
      r(READ, [''], ['nodes']),
      r(['patch'], [''], ['pods/status']),
    ],
  },
  {
    name: 'pv-protection-controller',
    rules: [r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), events()],
  },
  {
    name: 'pvc-protection-controller',
    rules: [
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['persistentvolumeclaims/status']),
      r(READ, [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'replicaset-controller',
    rules: [
      r(['get', 'list', 'update', 'watch'], APPS_EXT, ['replicasets']),
      r(['update'], APPS_EXT, ['replicasets/status']),
      r(['update'], APPS_EXT, ['replicasets/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'replication-controller',
    rules: [
      r(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']),
      r(['update'], [''], ['replicationcontrollers/status']),
      r(['update'], [''], ['replicationcontrollers/finalizers']),
      r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
      events(),
    ],
  },
  {
    name: 'resource-claim-controller',
    rules: [
      r(READ, [''], ['pods']),
      r(['update'], [''], ['pods/finalizers']),
      r(['create', 'delete', ...READ], [RESOURCE], ['resourceclaims']),
      r(['patch', 'update'], [RESOURCE], ['resourceclaims', 'resourceclaims/status']),
      r(['patch', 'update'], [''], ['pods/status']),
      events(),
      r(['patch', 'update'], [RESOURCE], ['resourceclaims/binding']),
    ],
  },
  {
    name: 'resourcequota-controller',
    rules: [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), events()],
  },
  {
    name: 'root-ca-cert-publisher',
    rules: [r(['create', 'update'], [''], ['configmaps']), events()],
  },
  {
    name: 'route-controller',
    rules: [r(['list', 'watch'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), events()],
  },
  {
    name: 'selinux-warning-controller',
    rules: [
      events(),
      r(READ, [''], ['persistentvolumes']),
      r(READ, [''], ['persistentvolumeclaims']),
      r(READ, [''], ['pods']),
      r(READ, [STORAGE], ['csidrivers']),
    ],
  },
  {
    name: 'service-account-controller',
    rules: [r(['create'], [''], ['serviceaccounts']), events()],
  },
  {
    name: 'service-cidrs-controller',
    rules: [
      r(['get', 'list', 'patch', 'update', 'watch'], [NETWORKING], ['servicecidrs']),
      r(['patch', 'update'], [NETWORKING], ['servicecidrs/finalizers']),
      r(['patch', 'update'], [NETWORKING], ['servicecidrs/status']),
      r(READ, [NETWORKING], ['ipaddresses']),
      events(),
    ],
  },
  {
    name: 'service-controller',
    rules: [
      r(READ, [''], ['services']),
      r(['patch', 'update'], [''], ['services/status']),
      r(['list', 'watch'], [''], ['nodes']),
      events(),
    ],
  },
  {
    name: 'statefulset-controller',
    rules: [
      r(['list', 'watch'], [''], ['pods']),
      r(READ, ['apps'], ['statefulsets']),
      r(['update'], ['apps'], ['statefulsets/status']),
      r(['update'], ['apps'], ['statefulsets/finalizers']),
      r(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
      r(RW, ['apps'], ['controllerrevisions']),
      r(['create', ...READ], [''], ['persistentvolumeclaims']),
      r(['delete', 'update'], [''], ['persistentvolumeclaims']),
      r(['update'], [''], ['pods/finalizers']),
      events(),
    ],
  },
  {
    name: 'ttl-after-finished-controller',
    rules: [r(['delete', ...READ], ['batch'], ['jobs']), events()],
  },
  {
    name: 'ttl-controller',
    rules: [r(['list', 'patch', 'update', 'watch'], [''], ['nodes']), events()],
  },
  {
    name: 'validatingadmissionpolicy-status-controller',
    rules: [
      r(READ, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
      r(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
      events(),
    ],
  },
  {
    name: 'volumeattributesclass-protection-controller',
    rules: [
      r(READ, [''], ['persistentvolumeclaims']),
      r(READ, [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [STORAGE], ['volumeattributesclasses']),
      events(),
    ],
  },
];

const CONTROLLER_PREFIX = 'system:controller:';

export const BOOTSTRAP_CLUSTER_ROLES: BootstrapClusterRole[] = [
  ...CLUSTER_ROLES,
  ...CONTROLLER_ROLES.map(({ name, rules }) => ({ name: `${CONTROLLER_PREFIX}${name}`, rules })),
];

/** `system::leader-locking-<component>`: electing a leader through Leases. */
const leaderLocking = (): PolicyRule[] => [
  r(['create', 'get', 'list', 'update', 'watch'], [COORDINATION], ['leases']),
  r(['create', 'get', 'list', 'update', 'watch'], [COORDINATION], ['leasecandidates']),
];

/**
 * Kubernetes' default Roles in namespaces (`namespace_policy.go`, checked against
 * `testdata/namespace-roles.yaml`), some of which workloads bind to.
 */
export const BOOTSTRAP_ROLES: { namespace: string; name: string; rules: PolicyRule[] }[] = [
  {
    namespace: 'kube-public',
    name: 'system:controller:bootstrap-signer',
    rules: [r(READ, [''], ['configmaps']), named(['update'], [''], ['configmaps'], ['cluster-info']), events()],
  },
  {
    namespace: 'kube-system',
    name: 'extension-apiserver-authentication-reader',
    rules: [named(READ, [''], ['configmaps'], ['extension-apiserver-authentication'])],
  },
  { namespace: 'kube-system', name: 'system::leader-locking-kube-controller-manager', rules: leaderLocking() },
  { namespace: 'kube-system', name: 'system::leader-locking-kube-scheduler', rules: leaderLocking() },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: [r(READ, [''], ['secrets'])] },
  {
    namespace: 'kube-system',
    name: 'system:controller:cloud-provider',
    rules: [r(['create', ...READ], [''], ['configmaps'])],
  },
  {
    namespace: 'kube-system',
    name: 'system:controller:token-cleaner',
    rules: [r(['delete', ...READ], [''], ['secrets']), events()],
  },
];

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const kubeSystemSA = (name: string): Subject => ({ kind: 'ServiceAccount', name, namespace: 'kube-system' });

/** `role` names the ClusterRole bound. */
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
  { name: 'system:node-proxier', role: 'system:node-proxier', subjects: [user('system:kube-proxy')] },
  { name: 'system:kube-dns', role: 'system:kube-dns', subjects: [kubeSystemSA('kube-dns')] },
  {
    name: 'system:kube-controller-manager',
    role: 'system:kube-controller-manager',
    subjects: [user('system:kube-controller-manager')],
  },
  { name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  { name: 'system:volume-scheduler', role: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')] },
  // with no subjects, as in Kubernetes: the kubelets get their rights from the Node authorizer instead
  { name: 'system:node', role: 'system:node', subjects: [] },
  ...CONTROLLER_ROLES.map(({ name }) => ({
    name: `${CONTROLLER_PREFIX}${name}`,
    role: `${CONTROLLER_PREFIX}${name}`,
    subjects: [kubeSystemSA(name)],
  })),
];

/**
 * Kubernetes' default RoleBindings in namespaces (`namespace_policy.go`, checked against
 * `testdata/namespace-role-bindings.yaml`); `role` names a Role in the binding's namespace.
 */
export const BOOTSTRAP_ROLE_BINDINGS: { namespace: string; name: string; role: string; subjects: Subject[] }[] = [
  {
    namespace: 'kube-public',
    name: 'system:controller:bootstrap-signer',
    role: 'system:controller:bootstrap-signer',
    subjects: [kubeSystemSA('bootstrap-signer')],
  },
  {
    namespace: 'kube-system',
    name: 'system::extension-apiserver-authentication-reader',
    role: 'extension-apiserver-authentication-reader',
    subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    role: 'system::leader-locking-kube-controller-manager',
    subjects: [
      user('system:kube-controller-manager'),
      kubeSystemSA('kube-controller-manager'),
      kubeSystemSA('leader-election-controller'),
    ],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    role: 'system::leader-locking-kube-scheduler',
    subjects: [user('system:kube-scheduler'), kubeSystemSA('kube-scheduler')],
  },
  ...['bootstrap-signer', 'cloud-provider', 'token-cleaner'].map((name) => ({
    namespace: 'kube-system',
    name: `${CONTROLLER_PREFIX}${name}`,
    role: `${CONTROLLER_PREFIX}${name}`,
    subjects: [kubeSystemSA(name)],
  })),
];
