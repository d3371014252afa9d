/**
 * Schema-driven fuzzing. `fuzzOperations(schema)` turns every root field of Query and Mutation
 * into a GraphQL document whose arguments, and the arguments of every field it selects, are
 * variables; `variablesArbitrary` derives fast-check arbitraries for those variables from their
 * input types (non-null, lists, input objects, enums, and each scalar), mixing plausible values
 * that reach real rows with hostile ones. A type it has no generator for throws, so a new scalar
 * or type kind fails the suite instead of going unfuzzed.
 */
import fc from 'fast-check';
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  validate,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

// ---------------------------------------------------------------------------------------------
// Operations

interface FuzzVariable {
  /** `v0`, `v1`, … */
  name: string;
  type: GraphQLInputType;
  /** The argument's name: what the plausible values are chosen by. */
  hint: string;
  /** Where it goes, for reports: `Query.secrets(labelSelector)`, `Namespace.pods(first)`. */
  at: string;
}

export interface FuzzOperation {
  /** `Query.secret`, `Mutation.createPod`. */
  coordinate: string;
  document: string;
  variables: FuzzVariable[];
}

/** Object levels below the root field that are selected: enough for `edges { node { metadata { name } } }`. */
const MAX_DEPTH = 4;

/**
 * One operation per root field of Query and Mutation. The selection is every field of the
 * return type reachable within MAX_DEPTH object levels without revisiting a type on the way
 * (`__typename` at each level, inline fragments for abstract types), each with its arguments
 * as variables (below a list, only fields without arguments). Subscriptions are not fuzzed here
 * (their responses are streams).
 */
export function fuzzOperations(schema: GraphQLSchema): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [operation, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const variables: FuzzVariable[] = [];
      const call = fieldCall(root, field, variables);
      const rootList = isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
      const inner = selectionOf(
        schema,
        getNamedType(field.type),
        1,
        [getNamedType(field.type).name],
        variables,
        rootList,
      );
      const declared = variables.map((v) => `$${v.name}: ${v.type.toString()}`).join(', ');
      const document = `${operation} Fuzz${declared ? `(${declared})` : ''} { ${call}${inner ? ` { ${inner} }` : ''} }`;
      const errors = validate(schema, parse(document));
      if (errors.length)
        throw new Error(
          `fuzz: the document built for ${root.name}.${field.name} is invalid: ${errors[0].message}\n${document}`,
        );
      out.push({ coordinate: `${root.name}.${field.name}`, document, variables });
    }
  }
  return out;
}

function fieldCall(
  parent: GraphQLNamedType,
  field: GraphQLField<unknown, unknown>,
  variables: FuzzVariable[],
  alias = '',
): string {
  const args = field.args.map((arg: GraphQLArgument) => {
    const name = `v${variables.length}`;
    variables.push({ name, type: arg.type, hint: arg.name, at: `${parent.name}.${field.name}(${arg.name})` });
    return `${arg.name}: $${name}`;
  });
  return `${alias}${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
}

function selectionOf(
  schema: GraphQLSchema,
  type: GraphQLNamedType,
  depth: number,
  seen: string[],
  variables: FuzzVariable[],
  underList: boolean,
): string {
  if (isLeafType(type)) return '';
  if (isAbstractType(type)) {
    const parts = ['__typename'];
    for (const possible of schema.getPossibleTypes(type)) {
      // Aliased by type: two implementations may have same-named fields of different types.
      const inner = fieldsOf(
        schema,
        possible,
        depth,
        [...seen, possible.name],
        variables,
        `${possible.name}_`,
        underList,
      );
      parts.push(`... on ${possible.name} { ${inner} }`);
    }
    return parts.join(' ');
  }
  if (isObjectType(type)) return fieldsOf(schema, type, depth, seen, variables, '', underList);
  throw new Error(`fuzz: cannot select from ${type.toString()}`);
}

/**
 * The fields of an object type. Below a list, fields that take arguments are left out: each
 * would run once per element, and the same arguments are reached where a single object has them.
 */
function fieldsOf(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  depth: number,
  seen: string[],
  variables: FuzzVariable[],
  aliasPrefix: string,
  underList: boolean,
): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (underList && field.args.length) continue;
    const named = getNamedType(field.type);
    const alias = aliasPrefix ? `${aliasPrefix}${field.name}: ` : '';
    if (isLeafType(named)) {
      parts.push(fieldCall(type, field, variables, alias));
    } else if (depth < MAX_DEPTH && !seen.includes(named.name)) {
      const call = fieldCall(type, field, variables, alias);
      const list = underList || isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
      parts.push(`${call} { ${selectionOf(schema, named, depth + 1, [...seen, named.name], variables, list)} }`);
    }
  }
  return parts.join(' ');
}

/** Every input type and scalar the operations' variables reach (to check nothing is left out). */
export function reachedInputTypes(operations: FuzzOperation[]): Set<string> {
  const reached = new Set<string>();
  const visit = (type: GraphQLInputType) => {
    const named = getNamedType(type);
    if (reached.has(named.name)) return;
    reached.add(named.name);
    if (isInputObjectType(named)) for (const field of Object.values(named.getFields())) visit(field.type);
  };
  for (const op of operations) for (const v of op.variables) visit(v.type);
  return reached;
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * Names and credentials of objects the suite seeded, read when values are generated (the
 * arbitraries are built before the app starts). Empty lists fall back to `default`. The first
 * name and namespace are chosen most often: seeding every kind under one name, in one
 * namespace, makes a plausible (namespace, name) pair name a real object of any kind.
 */
export interface Known {
  namespaces: string[];
  names: string[];
  ids: string[];
  cursors: string[];
  tokens: string[];
  jtis: string[];
  uids: string[];
  resourceVersions: string[];
}

export const known: Known = {
  namespaces: [],
  names: [],
  ids: [],
  cursors: [],
  tokens: [],
  jtis: [],
  uids: [],
  resourceVersions: [],
};

const fromKnown = (list: keyof Known) =>
  fc.nat().map((i) => (known[list].length ? known[list][i % known[list].length] : 'default'));
/** Mostly the first of a list (the name every seeded object shares, its namespace), else any. */
const mostlyFirst = (list: keyof Known) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(0).map(() => known[list][0] ?? 'default') },
    { weight: 2, arbitrary: fromKnown(list) },
  );

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

const DNS = fc.constantFrom(
  'default',
  'kube-system',
  'kube-public',
  'web',
  'a',
  'x-1',
  'app.example.com',
  'z'.repeat(63),
  `${'a'.repeat(63)}.${'b'.repeat(63)}`,
);
const KINDS = fc.constantFrom(
  'Pod',
  'Secret',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'Namespace',
  'User',
  'Group',
  'IssuedToken',
);
const GROUPS = fc.constantFrom(
  '',
  '*',
  'rbac.authorization.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'keyway.dev',
  'authentication.keyway.dev',
  'apps',
);
const VERBS = fc.constantFrom(
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'escalate',
  'bind',
  'impersonate',
  '*',
);
const RESOURCES = fc.constantFrom(
  'pods',
  'secrets',
  'serviceaccounts',
  'serviceaccounts/token',
  'namespaces',
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'issuedtokens',
  'signingkeys',
  'users',
  'groups',
  'userextras',
  '*',
  '*/status',
  'pods/log',
);
const PATHS = fc.constantFrom(
  '/',
  '/healthz',
  '/api',
  '/apis/*',
  '*',
  '/var/run/secrets/kubernetes.io/serviceaccount',
  '/data',
  'token',
  'ca.crt',
  'namespace',
  'sub/dir/file',
);
const SELECTORS = fc.constantFrom(
  'app=web',
  'app!=web',
  'app in (web,db)',
  'app notin (db)',
  'app',
  '!app',
  'n>3',
  'n<3',
  'a=b,c!=d',
  'kubernetes.io/x=y',
  '',
);
const IMAGES = fc.constantFrom(
  'nginx',
  'busybox',
  'registry.example.com:5000/team/app:v1.2.3',
  `nginx@sha256:${'a'.repeat(64)}`,
);
const USERS = fc.constantFrom(
  'alice',
  'system:anonymous',
  'system:admin',
  'system:serviceaccount:fuzz:fuzz',
  'system:serviceaccount:default:default',
  'keyway:admin',
);
const USER_GROUPS = fc.constantFrom(
  'system:masters',
  'system:authenticated',
  'system:unauthenticated',
  'system:serviceaccounts',
  'system:serviceaccounts:fuzz',
  'devs',
);
const KEYS = fc.constantFrom(
  'app',
  'tier',
  'a',
  'ca.crt',
  'token',
  'tls.key',
  'tls.crt',
  '.dockerconfigjson',
  'example.com/key',
  'kubernetes.io/service-account.name',
  'kubernetes.io/enforce-mountable-secrets',
  'rbac.authorization.kubernetes.io/autoupdate',
  'kubernetes.io/legacy-token-invalid-since',
  'scopes',
);
const SECRET_TYPES = fc.constantFrom(
  'Opaque',
  'kubernetes.io/service-account-token',
  'kubernetes.io/tls',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/basic-auth',
  'example.com/x',
);
const TIMES = fc.constantFrom('2026-11-28T15:04:05Z', '1970-01-01T00:00:00Z', '2026-11-28T15:04:05.123456789+02:00');
const GENERIC = fc.oneof(
  DNS,
  fromKnown('names'),
  fromKnown('namespaces'),
  KINDS,
  VERBS,
  RESOURCES,
  PATHS,
  USERS,
  TIMES,
  fc.uuid(),
  fc.constantFrom('v1', 'true', '1', 'x'),
);

/** Plausible values for an argument or input field, chosen by its name; a name not listed gets generic ones. */
function plausibleString(hint: string): fc.Arbitrary<string> {
  switch (hint) {
    case 'namespace':
      return fc.oneof(
        { weight: 4, arbitrary: mostlyFirst('namespaces') },
        { weight: 1, arbitrary: fc.constantFrom('default', 'kube-system', 'missing') },
      );
    case 'name':
    case 'secretName':
    case 'serviceAccountName':
    case 'resourceNames':
      return fc.oneof({ weight: 6, arbitrary: mostlyFirst('names') }, DNS, USERS, fromKnown('jtis'));
    case 'generateName':
      return fc.constantFrom('gen-', 'a', 'x.');
    case 'kind':
      return KINDS;
    case 'apiGroup':
    case 'apiGroups':
    case 'group':
      return GROUPS;
    case 'apiVersion':
      return fc.constantFrom('v1', 'rbac.authorization.k8s.io/v1', 'authentication.k8s.io/v1');
    case 'verb':
    case 'verbs':
      return VERBS;
    case 'resource':
    case 'resources':
      return RESOURCES;
    case 'subresource':
      return fc.constantFrom('', 'token', 'status', 'log');
    case 'path':
    case 'mountPath':
    case 'nonResourceURLs':
      return PATHS;
    case 'labelSelector':
      return SELECTORS;
    case 'after':
      return fromKnown('cursors');
    case 'id':
      return fromKnown('ids');
    case 'token':
      return fromKnown('tokens');
    case 'jti':
      return fromKnown('jtis');
    case 'uid':
    case 'serviceAccountUID':
      return fc.oneof(fromKnown('uids'), fc.uuid());
    case 'audience':
    case 'audiences':
      return fc.constantFrom('http://localhost:4000', 'api', 'vault');
    case 'image':
      return IMAGES;
    case 'user':
      return USERS;
    case 'groups':
      return USER_GROUPS;
    case 'resourceVersion':
      return fc.oneof(fromKnown('resourceVersions'), fc.constantFrom('0', '1', '999999999'));
    case 'key':
    case 'labels.key':
    case 'annotations.key':
    case 'data.key':
    case 'stringData.key':
    case 'extra.key':
      return KEYS;
    case 'labels.value':
      return fc.constantFrom('web', 'db', '', '3', 'true');
    case 'data.value':
      return fc.constantFrom('', b64('x'), b64('{"auths":{}}'), b64('-----BEGIN CERTIFICATE-----'));
    case 'fieldPath':
      return fc.constantFrom('metadata.namespace', 'metadata.name', 'metadata.labels', 'spec.nodeName', 'status.podIP');
    case 'nodeName':
      return fc.constantFrom('node-1', 'n');
    case 'type':
      return SECRET_TYPES;
    default:
      return GENERIC;
  }
}

const SIZES = [254, 2_000, 2_800, 8_200, 10_000, 65_536, 200_000, 300_000];
const DIGITS_200K = `1${'0'.repeat(199_999)}`;
const PROTO = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  'isPrototypeOf',
];

/** A UTF-16 code unit, lone surrogates and NUL included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Lower-case letters and digits, pseudo-random from a seed: long names that compression cannot shrink. */
function incompressible(length: number, seed: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let x = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}

/** Hostile strings, none of them encoded. */
const rawHostile: fc.Arbitrary<string> = fc.oneof(
  // NUL anywhere
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc
        .tuple(GENERIC, fc.constantFrom('\u0000', '\u0000\u0000'), fc.constantFrom('', 'x', '.y'))
        .map(([a, nul, b]) => a + nul + b),
      fc.constant('\u0000'),
    ),
  },
  // lone surrogates (a low one after a three-byte character is what PGlite's encoder trips on)
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        GENERIC,
        fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDC00\uD800', '\uDC00\uDC00', '名\uDC00'),
        fc.constantFrom('', 'x'),
      )
      .map(([a, s, b]) => a + s + b),
  },
  // long: each unit repeated to a size (multi-byte units make byte length larger than .length),
  // or random letters and digits (valid in many names, and incompressible for an index)
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc
        .tuple(fc.constantFrom(...SIZES), fc.constantFrom('a', '1', 'é', '😀', 'a.', 'a-', '\u0000', '\uD800'))
        .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))),
      fc.tuple(fc.constantFrom(2_800, 3_000, 9_000, 300_000), fc.integer()).map(([n, seed]) => incompressible(n, seed)),
    ),
  },
  // huge and unusual numbers
  fc.constantFrom(
    DIGITS_200K,
    `-${DIGITS_200K}`,
    '9'.repeat(20),
    '9223372036854775808',
    '-9223372036854775809',
    '2147483648',
    '9007199254740993',
    '1e309',
    '-0',
    'NaN',
    'Infinity',
    '0x10',
    '1_000',
  ),
  // label selector fragments
  fc
    .tuple(
      fc.constantFrom('a>', 'a<', 'a>-', 'a<+', 'app>', 'x.io/k>', '!a,a>'),
      fc.constantFrom(DIGITS_200K, '9'.repeat(30), '1.5', '', '-', '1e3', ' 3'),
    )
    .map(([a, b]) => a + b),
  fc.constantFrom(
    'a in (',
    'a in ()',
    'a in (,)',
    'a notin (b',
    '!',
    '!!a',
    ',,',
    ',',
    'a,',
    '=',
    '==b',
    'a==',
    'a!=',
    '!a=b',
    'a in (b) c',
    '()',
    'a=(b)',
    `a in (${'b,'.repeat(5000)}b)`,
    `${'a'.repeat(64)}=b`,
    `${'x'.repeat(254)}/a=b`,
  ),
  fc.constantFrom(...PROTO),
  fc.constantFrom(
    '../',
    '../../etc/passwd',
    '..',
    '.',
    '/',
    '//',
    'a/../b',
    './',
    '~',
    '%ZZ',
    '%',
    '%00',
    '%2e%2e',
    '%C3%28',
    '\\',
    'a\\b',
  ),
  fc.constantFrom(
    'ü',
    '名前',
    '😀',
    '\u202E',
    '\u200B',
    '\uFEFF',
    'e\u0301',
    'İ',
    'ǅ',
    'ß',
    '\uFFFF',
    '\uFFFE',
    '\u0085',
  ),
  fc.constantFrom('', ' ', '\t', '\n', '\r\n', '\u00A0', '\u2028', ' a ', 'a b'),
  fc.constantFrom(
    '{}',
    '[]',
    '{"a":1}',
    'null',
    'true',
    '"',
    "'",
    '`',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder text is the hostile value
    '${x}',
    '<script>',
    "'; drop table objects; --",
    '%s%s%n',
    '$1',
    '\\u0000',
    '\\ud800',
    '*',
    '**',
    '?',
  ),
  fc.string({ unit: codeUnit, maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);

/** A JWT-shaped string whose header and payload carry hostile values. */
const jwtish: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('ES256', 'RS256', 'none', 'HS256', '', '__proto__'),
    fc.oneof(fc.constantFrom('__proto__', 'constructor', ''), rawHostile),
    fc.oneof(fc.constantFrom('http://localhost:4000', 'https://kubernetes.default.svc', '__proto__'), rawHostile),
    rawHostile,
    fc.constantFrom<unknown>(1e308, -1, 0, '1', null, { a: 1 }, [], 2 ** 53 + 1),
    // header-safe: these go into Authorization headers too
    fc.constantFrom('', 'sig', '-_-_', '===', '!!', '%ZZ'),
  )
  .map(([alg, kid, iss, sub, exp, sig]) =>
    [
      b64url(JSON.stringify({ alg, kid, typ: 'JWT' })),
      b64url(
        JSON.stringify({
          iss,
          sub,
          aud: [iss, sub],
          exp,
          nbf: exp,
          iat: exp,
          jti: sub,
          'kubernetes.io': { namespace: sub, serviceaccount: { name: sub, uid: sub }, pod: { name: sub, uid: sub } },
        }),
      ),
      sig,
    ].join('.'),
  );

/** Well-encoded containers (Relay ids, cursors, base64 data, JWTs) of hostile contents. */
function encodedHostile(nodeTypes: string[]): fc.Arbitrary<string> {
  const part = fc.oneof(GENERIC, rawHostile);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...nodeTypes, 'Nope', '__proto__', ''), part, part)
      .map(([kind, ns, name]) => b64(`${kind}:${ns}/${name}`)),
    fc.tuple(fc.constantFrom(...nodeTypes), part).map(([kind, name]) => b64(`${kind}:${name}`)),
    fc.tuple(part, part).map(([ns, name]) => b64url(JSON.stringify([ns, name]))),
    fc.constantFrom(
      b64url('[1,2]'),
      b64url('{}'),
      b64url('null'),
      b64url('"a"'),
      b64url('[]'),
      b64('x'),
      b64(':'),
      b64('Pod:'),
      b64('Pod:/'),
      b64('Pod:a/'),
    ),
    part.map(b64),
    jwtish,
  );
}

function hostileString(nodeTypes: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: rawHostile }, { weight: 1, arbitrary: encodedHostile(nodeTypes) });
}

const INT_BOUNDARIES = [
  0,
  -1,
  1,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31 - 2,
  599,
  600,
  3600,
  3607,
  86400,
  420,
  0o777,
  0o1000,
  1000,
  1001,
];
const hostileInt = fc.oneof(fc.constantFrom(...INT_BOUNDARIES), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

function plausibleInt(hint: string): fc.Arbitrary<number> {
  switch (hint) {
    case 'first':
      return fc.constantFrom(0, 1, 2, 100, 1000);
    case 'expirationSeconds':
      return fc.constantFrom(600, 3600, 3607, 86400);
    case 'defaultMode':
      return fc.constantFrom(0o644, 0o400, 0o777);
    default:
      return fc.nat({ max: 10 });
  }
}

/** A value of the wrong shape, for any position (coercion and our custom scalars' parsing). */
const junk = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    0,
    1.5,
    -1,
    2 ** 31,
    1e308,
    '',
    [],
    {},
    [null],
    { a: null },
    { a: 1 },
    { a: [1] },
    { a: { b: 'c' } },
    [[]],
    JSON.parse('{"__proto__":"x","constructor":"y"}'),
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * `wild`: plausible, hostile and (rarely) wrong-shaped values at every position. `sparse`:
 * plausible values, optional fields mostly left out, so that the whole mostly passes validation.
 * `medium`: plausible values, each optional field present or not. `full`: plausible values with
 * every optional field, list and map present (one element each), where `sparse` values borrow the
 * containers a hostile value's position needs.
 */
type Mode = 'wild' | 'sparse' | 'medium' | 'full';

interface Generate {
  mode: Mode;
  nodeTypes: string[];
}

const MAX_INPUT_DEPTH = 12;

/**
 * An arbitrary for a value of an input type.
 * @throws Error for an input type or scalar it has no generator for.
 */
function inputArbitrary(type: GraphQLInputType, hint: string, g: Generate, depth = 0): fc.Arbitrary<unknown> {
  if (depth > MAX_INPUT_DEPTH)
    throw new Error(`fuzz: input types nest deeper than ${MAX_INPUT_DEPTH} at ${type.toString()}`);
  if (isNonNullType(type)) return withJunk(nonNull(type.ofType, hint, g, depth), g);
  const inner = nonNull(type, hint, g, depth);
  switch (g.mode) {
    case 'full':
      return inner;
    case 'sparse':
      return fc.oneof(
        { withCrossShrink: true },
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: inner },
      );
    case 'medium':
      return fc.oneof(
        { withCrossShrink: true },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: inner },
      );
    case 'wild':
      return withJunk(
        fc.oneof(
          { withCrossShrink: true },
          { weight: 1, arbitrary: fc.constantFrom(undefined, null) },
          { weight: 4, arbitrary: inner },
        ),
        g,
      );
  }
}

function withJunk(arb: fc.Arbitrary<unknown>, g: Generate): fc.Arbitrary<unknown> {
  return g.mode === 'wild'
    ? fc.oneof({ withCrossShrink: true }, { weight: 40, arbitrary: arb }, { weight: 1, arbitrary: junk })
    : arb;
}

const LIST_LENGTH: Record<Mode, { minLength: number; maxLength: number }> = {
  wild: { minLength: 0, maxLength: 3 },
  sparse: { minLength: 1, maxLength: 2 },
  medium: { minLength: 1, maxLength: 2 },
  full: { minLength: 1, maxLength: 1 },
};

function nonNull(type: GraphQLInputType, hint: string, g: Generate, depth: number): fc.Arbitrary<unknown> {
  if (isListType(type)) return fc.array(inputArbitrary(type.ofType, hint, g, depth + 1), LIST_LENGTH[g.mode]);
  if (isInputObjectType(type)) {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of Object.values(type.getFields()))
      model[field.name] = inputArbitrary(field.type, field.name, g, depth + 1);
    return fc.record(model);
  }
  if (isEnumType(type)) {
    const values = fc.constantFrom(...type.getValues().map((v) => v.name));
    return g.mode === 'wild'
      ? fc.oneof({ weight: 5, arbitrary: values }, { weight: 1, arbitrary: rawHostile })
      : values;
  }
  if (isScalarType(type)) return scalarArbitrary(type.name, hint, g);
  throw new Error(`fuzz: no generator for input type ${(type as GraphQLNamedType).toString()}`);
}

function stringArbitrary(hint: string, g: Generate): fc.Arbitrary<string> {
  if (g.mode !== 'wild') return plausibleString(hint);
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 4, arbitrary: plausibleString(hint) },
    { weight: 1, arbitrary: GENERIC },
    { weight: 4, arbitrary: hostileString(g.nodeTypes) },
  );
}

/** Map entries: keys and values chosen by the map's own name (`labels.key`, `data.value`). */
function mapArbitrary<V>(hint: string, value: fc.Arbitrary<V>, g: Generate): fc.Arbitrary<Record<string, V>> {
  const key = stringArbitrary(`${hint}.key`, g);
  return (
    fc
      .array(fc.tuple(key, value), { minLength: g.mode === 'full' ? 1 : 0, maxLength: g.mode === 'wild' ? 4 : 2 })
      // fromEntries makes own properties, `__proto__` included, as JSON.parse on the server will.
      .map((entries) => Object.fromEntries(entries))
  );
}

function scalarArbitrary(name: string, hint: string, g: Generate): fc.Arbitrary<unknown> {
  const wild = g.mode === 'wild';
  switch (name) {
    case 'String':
      return stringArbitrary(hint, g);
    case 'ID':
      return wild
        ? fc.oneof(fromKnown('ids'), encodedHostile(g.nodeTypes), stringArbitrary(hint, g))
        : fromKnown('ids');
    case 'Int':
      return wild ? fc.oneof(plausibleInt(hint), hostileInt) : plausibleInt(hint);
    case 'Float':
      return wild ? fc.double({ noNaN: true, noDefaultInfinity: true }) : fc.constantFrom(0, 1, 0.5);
    case 'Boolean':
      return fc.boolean();
    case 'StringMap': {
      const map = mapArbitrary(hint, stringArbitrary(`${hint}.value`, g), g);
      return wild ? fc.oneof({ weight: 8, arbitrary: map }, { weight: 1, arbitrary: junk }) : map;
    }
    case 'StringListMap': {
      const map = mapArbitrary(hint, fc.array(stringArbitrary(`${hint}.value`, g), LIST_LENGTH[g.mode]), g);
      return wild ? fc.oneof({ weight: 8, arbitrary: map }, { weight: 1, arbitrary: junk }) : map;
    }
    case 'DateTime':
      return wild
        ? fc.oneof(
            TIMES,
            fc.constantFrom(
              '0000-00-00T00:00:00Z',
              '9999-99-99T99:99:99+99:99',
              `2026-01-01T00:00:00.${'9'.repeat(200_000)}Z`,
              '275760-09-13T00:00:00Z',
              '2026-11-28T15:04:05',
            ),
            hostileString(g.nodeTypes),
          )
        : TIMES;
    default:
      throw new Error(`fuzz: no generator for scalar ${name}`);
  }
}

/** The variables of an operation, keyed by variable name; absent (undefined) ones are left out. */
export function variablesArbitrary(op: FuzzOperation, g: Generate): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const v of op.variables) model[v.name] = inputArbitrary(v.type, v.hint, g);
  return fc.record(model);
}

// ---------------------------------------------------------------------------------------------
// One hostile value at a chosen position

type Step = { field: string } | { item: true } | { key: true } | { value: true };

/** A place in an operation's variables a hostile value can go: a string or int leaf, or a map's key or value. */
export interface Position {
  variable: FuzzVariable;
  steps: Step[];
  kind: 'string' | 'int' | 'id';
  /** `Mutation.createSecret(input).metadata.annotations{value}`. */
  label: string;
}

/** Every position of an operation's variables, found from their types (not from a value). */
export function positionsOf(op: FuzzOperation): Position[] {
  const out: Position[] = [];
  const walk = (variable: FuzzVariable, type: GraphQLInputType, steps: Step[], label: string, depth: number) => {
    if (depth > MAX_INPUT_DEPTH) throw new Error(`fuzz: input types nest deeper than ${MAX_INPUT_DEPTH} at ${label}`);
    const t = isNonNullType(type) ? type.ofType : type;
    if (isListType(t)) return walk(variable, t.ofType, [...steps, { item: true }], `${label}[0]`, depth + 1);
    if (isInputObjectType(t)) {
      for (const field of Object.values(t.getFields()))
        walk(variable, field.type, [...steps, { field: field.name }], `${label}.${field.name}`, depth + 1);
      return;
    }
    if (!isScalarType(t)) return; // enums: a bad name is refused by GraphQL itself
    switch (t.name) {
      case 'StringMap':
        out.push({ variable, steps: [...steps, { key: true }], kind: 'string', label: `${label}{key}` });
        out.push({ variable, steps: [...steps, { value: true }], kind: 'string', label: `${label}{value}` });
        return;
      case 'StringListMap':
        out.push({ variable, steps: [...steps, { key: true }], kind: 'string', label: `${label}{key}` });
        out.push({
          variable,
          steps: [...steps, { value: true }, { item: true }],
          kind: 'string',
          label: `${label}{value}[0]`,
        });
        return;
      case 'Int':
        out.push({ variable, steps, kind: 'int', label });
        return;
      case 'ID':
        out.push({ variable, steps, kind: 'id', label });
        return;
      case 'Boolean':
      case 'Float':
        return;
      default:
        out.push({ variable, steps, kind: 'string', label });
    }
  };
  for (const v of op.variables) walk(v, v.type, [], v.at, 0);
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `sparse` with the value at `steps` set to `hostile`. A container missing on the way is taken
 * from `full` (which has them all), keeping only its required fields and the next step, so
 * nothing but the path is added.
 */
function placed(type: GraphQLInputType, sparse: unknown, full: unknown, steps: Step[], hostile: unknown): unknown {
  if (!steps.length) return hostile;
  const t = isNonNullType(type) ? type.ofType : type;
  const [step, ...rest] = steps;
  if ('item' in step) {
    if (!isListType(t)) return hostile; // a StringListMap's value
    const list =
      Array.isArray(sparse) && sparse.length
        ? [...sparse]
        : [minimal(t.ofType, Array.isArray(full) ? full[0] : undefined)];
    list[0] = placed(t.ofType, list[0], Array.isArray(full) ? full[0] : undefined, rest, hostile);
    return list;
  }
  if ('field' in step) {
    if (!isInputObjectType(t)) throw new Error(`fuzz: no field ${step.field} in ${t.toString()}`);
    const object = isRecord(sparse) ? { ...sparse } : (minimal(t, full) as Record<string, unknown>);
    const fullField = isRecord(full) ? full[step.field] : undefined;
    object[step.field] = placed(t.getFields()[step.field].type, object[step.field], fullField, rest, hostile);
    return object;
  }
  const map = isRecord(sparse) && Object.keys(sparse).length ? sparse : isRecord(full) ? full : {};
  const entries = Object.entries(map);
  if (!entries.length) entries.push(['a', rest.length ? ['x'] : 'x']);
  if ('key' in step) entries[0] = [String(hostile), entries[0][1]];
  else entries[0] = [entries[0][0], rest.length ? [hostile] : hostile];
  return Object.fromEntries(entries);
}

/** A value of `type` from `full` with only its required fields (recursively). */
function minimal(type: GraphQLInputType, full: unknown): unknown {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isInputObjectType(t) && isRecord(full)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(t.getFields())) {
      if (isNonNullType(field.type)) out[field.name] = minimal(field.type, full[field.name]);
    }
    return out;
  }
  if (isListType(t) && Array.isArray(full)) return full.slice(0, 1).map((item) => minimal(t.ofType, item));
  return structuredClone(full);
}

export interface OneHostile {
  variables: Record<string, unknown>;
  /** Where the hostile value went, or null when the operation has no position for one. */
  at: string | null;
}

/**
 * Plausible variables (`base`, when one is known the server accepts, or sampled with optional
 * fields mostly left out) with one position, chosen among all
 * the operation's positions (its own arguments three times as likely as those of the fields it
 * selects), holding a hostile value: what gets a bad value past validation of everything else,
 * deep into a write.
 */
export function oneHostileArbitrary(
  op: FuzzOperation,
  nodeTypes: string[],
  base?: Record<string, unknown>,
): fc.Arbitrary<OneHostile> {
  const generated = variablesArbitrary(op, { mode: 'sparse', nodeTypes });
  // never mutated: placed() copies what it changes
  const sparse = base
    ? fc.oneof({ weight: 2, arbitrary: fc.constant(base) }, { weight: 1, arbitrary: generated })
    : generated;
  const positions = positionsOf(op);
  if (!positions.length) return sparse.map((variables) => ({ variables, at: null }));
  const root = op.coordinate;
  const own = positions.filter((p) => p.variable.at.startsWith(`${root}(`));
  const nested = positions.filter((p) => !p.variable.at.startsWith(`${root}(`));
  const position = fc.oneof(
    ...(own.length ? [{ weight: 3, arbitrary: fc.constantFrom(...own) }] : []),
    ...(nested.length ? [{ weight: 1, arbitrary: fc.constantFrom(...nested) }] : []),
  );
  return fc
    .tuple(
      sparse,
      variablesArbitrary(op, { mode: 'full', nodeTypes }),
      position,
      hostileString(nodeTypes),
      hostileInt,
      fc.oneof(encodedHostile(nodeTypes), hostileString(nodeTypes)),
    )
    .map(([vars, full, p, bad, badInt, badId]) => {
      const variables = { ...vars };
      const name = p.variable.name;
      variables[name] = placed(
        p.variable.type,
        vars[name],
        full[name],
        p.steps,
        p.kind === 'int' ? badInt : p.kind === 'id' ? badId : bad,
      );
      return { variables, at: p.label };
    });
}

/**
 * One hostile value of each class that has broken something, by name: what the sweep puts at
 * every position (`keysOnly`: at map keys only; `argumentsOnly`: at arguments, not inside input
 * objects). Int positions get `int`.
 */
const HOSTILE_CLASSES: {
  name: string;
  string: string;
  int: number;
  keysOnly?: boolean;
  argumentsOnly?: boolean;
}[] = [
  { name: 'NUL', string: 'x\u0000', int: 2 ** 31 - 1 },
  // a low one after a 3-byte character is what PGlite's encoder trips on; JSON refuses either
  { name: 'lone surrogates', string: '名\uDC00x\uD800', int: -(2 ** 31) },
  { name: '3000 incompressible characters', string: incompressible(3_000, 7), int: -1 },
  // label selectors are arguments; inside inputs, random runs send strings this long
  { name: 'a>(200,000 digits)', string: `a>${DIGITS_200K}`, int: 0, argumentsOnly: true },
  { name: '__proto__', string: '__proto__', int: 0, keysOnly: true },
  // what list cursors are (base64url of a JSON [namespace, name]), carrying NUL
  {
    name: 'a cursor-shaped [NUL, NUL]',
    string: b64url(JSON.stringify(['x\u0000', 'x\u0000'])),
    int: 0,
    argumentsOnly: true,
  },
];

export interface SweepCase {
  at: string;
  /**
   * The position as a field path within its argument (`rules[0].verbs[0]`, `metadata.annotations`):
   * what INVALID causes about it name.
   */
  fieldPath: string;
  hostile: string;
  variables: Record<string, unknown>;
}

/** Whether an INVALID cause's field is the position, inside it, or one of its containers. */
export function touches(causeField: string, fieldPath: string): boolean {
  const cause = parseFieldPath(causeField).join('.');
  const position = parseFieldPath(fieldPath).join('.');
  return cause === position || cause.startsWith(`${position}.`) || position.startsWith(`${cause}.`) || !position;
}

/**
 * Plausible variables for an operation, from sparse to full: the suite sends them until the
 * server accepts one, and uses that one as the base its hostile values are placed into (a
 * hostile value in an otherwise valid request is what gets past validation to the store).
 */
export function baseCandidates(
  op: FuzzOperation,
  nodeTypes: string[],
  seed: number,
  count: number,
): Record<string, unknown>[] {
  const modes: Mode[] = ['sparse', 'medium', 'full'];
  return fc
    .sample(fc.tuple(...modes.map((mode) => variablesArbitrary(op, { mode, nodeTypes }))), {
      numRuns: Math.ceil(count / modes.length),
      seed,
    })
    .flat()
    .slice(0, count);
}

/** `spec.containers[0].image`, `data[tls.key]`: a Kubernetes field path, as INVALID causes name fields. */
function parseFieldPath(path: string): string[] {
  return [...path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)].map((m) => m[1] ?? m[2]);
}

/**
 * `candidate` changed where the server's INVALID causes point (the contract's inputs mirror the
 * object, so a cause's field path is a path in the argument that holds the object): a required
 * value missing is taken from `full`, any other invalid value is left out when it may be, else
 * taken from `full`. Null when no cause could be followed.
 */
export function repaired(
  op: FuzzOperation,
  candidate: Record<string, unknown>,
  full: Record<string, unknown>,
  causes: { field?: string; reason?: string }[],
): Record<string, unknown> | null {
  const out = structuredClone(candidate);
  let changed = false;
  for (const cause of causes) {
    if (!cause.field) continue;
    const path = parseFieldPath(cause.field);
    const variable = op.variables.find((v) => {
      const t = isNonNullType(v.type) ? v.type.ofType : v.type;
      return v.at.startsWith(`${op.coordinate}(`) && isInputObjectType(t) && path[0] in t.getFields();
    });
    if (!variable) continue;
    let type: GraphQLInputType = variable.type;
    let holder: Record<string | number, unknown> = out;
    let fullHolder: unknown = full;
    let key: string | number = variable.name;
    let optional = !isNonNullType(type);
    let inMap = false;
    for (const segment of path) {
      const value: unknown = holder[key];
      const fullValue =
        isRecord(fullHolder) || Array.isArray(fullHolder)
          ? (fullHolder as Record<string | number, unknown>)[key]
          : undefined;
      if (value === null || typeof value !== 'object') break; // the path goes deeper than the value does
      const t = isNonNullType(type) ? type.ofType : type;
      if (isInputObjectType(t) && segment in t.getFields()) {
        type = t.getFields()[segment].type;
        optional = !isNonNullType(type);
      } else if (isListType(t) && /^\d+$/.test(segment)) {
        type = t.ofType;
        optional = false;
      } else if (isScalarType(t)) {
        inMap = true; // a key of a map scalar
      } else {
        break;
      }
      holder = value as Record<string | number, unknown>;
      fullHolder = fullValue;
      key = Array.isArray(value) ? Number(segment) : segment;
    }
    const fullValue =
      isRecord(fullHolder) || Array.isArray(fullHolder)
        ? (fullHolder as Record<string | number, unknown>)[key]
        : undefined;
    if (cause.reason === 'FieldValueRequired' && fullValue !== undefined) {
      holder[key] = structuredClone(fullValue);
    } else if ((optional || inMap) && !Array.isArray(holder)) {
      delete holder[key];
    } else if (fullValue !== undefined && JSON.stringify(fullValue) !== JSON.stringify(holder[key])) {
      holder[key] = structuredClone(fullValue);
    } else {
      continue;
    }
    changed = true;
  }
  return changed ? out : null;
}

/** `candidate` without its optional scalar values below the root arguments (maps included). */
export function withoutOptionalScalars(op: FuzzOperation, candidate: Record<string, unknown>): Record<string, unknown> {
  const strip = (type: GraphQLInputType, value: unknown): unknown => {
    const t = isNonNullType(type) ? type.ofType : type;
    if (isListType(t) && Array.isArray(value)) return value.map((item) => strip(t.ofType, item));
    if (isInputObjectType(t) && isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const field of Object.values(t.getFields())) {
        if (!(field.name in value)) continue;
        const ft = isNonNullType(field.type) ? field.type.ofType : field.type;
        if (!isNonNullType(field.type) && !isInputObjectType(ft) && !isListType(ft)) continue;
        out[field.name] = strip(field.type, value[field.name]);
      }
      return out;
    }
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const v of op.variables) if (v.name in candidate) out[v.name] = strip(v.type, candidate[v.name]);
  return out;
}

/**
 * Every position of the operation's own arguments with each hostile class, placed into `base`
 * (a container it lacks on the way is borrowed from `full`, reduced to its required fields).
 * Int positions get the class's int; ID positions a Relay id (`base64(Type:value)`) of the first
 * `nodeTypes` type with the class's string as its name.
 */
export function sweepCases(
  op: FuzzOperation,
  base: Record<string, unknown>,
  full: Record<string, unknown>,
  nodeTypes: string[],
): SweepCase[] {
  const positions = positionsOf(op).filter((p) => p.variable.at.startsWith(`${op.coordinate}(`));
  const cases: SweepCase[] = [];
  for (const p of positions) {
    const seen = new Set<unknown>();
    const fieldPath = p.steps
      .map((s) => ('field' in s ? `.${s.field}` : 'item' in s ? '[0]' : ''))
      .join('')
      .replace(/^\./, '');
    for (const hostile of HOSTILE_CLASSES) {
      if (hostile.keysOnly && !p.label.endsWith('{key}')) continue;
      if (hostile.argumentsOnly && p.steps.length) continue;
      const value =
        p.kind === 'int'
          ? hostile.int
          : p.kind === 'id'
            ? b64(`${nodeTypes[0] ?? 'Node'}:${hostile.string}`)
            : hostile.string;
      if (seen.has(value)) continue;
      seen.add(value);
      const variables = {
        ...base,
        [p.variable.name]: placed(p.variable.type, base[p.variable.name], full[p.variable.name], p.steps, value),
      };
      const what =
        p.kind === 'int'
          ? String(value)
          : p.kind === 'id'
            ? `a global id of ${nodeTypes[0] ?? 'Node'} named ${hostile.name}`
            : hostile.name;
      cases.push({ at: p.label, fieldPath, hostile: what, variables });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Headers

/** Characters of an HTTP header name (RFC 9110 token). */
const tokenChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split(''),
);

/** Characters a header value may hold as fetch's Headers accepts them (no NUL, CR, LF; Latin-1). */
const headerChar = fc
  .integer({ min: 1, max: 0xff })
  .filter((c) => c !== 10 && c !== 13)
  .map((c) => String.fromCharCode(c));

export const headerValue: fc.Arbitrary<string> = fc.oneof(
  USERS,
  USER_GROUPS,
  fc.constantFrom(
    'a,b',
    ' , ',
    ',',
    'x'.repeat(10_000),
    '%ZZ',
    '%',
    '%C3%28',
    '%E0%A4%A',
    '__proto__',
    'constructor',
    'system:serviceaccount:',
    'system:serviceaccount:a',
    'system:serviceaccount::',
    'system:serviceaccount:fuzz:fuzz:x',
  ),
  fc.string({ unit: headerChar, maxLength: 30 }),
);

export const extraHeaderKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%ZZ',
    '%',
    '%C3%28',
    '%E0%A4%A',
    '%00',
    '%2F',
    '%5F%5Fproto%5F%5F',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'scopes',
    'a%20b',
    'x'.repeat(5000),
    'Scopes',
  ),
  fc.string({ unit: tokenChar, maxLength: 20 }),
);

export { jwtish };
