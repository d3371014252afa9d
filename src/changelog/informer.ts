/**
 * An in-memory projection of some kinds, as a Kubernetes informer's store keeps one: each object
 * reduced to what its readers need (a uid, a hash), never held whole. Registered with the
 * follower like every consumer of the change log.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { Change, StoreReader } from '../store/store.js';
import type { Informer } from './follower.js';

export class Projection<P> implements Informer {
  private readonly items = new Map<string, P>();

  constructor(
    readonly name: string,
    readonly kinds: readonly Kind[],
    private readonly project: (obj: KubeObject) => P,
  ) {}

  async load(reader: StoreReader): Promise<void> {
    this.items.clear();
    for (const kind of this.kinds) {
      for await (const obj of reader.all(kind))
        this.items.set(this.key(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name), this.project(obj));
    }
  }

  apply(change: Change): void {
    const key = this.key(change.kind, change.namespace, change.name);
    if (change.type === 'DELETED') this.items.delete(key);
    else this.items.set(key, this.project(change.object));
  }

  get(kind: Kind, namespace: string, name: string): P | undefined {
    return this.items.get(this.key(kind, namespace, name));
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }
}
