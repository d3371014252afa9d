/**
 * A Strategy is what Kubernetes calls a resource's REST strategy
 * (`pkg/registry/core/<kind>/strategy.go`): pure functions that default an object and collect every
 * validation error with its field path. They never touch storage.
 */
import type { Kind, ObjectOfKind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { ErrorList } from '../validation/field.js';
import type { NameValidator } from '../validation/names.js';

export interface Strategy<T extends KubeObject = KubeObject> {
  readonly kind: Kind;
  /** The rule names (and generateName prefixes) of this kind must follow. */
  readonly validateName: NameValidator;
  /**
   * What Kubernetes does as it decodes a request, before admission sees the object: scheme
   * defaults (`SetDefaults_*`) and conversion (a Secret's `stringData` into `data`). Runs on
   * creates and on updates, on the object the update proposes.
   */
  defaults?(obj: T): T;
  /** `PrepareForCreate`, after mutating admission: what the system owns on a new object. */
  prepareForCreate(obj: T): T;
  /** Errors in the body; ObjectMeta is validated by the registry. */
  validate(obj: T): ErrorList;
  /** `PrepareForUpdate`, after mutating admission: carries over what an update may not change. */
  prepareForUpdate(obj: T, old: T): T;
  /** `sent`: the body fields the update carried (the rest were kept from `old`). */
  validateUpdate(obj: T, old: T, sent: ReadonlySet<string>): ErrorList;
  /**
   * Called on delete. Returns the object to keep instead of removing it (a Namespace goes
   * Terminating), or null to remove it. Throws an ApiError to refuse the delete.
   */
  beforeDelete?(obj: T): T | null;
}

/** Every kind's strategy, typed by kind: `strategies[kind]` is a `Strategy<ObjectOfKind[kind]>`. */
export type Strategies = { [K in Kind]: Strategy<ObjectOfKind[K]> };
