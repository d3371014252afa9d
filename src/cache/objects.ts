/**
 * The watch cache (kube-apiserver's `cacher`): every object of every kind in memory, fed by the
 * change log through the informer layer, indexed by namespace and by label, so that gets, lists
 * (label selectors, keyset pages, counts) and nested reads never touch the database. Reads made
 * after `ChangeFollower.fresh()` see every write announced before they began.
 *
 * Objects are held as the store returns them and handed out as they are: readers never change them
 * (a write builds a new object and stores it; the change log brings it back here).
 */
import { KINDS, type Kind, type ObjectOfKind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { Informer } from '../changelog/follower.js';
import { matches, type Requirement, type Selector } from '../labels/selector.js';
import type { Change, ListOptions, ListPage, ObjectKey, StoreReader } from '../store/store.js';

/** The order lists come in: namespace, then name, by code unit (the cursor is opaque to clients). */
function compareKeys(a: ObjectKey, b: ObjectKey): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

/** The first index in a sorted array of keys whose key sorts after `after`. */
function firstAfter(sorted: readonly KubeObject[], after: ObjectKey): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keyOf(sorted[mid]), after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keyOf(obj: KubeObject): ObjectKey {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

/** A sorted array of objects, kept sorted as they come and go. */
class SortedObjects {
  constructor(readonly items: KubeObject[] = []) {}

  put(obj: KubeObject): void {
    const key = keyOf(obj);
    const at = this.indexOf(key);
    if (at >= 0) this.items[at] = obj;
    else this.items.splice(-at - 1, 0, obj);
  }

  remove(key: ObjectKey): void {
    const at = this.indexOf(key);
    if (at >= 0) this.items.splice(at, 1);
  }

  /** The index of `key`, or `-(insertion point) - 1`. */
  private indexOf(key: ObjectKey): number {
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(keyOf(this.items[mid]), key);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }
}

/** One kind: its objects by key, sorted, sorted per namespace, and by label. */
class KindIndex {
  readonly byKey = new Map<string, KubeObject>();
  readonly all = new SortedObjects();
  readonly byNamespace = new Map<string, SortedObjects>();
  /** label key → value → the keys of the objects carrying it */
  readonly byLabel = new Map<string, Map<string, Set<string>>>();

  static key(namespace: string, name: string): string {
    return `${namespace}\u0000${name}`;
  }

  /** An index of these objects (a load: one sort, not an insertion each). */
  static of(objects: KubeObject[]): KindIndex {
    const index = new KindIndex();
    objects.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    index.all.items.push(...objects);
    for (const obj of objects) {
      const namespace = obj.metadata.namespace ?? '';
      index.byKey.set(KindIndex.key(namespace, obj.metadata.name), obj);
      let inNamespace = index.byNamespace.get(namespace);
      if (!inNamespace) {
        inNamespace = new SortedObjects();
        index.byNamespace.set(namespace, inNamespace);
      }
      inNamespace.items.push(obj);
      index.label(KindIndex.key(namespace, obj.metadata.name), obj);
    }
    return index;
  }

  put(obj: KubeObject): void {
    const namespace = obj.metadata.namespace ?? '';
    const key = KindIndex.key(namespace, obj.metadata.name);
    const old = this.byKey.get(key);
    if (old) this.unlabel(key, old);
    this.byKey.set(key, obj);
    this.all.put(obj);
    let inNamespace = this.byNamespace.get(namespace);
    if (!inNamespace) {
      inNamespace = new SortedObjects();
      this.byNamespace.set(namespace, inNamespace);
    }
    inNamespace.put(obj);
    this.label(key, obj);
  }

  private label(key: string, obj: KubeObject): void {
    for (const [label, value] of Object.entries(obj.metadata.labels)) {
      let values = this.byLabel.get(label);
      if (!values) {
        values = new Map();
        this.byLabel.set(label, values);
      }
      let keys = values.get(value);
      if (!keys) {
        keys = new Set();
        values.set(value, keys);
      }
      keys.add(key);
    }
  }

  remove(namespace: string, name: string): void {
    const key = KindIndex.key(namespace, name);
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    this.unlabel(key, old);
    this.all.remove({ namespace, name });
    const inNamespace = this.byNamespace.get(namespace);
    inNamespace?.remove({ namespace, name });
    if (inNamespace && inNamespace.items.length === 0) this.byNamespace.delete(namespace);
  }

  private unlabel(key: string, obj: KubeObject): void {
    for (const [label, value] of Object.entries(obj.metadata.labels)) {
      const values = this.byLabel.get(label);
      const keys = values?.get(value);
      keys?.delete(key);
      if (keys?.size === 0) values!.delete(value);
      if (values?.size === 0) this.byLabel.delete(label);
    }
  }

  /**
   * The objects a list considers, in order: the namespace's (or the kind's), narrowed by the
   * label index when the selector requires a value (`a=b`, `a in (b,c)`).
   */
  candidates(namespace: string | undefined, selector: Selector | undefined): readonly KubeObject[] {
    const scope = namespace === undefined ? this.all.items : (this.byNamespace.get(namespace)?.items ?? []);
    const narrowing = selector?.filter(
      (r): r is Requirement => r.operator === '=' || r.operator === '==' || r.operator === 'in',
    );
    if (!narrowing?.length) return scope;
    let best: Set<string> | undefined;
    for (const r of narrowing) {
      const values = this.byLabel.get(r.key);
      const keys = new Set<string>();
      for (const v of r.values) for (const k of values?.get(v) ?? []) keys.add(k);
      if (!best || keys.size < best.size) best = keys;
      if (best.size === 0) return [];
    }
    if (!best || best.size >= scope.length) return scope;
    const picked: KubeObject[] = [];
    for (const key of best) {
      const obj = this.byKey.get(key)!;
      if (namespace === undefined || (obj.metadata.namespace ?? '') === namespace) picked.push(obj);
    }
    return picked.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  }
}

export class ObjectCache implements Informer {
  readonly name = 'objects';
  readonly kinds = 'all' as const;
  private kindIndexes = new Map<Kind, KindIndex>();

  /** Everything from the snapshot, in place of what was held. */
  async load(reader: StoreReader): Promise<void> {
    const fresh = new Map<Kind, KindIndex>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const objects: KubeObject[] = [];
      for await (const obj of reader.all(kind, { pageSize: 5000 })) objects.push(obj);
      fresh.set(kind, KindIndex.of(objects));
    }
    this.kindIndexes = fresh;
  }

  apply(change: Change): void {
    const index = this.index(change.kind);
    if (change.type === 'DELETED') index.remove(change.namespace, change.name);
    else index.put(change.object);
  }

  get<K extends Kind>(kind: K, namespace: string, name: string): ObjectOfKind[K] | null {
    return (this.index(kind).byKey.get(KindIndex.key(namespace, name)) as ObjectOfKind[K] | undefined) ?? null;
  }

  /** A page in (namespace, name) order after the cursor, `limit` long. */
  list<K extends Kind>(kind: K, options: ListOptions): ListPage<ObjectOfKind[K]> {
    const candidates = this.index(kind).candidates(options.namespace, options.selector);
    const items: KubeObject[] = [];
    let hasNextPage = false;
    for (let i = options.after ? firstAfter(candidates, options.after) : 0; i < candidates.length; i++) {
      const obj = candidates[i];
      if (options.selector && !matches(options.selector, obj.metadata.labels)) continue;
      if (items.length === options.limit) {
        hasNextPage = true;
        break;
      }
      items.push(obj);
    }
    return { items: items as ObjectOfKind[K][], hasNextPage };
  }

  count(kind: Kind, options: { namespace?: string; selector?: Selector }): number {
    const candidates = this.index(kind).candidates(options.namespace, options.selector);
    if (!options.selector?.length) return candidates.length;
    let n = 0;
    for (const obj of candidates) if (matches(options.selector, obj.metadata.labels)) n++;
    return n;
  }

  /** How many objects it holds, of every kind. */
  get size(): number {
    let n = 0;
    for (const index of this.kindIndexes.values()) n += index.byKey.size;
    return n;
  }

  private index(kind: Kind): KindIndex {
    let index = this.kindIndexes.get(kind);
    if (!index) {
      index = new KindIndex();
      this.kindIndexes.set(kind, index);
    }
    return index;
  }
}
