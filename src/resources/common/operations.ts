/**
 * The operations every kind has, named as the contract names them: `k`, `ks` (a Relay
 * connection with label selectors), `createK`, `updateK`, `deleteK`, and, for namespaced kinds,
 * `Namespace.ks`. Each field declares the Kubernetes question it asks before it reads anything.
 */
import type { ArgBuilder as CoreArgBuilder, InputFieldMap, InputObjectRef, ObjectRef } from '@pothos/core';
import { KINDS, type Kind, type ObjectOfKind } from '../../apis/kinds.js';
import { DEFAULT_PAGE_SIZE, type KubeObject, MAX_PAGE_SIZE } from '../../apis/meta.js';
import type { Namespace } from '../../apis/core.js';
import { builder, type Types } from '../../builder.js';
import type { Context } from '../../context.js';
import { badRequest } from '../../errors.js';
import { parseSelector, SelectorError, type Selector } from '../../labels/selector.js';
import type { ObjectInput } from '../../registry/registry.js';
import type { ObjectKey } from '../../store/store.js';
import { isStorable } from '../../validation/storage.js';
import { can } from './attributes.js';

const namespaceRefs: { ref?: ObjectRef<Types, Namespace> } = {};

/** Registers the Namespace type so namespaced kinds can hang their lists on it. */
export function setNamespaceRef(ref: ObjectRef<Types, Namespace>): void {
  namespaceRefs.ref = ref;
}

/** Each cached object's cursor, encoded once (the watch cache's objects are never changed in place). */
const cursors = new WeakMap<KubeObject, string>();

function encodeCursor(obj: KubeObject): string {
  let cursor = cursors.get(obj);
  if (cursor === undefined) {
    cursor = Buffer.from(JSON.stringify([obj.metadata.namespace ?? '', obj.metadata.name])).toString('base64url');
    cursors.set(obj, cursor);
  }
  return cursor;
}

function decodeCursor(cursor: string | null | undefined): ObjectKey | undefined {
  if (!cursor) return undefined;
  try {
    const [namespace, name] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof namespace === 'string' && typeof name === 'string' && isStorable(namespace) && isStorable(name)) {
      return { namespace, name };
    }
  } catch {
    // fall through
  }
  throw badRequest(`invalid cursor ${JSON.stringify(cursor)}`);
}

export function parseLabelSelector(text: string | null | undefined): Selector | undefined {
  if (!text) return undefined;
  try {
    return parseSelector(text);
  } catch (err) {
    if (err instanceof SelectorError)
      throw badRequest(`unable to parse labelSelector ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
}

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badRequest(`first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

interface ListArgs {
  labelSelector?: string | null;
  first?: number | null;
  after?: string | null;
}

/** A page's Relay `pageInfo`, from its edges (in order) and whether more follow or came before. */
export function pageInfoOf(edges: { cursor: string }[], hasNextPage: boolean, hasPreviousPage: boolean) {
  return {
    hasNextPage,
    hasPreviousPage,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}

/** One page of a kind, as a Relay connection whose totalCount is counted only if asked for. */
export function listConnection<K extends Kind>(
  kind: K,
  namespace: string | undefined,
  args: ListArgs,
  ctx: Context,
  /** Requirements the field adds to the caller's selector (a ServiceAccount's tokens). */
  extra: Selector = [],
) {
  const selector = [...(parseLabelSelector(args.labelSelector) ?? []), ...extra];
  const limit = pageSize(args.first);
  const after = decodeCursor(args.after);
  const page = ctx.registry.list(kind, { namespace, selector, limit, after });
  const edges = page.items.map((node) => ({ node, cursor: encodeCursor(node) }));
  return {
    edges,
    pageInfo: pageInfoOf(edges, page.hasNextPage, after !== undefined),
    totalCount: () => ctx.registry.count(kind, { namespace, selector }),
  };
}

function lowerFirst(s: string): string {
  return s[0].toLowerCase() + s.slice(1);
}

/** `ServiceAccount` → `serviceAccount`, `serviceAccounts`. */
function fieldNames(kind: Kind): { one: string; many: string } {
  const one = lowerFirst(kind);
  return { one, many: `${one}s` };
}

type ArgBuilder = CoreArgBuilder<Types>;

const listArgs = (t: ArgBuilder) => ({
  labelSelector: t.string({
    required: false,
    description: 'A Kubernetes label selector: `app=web,tier!=db,env in (prod,staging),!legacy`.',
  }),
  first: t.int({ required: false, description: `Page size; default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.` }),
  after: t.string({ required: false, description: 'The `endCursor` of the previous page.' }),
});

/** The arguments of the generated fields, read back with the shape they were declared with. */
interface OperationArgs extends ListArgs {
  namespace?: string | null;
  name: string;
  input: ObjectInput;
}

/**
 * Defines `k`, `ks`, `createK`, `updateK`, `deleteK` (and `Namespace.ks`) for one kind. The
 * fields differ per kind only in whether they take a namespace, so they are generated here and
 * typed loosely inside; the object and input types they return and take are the kind's own.
 */
export function defineOperations<K extends Kind>(
  kind: K,
  typedRef: ObjectRef<Types, ObjectOfKind[K]>,
  /** null: the kind is written by the server only (no create, update or delete). */
  input: InputObjectRef<Types, ObjectInput> | null,
) {
  const ref = typedRef as unknown as ObjectRef<Types, KubeObject>;
  const { namespaced, resource } = KINDS[kind];
  const { one, many } = fieldNames(kind);
  const connection = builder.connectionObject({ type: ref, name: `${kind}Connection` }, { name: `${kind}Edge` });
  builder.objectField(ref, 'json', (t) =>
    t.field({
      type: 'JSON',
      description:
        "The whole object as Kubernetes writes it, fields Keyway does not type included (a Pod's command, " +
        'ports, resources, …).' +
        (kind === 'Secret' ? ' (RBAC: get on the Secret, for its data)' : ''),
      // a Secret's holds its data, asked for as its `data` field is
      ...(kind === 'Secret'
        ? { authScopes: (obj: KubeObject) => ({ k8s: can('get', kind, obj.metadata.namespace, obj.metadata.name) }) }
        : {}),
      resolve: (obj) => ({ apiVersion: KINDS[kind].apiVersion, ...obj }),
    }),
  );
  const withNamespace = (t: ArgBuilder, required: boolean, rest: InputFieldMap): InputFieldMap =>
    namespaced ? { namespace: t.string({ required }), ...rest } : rest;
  const read = (raw: object) => raw as OperationArgs;
  const nsOf = (raw: object) => (namespaced ? (read(raw).namespace ?? '') : '');
  const writer = (ctx: Context) => ({ user: ctx.user, authorizer: ctx.authz, audit: ctx.audit.transaction });

  builder.queryFields((t) => ({
    [one]: t.field({
      type: ref,
      nullable: true,
      description: `The ${kind} of that name. (RBAC: get ${resource})`,
      args: withNamespace(t.arg, true, { name: t.arg.string({ required: true }) }),
      authScopes: (_root, args) => ({ k8s: can('get', kind, nsOf(args), read(args).name) }),
      resolve: (_root, args, ctx) => ctx.registry.get(kind, nsOf(args), read(args).name),
    }),
    [many]: t.field({
      type: connection,
      nullable: true,
      description: namespaced
        ? `${kind}s in a namespace, or in every namespace when \`namespace\` is omitted. (RBAC: list ${resource})`
        : `${kind}s. (RBAC: list ${resource})`,
      args: withNamespace(t.arg, false, listArgs(t.arg)),
      authScopes: (_root, args) => ({ k8s: can('list', kind, nsOf(args)) }),
      resolve: (_root, args, ctx) =>
        listConnection(kind, namespaced ? (read(args).namespace ?? undefined) : '', read(args), ctx),
    }),
  }));

  if (input)
    builder.mutationFields((t) => ({
      [`create${kind}`]: t.field({
        type: ref,
        nullable: true,
        description: `Creates a ${kind}. (RBAC: create ${resource})`,
        args: withNamespace(t.arg, true, { input: t.arg({ type: input, required: true }) }),
        authScopes: (_root, args) => ({ k8s: can('create', kind, nsOf(args)) }),
        resolve: (_root, args, ctx) => ctx.registry.create(kind, nsOf(args), read(args).input, writer(ctx)),
      }),
      [`update${kind}`]: t.field({
        type: ref,
        nullable: true,
        description:
          `Updates a ${kind}: fields you send replace the stored ones, fields you omit are kept, \`null\` ` +
          `resets one. (RBAC: update ${resource})`,
        args: withNamespace(t.arg, true, { input: t.arg({ type: input, required: true }) }),
        authScopes: (_root, args) => ({ k8s: can('update', kind, nsOf(args), read(args).input.metadata?.name ?? '') }),
        resolve: (_root, args, ctx) => ctx.registry.update(kind, nsOf(args), read(args).input, writer(ctx)),
      }),
      [`delete${kind}`]: t.field({
        type: ref,
        nullable: true,
        description: `Deletes a ${kind} and returns it as last stored. (RBAC: delete ${resource})`,
        args: withNamespace(t.arg, true, { name: t.arg.string({ required: true }) }),
        authScopes: (_root, args) => ({ k8s: can('delete', kind, nsOf(args), read(args).name) }),
        resolve: (_root, args, ctx) => ctx.registry.delete(kind, nsOf(args), read(args).name, writer(ctx)),
      }),
    }));

  if (namespaced) {
    const namespaceRef = namespaceRefs.ref;
    if (!namespaceRef) throw new Error('the Namespace type must be defined before namespaced kinds');
    builder.objectField(namespaceRef, many, (t) =>
      t.field({
        type: connection,
        nullable: true,
        description: `${kind}s in this namespace. (RBAC: list ${resource} in the namespace)`,
        args: listArgs(t.arg),
        authScopes: (ns) => ({ k8s: can('list', kind, ns.metadata.name) }),
        resolve: (ns, args, ctx) => listConnection(kind, ns.metadata.name, args, ctx),
      }),
    );
  }
  return { connection, listArgs };
}

/** The fields every kind's object type starts with. */
export function nodeBasics<K extends Kind>(kind: K) {
  return {
    name: kind,
    isTypeOf: (value: unknown) => (value as KubeObject | null)?.kind === kind,
    id: {
      resolve: (obj: ObjectOfKind[K]) =>
        obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name,
    },
  };
}
