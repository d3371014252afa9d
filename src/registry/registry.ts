/**
 * The generic registry (`k8s.io/apiserver/pkg/registry/generic/registry/store.go`): how any
 * object is created, updated and deleted. Each write is one transaction: build the object, run
 * mutating admission, validate (ObjectMeta + the kind's strategy), run validating admission,
 * store it with its change-log row. After the commit the caller waits until this replica's
 * followers have seen the write, so its next request reads its own writes.
 */
import { dict, jsonEqual } from '../util/maps.js';
import { randomUUID } from 'node:crypto';
import { KINDS, type Kind, type ObjectOfKind } from '../apis/kinds.js';
import { formatTime, nowSeconds, type KubeObject, type ObjectMetaInput } from '../apis/meta.js';
import { RetryAdmission, type AdmissionPlugin, type AdmissionRequest, type Operation } from '../admission/plugin.js';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthorizer } from '../authz/request.js';
import type { ChangeFollower } from '../changelog/follower.js';
import { alreadyExists, badRequest, conflict, invalid, notFound } from '../errors.js';
import type { Change, ListOptions, ListPage, ObjectStore, StoreTransaction } from '../store/store.js';
import { field, type ErrorList } from '../validation/field.js';
import { validateObjectMeta } from '../validation/objectmeta.js';
import { validateStorage } from '../validation/storage.js';
import { generateName } from './names.js';
import type { Strategy } from './strategy.js';
import type { Selector } from '../labels/selector.js';

/** What a client sends: metadata plus the kind's body fields. */
export interface ObjectInput {
  metadata?: ObjectMetaInput | null;
  [field: string]: unknown;
}

export interface WriteContext {
  user: UserInfo;
  authorizer?: RequestAuthorizer;
}

export type Strategies = { [K in Kind]: Strategy<ObjectOfKind[K]> };

/**
 * Drops null and undefined members, deeply: absent and null mean the same inside an input. Maps
 * come out null-prototype, so a key such as `__proto__` stays data.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out = dict<unknown>();
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = compact(v);
    return out as T;
  }
  return value;
}


function bodyOf(obj: KubeObject): Record<string, unknown> {
  const { kind: _kind, metadata: _metadata, ...body } = obj as KubeObject & Record<string, unknown>;
  return body;
}

export class Registry {
  constructor(
    private readonly store: ObjectStore,
    private readonly follower: ChangeFollower,
    private readonly strategies: Strategies,
    private readonly admission: AdmissionPlugin[],
  ) {}

  /** @throws NOT_FOUND */
  async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind[K]> {
    const obj = await this.store.read.get(kind, namespace, name);
    if (!obj) throw notFound(kind, name);
    return obj;
  }

  find<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind[K] | null> {
    return this.store.read.get(kind, namespace, name);
  }

  list<K extends Kind>(kind: K, options: ListOptions): Promise<ListPage<ObjectOfKind[K]>> {
    return this.store.read.list(kind, options);
  }

  count(kind: Kind, options: { namespace?: string; selector?: Selector }): Promise<number> {
    return this.store.read.count(kind, options);
  }

  /**
   * Creates an object from a client's input.
   * @throws INVALID, ALREADY_EXISTS, NOT_FOUND (namespace), FORBIDDEN (admission), BAD_REQUEST
   */
  create<K extends Kind>(kind: K, namespace: string, input: ObjectInput, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.createIn(tx, kind, namespace, input, ctx));
  }

  /** create, inside a transaction the caller runs (to compose several writes into one). */
  async createIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    input: ObjectInput,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const strategy = this.strategies[kind] as unknown as Strategy;
    const info = KINDS[kind];
    const { metadata: metaInput, ...rawBody } = input;
    const meta = compact(metaInput ?? {});
    const body = compact(rawBody);
    if (info.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const name = meta.name || (meta.generateName ? generateName(meta.generateName) : '');
    let obj: KubeObject = {
      ...body,
      kind,
      metadata: {
        name,
        ...(info.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        resourceVersion: '0',
        generation: 1,
        creationTimestamp: formatTime(nowSeconds()),
        labels: meta.labels ?? {},
        annotations: meta.annotations ?? {},
      },
    };
    if (!info.namespaced && meta.namespace) {
      throw invalid(kind, name, [field.forbidden('metadata.namespace', 'not allowed on this type')]);
    }
    obj = strategy.prepareForCreate(obj);

    const request: AdmissionRequest = { operation: 'CREATE', kind, namespace, name, object: obj, user: ctx.user, authorizer: ctx.authorizer, tx, memo: new Map() };
    request.object = await this.mutate(request);
    const errs: ErrorList = [
      ...validateObjectMeta(
        { ...request.object.metadata, generateName: meta.generateName ?? undefined },
        info.namespaced,
        strategy.validateName,
      ),
      ...strategy.validate(request.object),
      ...validateStorage(request.object),
    ];
    if (errs.length) throw invalid(kind, name || meta.generateName || '', errs);
    await this.validateAdmission(request);
    const created = await tx.create(request.object);
    if (!created) throw alreadyExists(kind, name);
    return created as ObjectOfKind[K];
  }

  /**
   * Updates an object: each top-level field the input carries replaces the stored one, each it
   * leaves out (undefined) is kept; `null` resets a field. A `metadata.resourceVersion` is a
   * precondition.
   * @throws INVALID, NOT_FOUND, CONFLICT, FORBIDDEN (admission)
   */
  update<K extends Kind>(kind: K, namespace: string, input: ObjectInput, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.updateIn(tx, kind, namespace, input, ctx));
  }

  async updateIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    input: ObjectInput,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const strategy = this.strategies[kind] as unknown as Strategy;
    const info = KINDS[kind];
    const { metadata: metaInput, ...rawBody } = input;
    const meta = metaInput ?? {};
    const name = meta.name ?? '';
    if (!name) throw invalid(kind, '', [field.required('metadata.name', 'name is required')]);
    if (info.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const ns = info.namespaced ? namespace : '';

    const old = await tx.get(kind, ns, name, 'update');
    if (!old) throw notFound(kind, name);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata.resourceVersion) throw conflict(kind, name);

    const body: Record<string, unknown> = { ...bodyOf(old) };
    const sent = new Set<string>();
    for (const [key, value] of Object.entries(rawBody)) {
      if (value === undefined) continue;
      sent.add(key);
      if (value === null) delete body[key];
      else body[key] = compact(value);
    }
    let obj: KubeObject = {
      ...body,
      kind,
      metadata: {
        ...old.metadata,
        labels: meta.labels === undefined ? old.metadata.labels : compact(meta.labels ?? {}),
        annotations: meta.annotations === undefined ? old.metadata.annotations : compact(meta.annotations ?? {}),
      },
    };
    obj = strategy.prepareForUpdate(obj, old);
    const request: AdmissionRequest = { operation: 'UPDATE', kind, namespace: ns, name, object: obj, oldObject: old, user: ctx.user, authorizer: ctx.authorizer, tx, memo: new Map() };
    request.object = await this.mutate(request);
    const errs: ErrorList = [
      ...validateObjectMeta(request.object.metadata, info.namespaced, strategy.validateName),
      ...strategy.validateUpdate(request.object, old, sent),
      ...validateStorage(request.object),
    ];
    if (errs.length) throw invalid(kind, name, errs);
    await this.validateAdmission(request);

    const bodyChanged = !jsonEqual(bodyOf(request.object), bodyOf(old));
    if (!bodyChanged && jsonEqual(request.object.metadata, old.metadata)) return old as ObjectOfKind[K]; // nothing to write
    if (bodyChanged) request.object.metadata = { ...request.object.metadata, generation: old.metadata.generation + 1 };
    return (await tx.update(request.object)) as ObjectOfKind[K];
  }

  /**
   * Deletes an object and returns its last state (or, for a kind that finalises, the object as
   * kept, e.g. a Terminating Namespace).
   * @throws NOT_FOUND, FORBIDDEN, CONFLICT
   */
  delete<K extends Kind>(kind: K, namespace: string, name: string, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.deleteIn(tx, kind, namespace, name, ctx));
  }

  async deleteIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    name: string,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const strategy = this.strategies[kind] as unknown as Strategy;
    const ns = KINDS[kind].namespaced ? namespace : '';
    const old = await tx.get(kind, ns, name, 'update');
    if (!old) throw notFound(kind, name);
    const request: AdmissionRequest = { operation: 'DELETE', kind, namespace: ns, name, object: old, user: ctx.user, authorizer: ctx.authorizer, tx, memo: new Map() };
    await this.validateAdmission(request);
    const kept = strategy.beforeDelete?.(old) ?? null;
    return (kept ? await tx.update(kept) : await tx.delete(old)) as ObjectOfKind[K];
  }

  /**
   * Removes an object without strategy or admission: for controllers finishing what the API
   * already decided (namespace cleanup). Returns false if it was already gone.
   */
  async purge(tx: StoreTransaction, kind: Kind, namespace: string, name: string): Promise<boolean> {
    const obj = await tx.get(kind, namespace, name, 'update');
    if (!obj) return false;
    await tx.delete(obj);
    return true;
  }

  /**
   * Runs `fn` in one transaction; then waits until this replica's state has applied its writes
   * and the commit's NOTIFY has reached the replicas (see ChangeFollower.heard).
   */
  async write<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const { result, written } = await this.transaction(fn);
    if (written.length) {
      await this.follower.committed(written);
      await this.follower.heard(written.at(-1)!.resourceVersion);
    }
    return result;
  }

  /** One transaction, run again (from scratch, after a pause) while admission asks for it. */
  private async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<{ result: T; written: Change[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(fn);
      } catch (err) {
        if (!(err instanceof RetryAdmission)) throw err;
        if (attempt >= err.attempts) throw err.final;
        await new Promise((resolve) => setTimeout(resolve, err.afterMs));
      }
    }
  }

  private plugins(kind: Kind, operation: Operation): AdmissionPlugin[] {
    return this.admission.filter((p) => p.handles(kind, operation));
  }

  private async mutate(request: AdmissionRequest): Promise<KubeObject> {
    let obj = request.object;
    for (const plugin of this.plugins(request.kind, request.operation)) {
      if (!plugin.mutate) continue;
      obj = (await plugin.mutate({ ...request, object: obj })) ?? obj;
    }
    return obj;
  }

  private async validateAdmission(request: AdmissionRequest): Promise<void> {
    for (const plugin of this.plugins(request.kind, request.operation)) await plugin.validate?.(request);
  }
}
