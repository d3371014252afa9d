/**
 * Declarative apply, as `kubectl apply` does it: each object of a set of manifests is created,
 * updated (`CONFIGURED`) or left as it is (`UNCHANGED`), in one transaction, with the caller's own
 * permissions per object (`create` if it is new, `patch` if it exists).
 *
 * Fields are owned by the last apply, which Keyway records on the object in the annotation
 * `keyway.dev/last-applied`: the paths it set (labels, annotations and Secret data key by key;
 * other fields whole) and, for fields other than Secret data, a SHA-256 of the value it set. An
 * apply sends a field only if the manifest's value differs from what the last apply set (for
 * labels, annotations and Secret data: from what is stored), removes only fields the last apply
 * set and this one no longer does, and leaves every field other writers set alone: kubectl's
 * three-way merge, with hashes in place of kubectl's `last-applied-configuration` copy (which
 * would keep Secret values in plain text beside the encrypted ones).
 */
import { RetryAdmission } from '../../admission/plugin.js';
import { KINDS, type Kind, type ObjectOfKind } from '../../apis/kinds.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../../apis/wellknown.js';
import { CONTROLLER_USER } from '../../authn/identity.js';
import type { KubeObject } from '../../apis/meta.js';
import type { ResourceAttributes } from '../../authz/authorizer.js';
import type { GraphQLInputType } from 'graphql';
import { ApiError, badRequest, invalid } from '../../errors.js';
import type { Registry, WriteContext } from '../../registry/registry.js';
import type { StoreTransaction } from '../../store/store.js';
import { sha256Text } from '../../util/hash.js';
import { jsonEqual } from '../../util/maps.js';
import { can } from '../common/attributes.js';
import { Path } from '../../validation/field.js';
import type { Manifest } from './manifests.js';
import type { AccessChange } from '../../authz/rbac/whatif.js';
import { typeErrors } from './types.js';

export const LAST_APPLIED = 'keyway.dev/last-applied';

type ApplyAction = 'CREATED' | 'CONFIGURED' | 'UNCHANGED' | 'SKIPPED';

export interface ApplyResult {
  kind: string;
  namespace: string | null;
  name: string;
  action: ApplyAction;
  /** The object as stored (or as it would be, in a dry run); null when skipped. */
  object: KubeObject | null;
  /** The question that let the caller apply it (the object field asks it again). */
  question: ResourceAttributes | null;
  /** In a dry run, for a role or binding: what it would change in who may do what. */
  accessChange?: AccessChange;
}

/** The kinds a manifest may hold (IssuedTokens are written by the server only). */
const APPLIED: ReadonlySet<Kind> = new Set([
  'Namespace',
  'ServiceAccount',
  'Secret',
  'Pod',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
]);

/** What an apply will do with one manifest, decided before the transaction (for its authorization). */
export interface Planned {
  manifest: Manifest;
  kind?: Kind;
  namespace: string;
  exists: boolean;
}

function where(m: Manifest, namespace?: string): string {
  const at = namespace ? `${namespace}/${m.name}` : m.name;
  return `document ${m.document} (${m.kind} ${at || '<no name>'})`;
}

/**
 * Which kind and namespace each manifest is for, and whether it exists now.
 * @throws BAD_REQUEST for a kind that is not ours (unless skipped), a namespace that contradicts
 *   the one asked for, or a missing name
 */
export function plan(
  manifests: Manifest[],
  options: { namespace?: string; skipUnsupported: boolean },
  exists: (kind: Kind, namespace: string, name: string) => boolean,
): Planned[] {
  return manifests.map((m) => {
    const kind = m.ours && APPLIED.has(m.ours) ? m.ours : undefined;
    if (!kind) {
      if (options.skipUnsupported) return { manifest: m, namespace: m.namespace ?? '', exists: false };
      throw badRequest(
        `${where(m, m.namespace)}: ${m.apiVersion} ${m.kind} is not a kind Keyway serves ` +
          '(pass skipUnsupported: true to skip it)',
      );
    }
    if (!m.name) throw badRequest(`${where(m)}: metadata.name is required`);
    let namespace = '';
    if (KINDS[kind].namespaced) {
      if (m.namespace && options.namespace && m.namespace !== options.namespace) {
        throw badRequest(
          `${where(m, m.namespace)}: the namespace from the provided object "${m.namespace}" does not match ` +
            `the namespace "${options.namespace}"`,
        );
      }
      namespace = m.namespace ?? options.namespace ?? 'default';
    }
    return { manifest: m, kind, namespace, exists: exists(kind, namespace, m.name) };
  });
}

/** The question applying it asks: `patch` if it exists, `create` if not (as kubectl's requests). */
export function questionOf(p: Planned): ResourceAttributes | null {
  return p.kind ? can(p.exists ? 'patch' : 'create', p.kind, p.namespace, p.manifest.name) : null;
}

/** A JSON value's text with object keys sorted (hashes agree whatever order a manifest used). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const hashOf = (value: unknown) => sha256Text(canonical(value));

const stringMap = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};

/** A manifest as the parts apply works with. */
function partsOf(kind: Kind, object: Record<string, unknown>) {
  const { apiVersion: _v, kind: _k, metadata, status: _status, ...rest } = object;
  const meta = stringMap(metadata) as Record<string, unknown>;
  const body: Record<string, unknown> = { ...rest };
  // a Secret manifest with neither data nor stringData says nothing about its data (an export
  // without Secret values applies without erasing them)
  let data: Record<string, string> | undefined;
  if (kind === 'Secret' && (body.data !== undefined || body.stringData !== undefined)) {
    data = { ...stringMap(body.data) };
    for (const [k, v] of Object.entries(stringMap(body.stringData)))
      data[k] = Buffer.from(String(v)).toString('base64');
    delete body.data;
    delete body.stringData;
  }
  return {
    labels: stringMap(meta.labels),
    annotations: Object.fromEntries(Object.entries(stringMap(meta.annotations)).filter(([k]) => k !== LAST_APPLIED)),
    body,
    data,
  };
}

type Parts = ReturnType<typeof partsOf>;

/** The record of what this apply sets: each path, with the hash of its value where it is compared by hash. */
function record(parts: Parts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(parts.labels)) out[`metadata.labels.${k}`] = '';
  for (const k of Object.keys(parts.annotations)) out[`metadata.annotations.${k}`] = '';
  for (const k of Object.keys(parts.data ?? {})) out[`data.${k}`] = '';
  for (const [k, v] of Object.entries(parts.body)) out[k] = hashOf(v);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function previousRecord(obj: KubeObject): Record<string, string> {
  const text = obj.metadata.annotations?.[LAST_APPLIED];
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** A map as the last apply left it: keys it set and no longer sets removed, this apply's set. */
function merged(
  live: Record<string, string>,
  prefix: string,
  previous: Record<string, string>,
  next: Record<string, string>,
  wanted: Record<string, string>,
): Record<string, string> {
  const out = { ...live };
  for (const path of Object.keys(previous)) {
    if (path.startsWith(prefix) && !(path in next)) delete out[path.slice(prefix.length)];
  }
  return Object.assign(out, wanted);
}

/**
 * Applies one planned manifest inside the apply's transaction.
 * @throws what the create or update throws, naming the document; FORBIDDEN if the object
 *   appeared or went since the apply was authorized and the caller may not do the other
 */
export async function applyOne(
  tx: StoreTransaction,
  registry: Registry,
  p: Planned,
  ctx: WriteContext,
): Promise<ApplyResult> {
  const m = p.manifest;
  const base = { kind: m.kind, namespace: p.kind && KINDS[p.kind].namespaced ? p.namespace : null, name: m.name };
  if (!p.kind) return { ...base, namespace: m.namespace ?? null, action: 'SKIPPED', object: null, question: null };
  const kind = p.kind;
  try {
    const live = await tx.get(kind, p.namespace, m.name, 'update');
    const question = can(live ? 'patch' : 'create', kind, p.namespace, m.name);
    if (!!live !== p.exists && ctx.authorizer && !(await ctx.authorizer.allowed(question))) {
      throw ctx.authorizer.settledError(question);
    }
    const parts = partsOf(kind, m.object);
    const next = record(parts);
    if (!live) {
      const input = {
        ...parts.body,
        ...(parts.data ? { data: parts.data } : {}),
        metadata: {
          name: m.name,
          labels: parts.labels,
          annotations: { ...parts.annotations, [LAST_APPLIED]: JSON.stringify(next) },
        },
      };
      const created = await registry.createIn(tx, kind, p.namespace, input, ctx);
      // its `default` ServiceAccount now, as the controller would right after the commit: a Pod
      // applied with the namespace (and admitted in this transaction) may need it
      if (kind === 'Namespace') {
        await registry.createIn(
          tx,
          'ServiceAccount',
          m.name,
          { metadata: { name: DEFAULT_SERVICE_ACCOUNT } },
          {
            user: CONTROLLER_USER,
          },
        );
      }
      return { ...base, action: 'CREATED', object: created, question };
    }
    const previous = previousRecord(live);
    if (!parts.data)
      for (const [path, hash] of Object.entries(previous)) if (path.startsWith('data.')) next[path] = hash;
    const input: Record<string, unknown> = {};
    const labels = merged(live.metadata.labels, 'metadata.labels.', previous, next, parts.labels);
    const annotations = merged(live.metadata.annotations, 'metadata.annotations.', previous, next, parts.annotations);
    annotations[LAST_APPLIED] = JSON.stringify(next);
    // a field is sent if it differs both from what the last apply set and from what is stored
    const stored = live as unknown as Record<string, unknown>;
    for (const [field, hash] of Object.entries(next)) {
      if (field.includes('.')) continue;
      if (previous[field] !== hash && !jsonEqual(stored[field] ?? null, parts.body[field] ?? null)) {
        input[field] = parts.body[field];
      }
    }
    for (const field of Object.keys(previous)) {
      if (!field.includes('.') && !(field in next)) input[field] = null;
    }
    if (parts.data) {
      const liveData = stringMap((live as ObjectOfKind['Secret']).data);
      const data = merged(liveData, 'data.', previous, next, parts.data);
      if (!jsonEqual(data, liveData)) input.data = data;
    }
    // what is stored is what the manifest says: nothing is written (nor this apply's record)
    const without = (m: Record<string, string>) =>
      Object.fromEntries(Object.entries(m).filter(([k]) => k !== LAST_APPLIED));
    const metaChanged =
      !jsonEqual(labels, live.metadata.labels) || !jsonEqual(without(annotations), without(live.metadata.annotations));
    if (!metaChanged && Object.keys(input).length === 0)
      return { ...base, action: 'UNCHANGED', object: live, question };
    const updated = await registry.updateIn(
      tx,
      kind,
      p.namespace,
      { ...input, metadata: { name: m.name, labels, annotations } },
      ctx,
    );
    const changed = updated.metadata.resourceVersion !== live.metadata.resourceVersion;
    return { ...base, action: changed ? 'CONFIGURED' : 'UNCHANGED', object: updated, question };
  } catch (err) {
    // an admission step that asks to be run again: its final refusal names the document too
    if (err instanceof RetryAdmission) {
      throw new RetryAdmission(inDocument(err.final, m, base.namespace ?? undefined), err.afterMs, err.attempts);
    }
    if (!(err instanceof ApiError)) throw err;
    throw inDocument(err, m, base.namespace ?? undefined);
  }
}

/** An error about one manifest, naming its document, kind, namespace and name (in its message and extensions). */
function inDocument(err: ApiError, m: Manifest, namespace?: string): ApiError {
  const { code: _code, ...extensions } = err.extensions;
  return new ApiError(err.code, `${where(m, namespace)}: ${err.message}`, {
    ...extensions,
    document: m.document,
    kind: m.kind,
    ...(namespace ? { namespace } : {}),
    name: m.name,
  });
}

/**
 * Refuses a manifest whose fields Keyway types (its kind's input type) hold a value of the wrong
 * JSON type, naming each field, before anything is written.
 * @throws INVALID naming the document, kind and name, with a cause per field
 */
export function checkTypes(p: Planned, inputType: GraphQLInputType | undefined): void {
  if (!p.kind || !inputType) return;
  const { apiVersion: _v, kind: _k, status: _s, ...object } = p.manifest.object;
  const errors = typeErrors(inputType, object, Path.root(''));
  if (errors.length) {
    const namespace = KINDS[p.kind].namespaced ? p.namespace : undefined;
    throw inDocument(invalid(p.kind, p.manifest.name, errors), p.manifest, namespace);
  }
}

/** Thrown to roll a dry run back once it has done everything but commit. */
export class DryRun extends Error {
  constructor(readonly results: ApplyResult[]) {
    super('dry run');
  }
}
