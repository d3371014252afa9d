/**
 * An in-memory view of some kinds, as a Kubernetes informer keeps one: loaded from the
 * follower's start snapshot, then kept current by every change the follower reads. Each object
 * is reduced to what its readers need (a uid, a hash), never held whole.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { Change } from '../store/store.js';
import type { ChangeFollower } from './follower.js';

export class Informer<P> {
  private readonly items = new Map<string, P>();

  constructor(
    private readonly kinds: readonly Kind[],
    private readonly project: (obj: KubeObject) => P,
  ) {}

  /** Loads at the follower's start and follows it after. */
  attach(follower: ChangeFollower): this {
    follower.onSnapshot(async (reader) => {
      for (const kind of this.kinds)
        for await (const obj of reader.all(kind))
          this.items.set(this.key(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name), this.project(obj));
    });
    follower.subscribe((change) => this.apply(change));
    return this;
  }

  get(kind: Kind, namespace: string, name: string): P | undefined {
    return this.items.get(this.key(kind, namespace, name));
  }

  get size(): number {
    return this.items.size;
  }

  private apply(change: Change): void {
    if (!this.kinds.includes(change.kind)) return;
    const key = this.key(change.kind, change.namespace, change.name);
    if (change.type === 'DELETED') this.items.delete(key);
    else this.items.set(key, this.project(change.object));
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }
}
