/**
 * The generic registry (`k8s.io/apiserver/pkg/registry/generic/registry/store.go`): how any
 * object is created, updated and deleted. Each write is one transaction and one pipeline
 * (`admit`): the object is proposed (decoded, or the stored one merged with the input; then the
 * kind's defaults), mutating admission runs, then the strategy's prepare, validation, validating
 * admission; then it is stored with its change-log row. After the commit the caller waits until
 * this replica's followers have seen the write, so its next request reads its own writes.
 */
import { randomUUID } from 'node:crypto';
import { KINDS, type Kind, type ObjectOfKind } from '../apis/kinds.js';
import { formatTime, nowSeconds, type KubeObject, type ObjectMeta, type ObjectMetaInput } from '../apis/meta.js';
import { RetryAdmission, type AdmissionPlugin, type AdmissionRequest, type Operation } from '../admission/plugin.js';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthorizer } from '../authz/request.js';
import type { ChangeFollower } from '../changelog/follower.js';
import { alreadyExists, badRequest, conflict, invalid, notFound } from '../errors.js';
import type { Change, ListOptions, ListPage, ObjectStore, StoreTransaction } from '../store/store.js';
import { field, type ErrorList } from '../validation/field.js';
import { validateObjectMeta } from '../validation/objectmeta.js';
import { validateStorage } from '../validation/storage.js';
import type { Strategies, Strategy } from './strategy.js';
import type { ObjectCache } from '../cache/objects.js';
import type { TransactionAudit } from '../audit/recorder.js';
import type { Selector } from '../labels/selector.js';
import { dict, jsonEqual } from '../util/maps.js';
import { generateName } from '../util/names.js';

/** How long a committed write waits for this replica to apply it before answering anyway. */
const APPLY_WAIT_MS = 5000;

/** What an operation proposes to store (for a delete: the object it removes), and what it replaces. */
interface Proposal<K extends Kind> {
  operation: Operation;
  kind: K;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  object: ObjectOfKind[K];
  old?: ObjectOfKind[K];
  /** On update: the body fields the input carried. */
  sent?: ReadonlySet<string>;
  /** On create: the prefix a generated name was drawn from. */
  generateName?: string;
}

/** What a client sends: metadata plus the kind's body fields. */
export interface ObjectInput {
  metadata?: ObjectMetaInput | null;
  [field: string]: unknown;
}

export interface WriteContext {
  user: UserInfo;
  authorizer?: RequestAuthorizer;
  /** The audit of the mutation this write is for: its event is written in the write's transaction. */
  audit?: TransactionAudit;
}

/**
 * Drops null and undefined members, deeply: absent and null mean the same inside an input. Maps
 * come out null-prototype, so a key such as `__proto__` stays data.
 */
function compact<T>(value: T): T {
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
  /** @param cache the watch cache reads are served from (writes read the database, in their transaction) */
  constructor(
    private readonly store: ObjectStore,
    private readonly follower: ChangeFollower,
    private readonly strategies: Strategies,
    private readonly admission: AdmissionPlugin[],
    private readonly cache: ObjectCache,
  ) {}

  /** @throws NOT_FOUND */
  get<K extends Kind>(kind: K, namespace: string, name: string): ObjectOfKind[K] {
    const obj = this.cache.get(kind, namespace, name);
    if (!obj) throw notFound(kind, name);
    return obj;
  }

  find<K extends Kind>(kind: K, namespace: string, name: string): ObjectOfKind[K] | null {
    return this.cache.get(kind, namespace, name);
  }

  list<K extends Kind>(kind: K, options: ListOptions): ListPage<ObjectOfKind[K]> {
    return this.cache.list(kind, options);
  }

  count(kind: Kind, options: { namespace?: string; selector?: Selector }): number {
    return this.cache.count(kind, options);
  }

  /**
   * Creates an object from a client's input.
   * @throws INVALID, ALREADY_EXISTS, NOT_FOUND (namespace), FORBIDDEN (admission), BAD_REQUEST
   */
  create<K extends Kind>(kind: K, namespace: string, input: ObjectInput, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.createIn(tx, kind, namespace, input, ctx), ctx.audit);
  }

  /** create, inside a transaction the caller runs (to compose several writes into one). */
  async createIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    input: ObjectInput,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const proposal = this.proposeCreate(kind, namespace, input);
    const created = await tx.create(await this.admit(tx, proposal, ctx));
    if (!created) throw alreadyExists(kind, proposal.name);
    return created;
  }

  /**
   * Updates an object: each top-level field the input carries replaces the stored one, each it
   * leaves out (undefined) is kept; `null` resets a field. A `metadata.resourceVersion` is a
   * precondition. An update that changes nothing writes nothing.
   * @throws INVALID, NOT_FOUND, CONFLICT, FORBIDDEN (admission)
   */
  update<K extends Kind>(kind: K, namespace: string, input: ObjectInput, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.updateIn(tx, kind, namespace, input, ctx), ctx.audit);
  }

  async updateIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    input: ObjectInput,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const proposal = await this.proposeUpdate(tx, kind, namespace, input);
    const obj = await this.admit(tx, proposal, ctx);
    const old = proposal.old!;
    const bodyChanged = !jsonEqual(bodyOf(obj), bodyOf(old));
    if (!bodyChanged && jsonEqual(obj.metadata, old.metadata)) return old; // nothing to write
    if (bodyChanged) obj.metadata = { ...obj.metadata, generation: old.metadata.generation + 1 };
    return tx.update(obj);
  }

  /**
   * Deletes an object and returns its last state (or, for a kind that finalises, the object as
   * kept, e.g. a Terminating Namespace).
   * @throws NOT_FOUND, FORBIDDEN, CONFLICT
   */
  delete<K extends Kind>(kind: K, namespace: string, name: string, ctx: WriteContext): Promise<ObjectOfKind[K]> {
    return this.write((tx) => this.deleteIn(tx, kind, namespace, name, ctx), ctx.audit);
  }

  async deleteIn<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    name: string,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const ns = KINDS[kind].namespaced ? namespace : '';
    const old = await tx.get(kind, ns, name, 'update');
    if (!old) throw notFound(kind, name);
    await this.admit(tx, { operation: 'DELETE', kind, namespace: ns, name, object: old }, ctx);
    const kept = this.strategyOf(kind).beforeDelete?.(old) ?? null;
    return kept ? tx.update(kept) : tx.delete(old);
  }

  /** The strategy of a kind, typed by it. */
  private strategyOf<K extends Kind>(kind: K): Strategy<ObjectOfKind[K]> {
    return this.strategies[kind];
  }

  /**
   * A new object from a client's input, as Kubernetes decodes a create: system metadata filled,
   * a generated name drawn, then the kind's defaults.
   * @throws BAD_REQUEST (a namespace other than the request's), INVALID (a namespace on a cluster-scoped kind)
   */
  private proposeCreate<K extends Kind>(kind: K, namespace: string, input: ObjectInput): Proposal<K> {
    const { namespaced } = KINDS[kind];
    const { metadata: metaInput, ...rawBody } = input;
    const meta = compact(metaInput ?? {});
    if (namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const name = meta.name || (meta.generateName ? generateName(meta.generateName) : '');
    if (!namespaced && meta.namespace) {
      throw invalid(kind, name, [field.forbidden('metadata.namespace', 'not allowed on this type')]);
    }
    const metadata: ObjectMeta = {
      name,
      ...(namespaced ? { namespace } : {}),
      uid: randomUUID(),
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: formatTime(nowSeconds()),
      labels: meta.labels ?? {},
      annotations: meta.annotations ?? {},
    };
    const decoded = { ...compact(rawBody), kind, metadata } as KubeObject as ObjectOfKind[K];
    const object = this.strategyOf(kind).defaults?.(decoded) ?? decoded;
    return {
      operation: 'CREATE',
      kind,
      namespace: namespaced ? namespace : '',
      name,
      object,
      generateName: meta.generateName ?? undefined,
    };
  }

  /**
   * The object an update proposes: the stored one (read FOR UPDATE), each body field the input
   * carries replacing the stored one, metadata's labels and annotations likewise; then defaults.
   * @throws INVALID (no name), BAD_REQUEST, NOT_FOUND, CONFLICT (a stale resourceVersion)
   */
  private async proposeUpdate<K extends Kind>(
    tx: StoreTransaction,
    kind: K,
    namespace: string,
    input: ObjectInput,
  ): Promise<Proposal<K>> {
    const { namespaced } = KINDS[kind];
    const { metadata: metaInput, ...rawBody } = input;
    const meta = metaInput ?? {};
    const name = meta.name ?? '';
    if (!name) throw invalid(kind, '', [field.required('metadata.name', 'name is required')]);
    if (namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const ns = namespaced ? namespace : '';
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
    const metadata: ObjectMeta = {
      ...old.metadata,
      labels: meta.labels === undefined ? old.metadata.labels : compact(meta.labels ?? {}),
      annotations: meta.annotations === undefined ? old.metadata.annotations : compact(meta.annotations ?? {}),
    };
    const merged = { ...body, kind, metadata } as KubeObject as ObjectOfKind[K];
    const object = this.strategyOf(kind).defaults?.(merged) ?? merged;
    return { operation: 'UPDATE', kind, namespace: ns, name, object, old, sent };
  }

  /**
   * The one pipeline every write goes through, in kube-apiserver's order (`handlers/create.go`,
   * `update.go`, `registry/generic/registry/store.go`): mutating admission, then the strategy's
   * `PrepareForCreate`/`PrepareForUpdate`, then validation (ObjectMeta, the strategy, what storage
   * can hold; every error with its path), then validating admission. A delete runs validating
   * admission only. Returns the object to store.
   * @throws INVALID, or whatever an admission plugin refuses with
   */
  private async admit<K extends Kind>(
    tx: StoreTransaction,
    proposal: Proposal<K>,
    ctx: WriteContext,
  ): Promise<ObjectOfKind[K]> {
    const request = this.admissionRequest(tx, proposal, ctx);
    if (proposal.operation === 'DELETE') {
      await this.validateAdmission(request);
      return proposal.object;
    }
    const strategy = this.strategyOf(proposal.kind);
    const mutated = (await this.mutate(request)) as ObjectOfKind[K];
    const { old } = proposal;
    const object = old ? strategy.prepareForUpdate(mutated, old) : strategy.prepareForCreate(mutated);
    const { namespaced } = KINDS[proposal.kind];
    const errs: ErrorList = [
      ...validateObjectMeta(
        { ...object.metadata, generateName: proposal.generateName },
        namespaced,
        strategy.validateName,
      ),
      ...(old ? strategy.validateUpdate(object, old, proposal.sent ?? new Set()) : strategy.validate(object)),
      ...validateStorage(object),
    ];
    if (errs.length) throw invalid(proposal.kind, proposal.name || proposal.generateName || '', errs);
    await this.validateAdmission({ ...request, object });
    return object;
  }

  /** The one admission request of a write: what every plugin of the chain is shown. */
  private admissionRequest<K extends Kind>(
    tx: StoreTransaction,
    proposal: Proposal<K>,
    ctx: WriteContext,
  ): AdmissionRequest {
    return {
      operation: proposal.operation,
      kind: proposal.kind,
      namespace: proposal.namespace,
      name: proposal.name,
      object: proposal.object,
      ...(proposal.old ? { oldObject: proposal.old } : {}),
      user: ctx.user,
      authorizer: ctx.authorizer,
      tx,
      memo: new Map(),
    };
  }

  /**
   * Removes an object without strategy or admission: for controllers finishing what the API
   * already decided (namespace cleanup, issued-token GC). Returns false if it was already gone.
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
  async write<T>(fn: (tx: StoreTransaction) => Promise<T>, audit?: TransactionAudit): Promise<T> {
    const { result, written } = await this.transaction(fn, audit);
    if (written.length) {
      // Committed: the answer is owed. Should the log become unreadable right now (the database
      // gone), the writer is not held for longer than this for its read-your-writes.
      const applied = this.follower.committed(written);
      if (applied) await Promise.race([applied, new Promise((resolve) => setTimeout(resolve, APPLY_WAIT_MS).unref())]);
      await this.follower.heard(written.at(-1)!.resourceVersion);
    }
    return result;
  }

  /** One transaction, run again (from scratch, after a pause) while admission asks for it. */
  private async transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    audit?: TransactionAudit,
  ): Promise<{ result: T; written: Change[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(fn, audit);
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
