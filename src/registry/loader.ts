/**
 * The single-object reads of nested fields (each Pod's ServiceAccount in a list), answered by the
 * watch cache: a map lookup each, so a 100-item list costs no query at all.
 */
import type { Kind, ObjectOfKind } from '../apis/kinds.js';
import type { ObjectCache } from '../cache/objects.js';

export class ObjectLoader {
  constructor(private readonly cache: ObjectCache) {}

  load<K extends Kind>(kind: K, namespace: string, name: string): ObjectOfKind[K] | null {
    return this.cache.get(kind, namespace, name);
  }
}
