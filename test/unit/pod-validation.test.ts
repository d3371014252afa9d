import { describe, expect, it } from 'vitest';
import type { Pod, PodSpec } from '../../src/apis/core.js';
import { podStrategy, validatePodSpec } from '../../src/resources/pod/strategy.js';

const metadata = {
  name: 'p',
  namespace: 'ns',
  uid: 'u',
  resourceVersion: '0',
  generation: 1,
  creationTimestamp: '',
  labels: {},
  annotations: {},
};

/** The volume ServiceAccount admission adds, written out as Kubernetes builds it. */
const kubeApiAccess = {
  name: 'kube-api-access-abcde',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  },
};

/** volumes[0] = creds (secret), volumes[1] = kube-api-access-abcde (projected). */
const base: PodSpec = {
  serviceAccountName: 'builder',
  nodeName: 'node-1.example.com',
  volumes: [{ name: 'creds', secret: { secretName: 'db-creds' } }, kubeApiAccess],
  initContainers: [
    { name: 'setup', image: 'busybox', volumeMounts: [{ name: 'creds', mountPath: '/creds', readOnly: true }] },
  ],
  containers: [
    {
      name: 'app',
      image: 'nginx',
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
      ],
      envFrom: [{ secretRef: { name: 'app-env' } }],
      volumeMounts: [
        { name: 'creds', mountPath: '/creds', readOnly: true },
        { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ],
    },
  ],
  imagePullSecrets: [{ name: 'regcred' }],
};

function pod(mutate: (spec: PodSpec) => void = () => {}): Pod {
  const spec = structuredClone(base);
  mutate(spec);
  return { kind: 'Pod', metadata, spec };
}

const errors = (p: Pod) => validatePodSpec(p).map(String);

// Kubernetes' messages, written out once.
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and " +
  "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const ENV_NAME =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', " +
  "or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', " +
  "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const CONFIG_KEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', " +
  " or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const QUALIFIED_NAME =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VOLUME_FIELD_PATHS =
  'supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"';

const V1 = 'spec.volumes[1].projected';
const C0 = 'spec.containers[0]';

type Row = [string, (s: PodSpec) => void, string[]];
const projected = (s: PodSpec) => s.volumes![1].projected!;
const cmItem = (s: PodSpec) => projected(s).sources[1].configMap!.items![0];
const dwItem = (s: PodSpec) => projected(s).sources[2].downwardAPI!.items![0];
const token = (s: PodSpec) => projected(s).sources[0].serviceAccountToken!;
const app = (s: PodSpec) => s.containers[0];
/** A volume with any error is not registered, so mounting it also fails, as in Kubernetes. */
const unmountable = (...errs: string[]) => [...errs, `${C0}.volumeMounts[1].name: Not found: "kube-api-access-abcde"`];

describe('Pod spec validation (ValidatePodSpec)', () => {
  it('accepts the base pod, whose projected volume is exactly what ServiceAccount admission adds', () => {
    expect(errors(pod())).toEqual([]);
    expect(
      errors({ kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [kubeApiAccess] } }),
    ).toEqual([]);
  });

  const rows: Row[] = [
    // Containers and init containers.
    ['no containers', (s) => (s.containers = []), ['spec.containers: Required value']],
    ['container without a name', (s) => (app(s).name = ''), [`${C0}.name: Required value`]],
    [
      'container name not a DNS label',
      (s) => (app(s).name = 'App_1'),
      [`${C0}.name: Invalid value: "App_1": ${LABEL}`],
    ],
    [
      'container name of 64 characters',
      (s) => (app(s).name = 'a'.repeat(64)),
      [`${C0}.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
    ],
    ['container without an image', (s) => (app(s).image = null), [`${C0}.image: Required value`]],
    [
      'duplicate containers',
      (s) => s.containers.push(structuredClone(app(s))),
      ['spec.containers[1].name: Duplicate value: "app"'],
    ],
    [
      'two unnamed containers',
      (s) =>
        (s.containers = [
          { name: '', image: 'a' },
          { name: '', image: 'b' },
        ]),
      [
        'spec.containers[0].name: Required value',
        'spec.containers[1].name: Required value',
        'spec.containers[1].name: Duplicate value: ""',
      ],
    ],
    [
      'init container named like a container',
      (s) => (s.initContainers![0].name = 'app'),
      ['spec.initContainers[0].name: Duplicate value: "app"'],
    ],
    [
      'duplicate init containers',
      (s) => s.initContainers!.push({ name: 'setup', image: 'busybox' }),
      ['spec.initContainers[1].name: Duplicate value: "setup"'],
    ],
    [
      'containers are checked before init containers',
      (s) => {
        s.initContainers![0].image = '';
        app(s).image = '';
      },
      [`${C0}.image: Required value`, 'spec.initContainers[0].image: Required value'],
    ],

    // Volumes.
    [
      'duplicate volume name',
      (s) => s.volumes!.push({ name: 'creds', secret: { secretName: 'other' } }),
      ['spec.volumes[2].name: Duplicate value: "creds"'],
    ],
    [
      'volume name not a DNS label',
      (s) => s.volumes!.push({ name: 'My_Vol', secret: { secretName: 'x' } }),
      [`spec.volumes[2].name: Invalid value: "My_Vol": ${LABEL}`],
    ],
    [
      'volume without a type',
      (s) => s.volumes!.push({ name: 'empty' }),
      ['spec.volumes[2]: Required value: must specify a volume type'],
    ],
    [
      'volume without a type or a unique name',
      (s) => s.volumes!.push({ name: 'creds' }),
      ['spec.volumes[2]: Required value: must specify a volume type', 'spec.volumes[2].name: Duplicate value: "creds"'],
    ],
    [
      'volume with two types',
      (s) => (s.volumes![0].projected = { sources: [] }),
      [
        'spec.volumes[0].projected: Forbidden: may not specify more than 1 volume type',
        `${C0}.volumeMounts[0].name: Not found: "creds"`,
        'spec.initContainers[0].volumeMounts[0].name: Not found: "creds"',
      ],
    ],
    [
      'volume without a name: its mounts are not found',
      (s) => (s.volumes![0].name = ''),
      [
        'spec.volumes[0].name: Required value',
        `${C0}.volumeMounts[0].name: Not found: "creds"`,
        'spec.initContainers[0].volumeMounts[0].name: Not found: "creds"',
      ],
    ],
    [
      'an invalid volume does not claim its name',
      (s) => {
        s.volumes![0].secret!.secretName = '';
        s.volumes!.push({ name: 'creds', secret: { secretName: 'db-creds' } });
      },
      ['spec.volumes[0].secret.secretName: Required value'],
    ],
    ['secretName is not checked as a name', (s) => (s.volumes![0].secret!.secretName = 'Not_A_Name'), []],
    [
      'defaultMode above 0777',
      (s) => (projected(s).defaultMode = 0o1000),
      unmountable(`${V1}.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive`),
    ],
    [
      'negative defaultMode',
      (s) => (projected(s).defaultMode = -1),
      unmountable(`${V1}.defaultMode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive`),
    ],
    ['defaultMode 0777', (s) => (projected(s).defaultMode = 0o777), []],
    ['defaultMode 0', (s) => (projected(s).defaultMode = 0), []],

    // Projections.
    [
      'source with two kinds',
      (s) => (projected(s).sources[0].secret = { name: 'extra' }),
      unmountable(`${V1}.sources[0]: Forbidden: may not specify more than 1 volume type per source`),
    ],
    ['empty source', (s) => projected(s).sources.push({}), []],
    [
      'projected secret without a name',
      (s) => projected(s).sources.push({ secret: { name: '' } }),
      unmountable(`${V1}.sources[3].secret.name: Required value`),
    ],
    [
      'projected configMap without a name',
      (s) => (projected(s).sources[1].configMap!.name = ''),
      unmountable(`${V1}.sources[1].configMap.name: Required value`),
    ],
    [
      'configMap item without key or path',
      (s) => Object.assign(cmItem(s), { key: '', path: '' }),
      unmountable(
        `${V1}.sources[1].configMap.items[0].key: Required value`,
        `${V1}.sources[1].configMap.items[0].path: Required value`,
      ),
    ],
    ['configMap item key is not checked as a config key', (s) => (cmItem(s).key = 'ca crt'), []],
    [
      'absolute item path',
      (s) => (cmItem(s).path = '/etc/ca.crt'),
      unmountable(`${V1}.sources[1].configMap.items[0].path: Invalid value: "/etc/ca.crt": must be a relative path`),
    ],
    [
      'item path with a .. element',
      (s) => (cmItem(s).path = 'a/../b'),
      unmountable(`${V1}.sources[1].configMap.items[0].path: Invalid value: "a/../b": must not contain '..'`),
    ],
    [
      'item path starting with ../',
      (s) => (cmItem(s).path = '../b'),
      unmountable(`${V1}.sources[1].configMap.items[0].path: Invalid value: "../b": must not contain '..'`),
    ],
    [
      'item path starting with ..',
      (s) => (cmItem(s).path = '..b'),
      unmountable(`${V1}.sources[1].configMap.items[0].path: Invalid value: "..b": must not start with '..'`),
    ],
    [
      'item path both absolute and backstepping',
      (s) => (cmItem(s).path = '/../b'),
      unmountable(
        `${V1}.sources[1].configMap.items[0].path: Invalid value: "/../b": must be a relative path`,
        `${V1}.sources[1].configMap.items[0].path: Invalid value: "/../b": must not contain '..'`,
      ),
    ],
    [
      'downward API path clashing with a configMap path',
      (s) => (dwItem(s).path = 'ca.crt'),
      unmountable(`${V1}: Invalid value: "ca.crt": conflicting duplicate paths`),
    ],
    [
      'two configMap items with one path (reported with the configMap name)',
      (s) => projected(s).sources[1].configMap!.items!.push({ key: 'other', path: 'ca.crt' }),
      unmountable(`${V1}: Invalid value: "kube-root-ca.crt": conflicting duplicate paths`),
    ],
    ['token path is not counted among the file paths', (s) => (dwItem(s).path = 'token'), []],
    [
      'token without a path (reported at projected.path)',
      (s) => (token(s).path = ''),
      unmountable(`${V1}.path: Required value`),
    ],
    [
      'absolute token path',
      (s) => (token(s).path = '/token'),
      unmountable(`${V1}.path: Invalid value: "/token": must be a relative path`),
    ],
    [
      'token under 10 minutes',
      (s) => (token(s).expirationSeconds = 599),
      unmountable(
        `${V1}.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify ` +
          `a duration less than 10 minutes`,
      ),
    ],
    ['token of exactly 10 minutes', (s) => (token(s).expirationSeconds = 600), []],
    ['token of 2^32 seconds', (s) => (token(s).expirationSeconds = 2 ** 32), []],
    [
      'token over 2^32 seconds',
      (s) => (token(s).expirationSeconds = 2 ** 32 + 1),
      unmountable(
        `${V1}.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not ` +
          `specify a duration larger than 2^32 seconds`,
      ),
    ],
    ['token without expirationSeconds (defaults to 3600)', (s) => (token(s).expirationSeconds = null), []],
    [
      'downward API file without a path',
      (s) => (dwItem(s).path = ''),
      unmountable(`${V1}.sources[2].downwardAPI.path: Required value`),
    ],
    [
      'downward API file without a fieldRef',
      (s) => (dwItem(s).fieldRef = null),
      unmountable(`${V1}.sources[2].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required`),
    ],
    [
      'fieldRef without a fieldPath',
      (s) => (dwItem(s).fieldRef!.fieldPath = ''),
      unmountable(`${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Required value`),
    ],
    ['fieldRef without an apiVersion (defaults to v1)', (s) => (dwItem(s).fieldRef!.apiVersion = null), []],
    [
      'fieldRef of another apiVersion',
      (s) => (dwItem(s).fieldRef!.apiVersion = 'v2'),
      unmountable(
        `${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.namespace": error ` +
          `converting fieldPath: unsupported pod version: v2`,
      ),
    ],
    [
      'a Pod field a volume may not show',
      (s) => (dwItem(s).fieldRef!.fieldPath = 'spec.nodeName'),
      unmountable(
        `${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": ${VOLUME_FIELD_PATHS}`,
      ),
    ],
    [
      'spec.host is read as spec.nodeName',
      (s) => (dwItem(s).fieldRef!.fieldPath = 'spec.host'),
      unmountable(
        `${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": ${VOLUME_FIELD_PATHS}`,
      ),
    ],
    [
      'not a Pod field',
      (s) => (dwItem(s).fieldRef!.fieldPath = 'metadata.generation'),
      unmountable(
        `${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.generation": error ` +
          `converting fieldPath: field label not supported: metadata.generation`,
      ),
    ],
    ['one label', (s) => (dwItem(s).fieldRef!.fieldPath = "metadata.labels['app']"), []],
    ['one annotation', (s) => (dwItem(s).fieldRef!.fieldPath = "metadata.annotations['Example.com/Key']"), []],
    [
      'an invalid label key',
      (s) => (dwItem(s).fieldRef!.fieldPath = "metadata.labels['bad key']"),
      unmountable(`${V1}.sources[2].downwardAPI.fieldRef: Invalid value: "bad key": ${QUALIFIED_NAME}`),
    ],
    [
      'a subscript on another field',
      (s) => (dwItem(s).fieldRef!.fieldPath = "metadata.name['x']"),
      unmountable(
        `${V1}.sources[2].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.name['x']": error ` +
          `converting fieldPath: field label does not support subscript: metadata.name['x']`,
      ),
    ],

    // Volume mounts.
    [
      'mount of an unknown volume',
      (s) => (app(s).volumeMounts![0].name = 'nope'),
      [`${C0}.volumeMounts[0].name: Not found: "nope"`],
    ],
    [
      'mount without a volume name',
      (s) => (app(s).volumeMounts![0].name = ''),
      [`${C0}.volumeMounts[0].name: Required value`, `${C0}.volumeMounts[0].name: Not found: ""`],
    ],
    [
      'mount without a path',
      (s) => (app(s).volumeMounts![0].mountPath = ''),
      [`${C0}.volumeMounts[0].mountPath: Required value`],
    ],
    [
      'two mounts at one path',
      (s) => (app(s).volumeMounts![1].mountPath = '/creds'),
      [`${C0}.volumeMounts[1].mountPath: Invalid value: "/creds": must be unique`],
    ],
    [
      'init container mount of an unknown volume',
      (s) => (s.initContainers![0].volumeMounts![0].name = 'nope'),
      ['spec.initContainers[0].volumeMounts[0].name: Not found: "nope"'],
    ],

    // Environment.
    ['env var without a name', (s) => (app(s).env![0].name = ''), [`${C0}.env[0].name: Required value`]],
    [
      'env var name starting with a digit',
      (s) => (app(s).env![0].name = '1MODE'),
      [`${C0}.env[0].name: Invalid value: "1MODE": ${ENV_NAME}`],
    ],
    [
      'env var named ..',
      (s) => (app(s).env![0].name = '..'),
      [`${C0}.env[0].name: Invalid value: "..": must not be '..'`],
    ],
    [
      'env var name starting with ..',
      (s) => (app(s).env![0].name = '..MODE'),
      [`${C0}.env[0].name: Invalid value: "..MODE": must not start with '..'`],
    ],
    [
      'env var with value and valueFrom',
      (s) => (app(s).env![1].value = 'x'),
      [`${C0}.env[1].valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`],
    ],
    [
      'env var with an empty valueFrom',
      (s) => (app(s).env![1].valueFrom = {}),
      [
        `${C0}.env[1].valueFrom: Invalid value: "": must specify one of: \`fieldRef\`, \`resourceFieldRef\`, ` +
          `\`configMapKeyRef\` or \`secretKeyRef\``,
      ],
    ],
    [
      'secretKeyRef without name or key',
      (s) => (app(s).env![1].valueFrom = { secretKeyRef: { name: '', key: '' } }),
      [
        `${C0}.env[1].valueFrom.secretKeyRef.name: Invalid value: "": ${SUBDOMAIN}`,
        `${C0}.env[1].valueFrom.secretKeyRef.key: Required value`,
      ],
    ],
    [
      'secretKeyRef with a bad name and key',
      (s) => (app(s).env![1].valueFrom = { secretKeyRef: { name: 'Db', key: 'a/b' } }),
      [
        `${C0}.env[1].valueFrom.secretKeyRef.name: Invalid value: "Db": ${SUBDOMAIN}`,
        `${C0}.env[1].valueFrom.secretKeyRef.key: Invalid value: "a/b": ${CONFIG_KEY}`,
      ],
    ],
    [
      'envFrom without a source (reported at envFrom)',
      (s) => (app(s).envFrom = [{}]),
      [`${C0}.envFrom: Invalid value: "": must specify one of: \`configMapRef\` or \`secretRef\``],
    ],
    [
      'envFrom secretRef without a name',
      (s) => (app(s).envFrom![0].secretRef!.name = ''),
      [`${C0}.envFrom[0].secretRef.name: Required value`],
    ],
    [
      'envFrom secretRef with a bad name',
      (s) => (app(s).envFrom![0].secretRef!.name = 'App_Env'),
      [`${C0}.envFrom[0].secretRef.name: Invalid value: "App_Env": ${SUBDOMAIN}`],
    ],
    ['envFrom secretRef name checked as a prefix', (s) => (app(s).envFrom![0].secretRef!.name = 'app-env-'), []],

    // The rest of the spec.
    [
      'serviceAccountName not a DNS subdomain',
      (s) => (s.serviceAccountName = 'Builder'),
      [`spec.serviceAccountName: Invalid value: "Builder": ${SUBDOMAIN}`],
    ],
    [
      'nodeName not a DNS subdomain',
      (s) => (s.nodeName = 'Node_1'),
      [`spec.nodeName: Invalid value: "Node_1": ${SUBDOMAIN}`],
    ],
    ['empty serviceAccountName and nodeName', (s) => Object.assign(s, { serviceAccountName: '', nodeName: '' }), []],
    ['imagePullSecret without a name', (s) => (s.imagePullSecrets = [{ name: '' }]), []],

    // Everything at once, in Kubernetes' order.
    [
      'several errors',
      (s) => {
        s.serviceAccountName = 'Bad';
        s.volumes!.push({ name: 'x' });
        token(s).expirationSeconds = 60;
        app(s).name = '';
        app(s).env![0].name = '';
        app(s).volumeMounts![1].name = 'nope';
        s.initContainers!.push({ name: 'setup' });
      },
      [
        `${V1}.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify ` +
          `a duration less than 10 minutes`,
        'spec.volumes[2]: Required value: must specify a volume type',
        `${C0}.name: Required value`,
        `${C0}.env[0].name: Required value`,
        `${C0}.volumeMounts[1].name: Not found: "nope"`,
        'spec.initContainers[1].image: Required value',
        'spec.initContainers[1].name: Duplicate value: "setup"',
        `spec.serviceAccountName: Invalid value: "Bad": ${SUBDOMAIN}`,
      ],
    ],
  ];

  it.each(rows)('%s', (_, mutate, expected) => {
    expect(errors(pod(mutate))).toEqual(expected);
  });
});

describe('Pod updates', () => {
  const old = pod();
  it('allows label and annotation changes', () => {
    expect(
      podStrategy.validateUpdate({ ...old, metadata: { ...metadata, labels: { a: 'b' } } }, old, new Set()),
    ).toEqual([]);
  });
  it('forbids spec changes', () => {
    expect(
      podStrategy
        .validateUpdate(
          pod((s) => (s.nodeName = 'other')),
          old,
          new Set(['spec']),
        )
        .map(String),
    ).toEqual([
      'spec: Forbidden: pod updates may not change fields other than `metadata.labels` and `metadata.annotations`',
    ]);
  });
});
