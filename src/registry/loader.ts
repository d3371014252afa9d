/**
 * One request's batched object reads: the nested fields of a 100-item list (each Pod's
 * ServiceAccount, say) become one query instead of a hundred.
 */
import DataLoader from 'dataloader';
import type { Kind, ObjectOfKind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { StoreReader } from '../store/store.js';

type Key = { kind: Kind; namespace: string; name: string };

export class ObjectLoader {
  private readonly loader: DataLoader<Key, KubeObject | null, string>;

  constructor(reader: StoreReader) {
    this.loader = new DataLoader((keys) => reader.getMany(keys), {
      cacheKeyFn: (k) => `${k.kind}/${k.namespace}/${k.name}`,
      maxBatchSize: 500,
    });
  }

  load<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind[K] | null> {
    return this.loader.load({ kind, namespace, name }) as Promise<ObjectOfKind[K] | null>;
  }
}
