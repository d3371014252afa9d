/**
 * A Strategy is what Kubernetes calls a resource's REST strategy
 * (`pkg/registry/core/<kind>/strategy.go`): pure functions that default an object and collect every
 * validation error with its field path. They never touch storage.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { ErrorList } from '../validation/field.js';
import type { NameValidator } from '../validation/names.js';

export interface Strategy<T extends KubeObject = KubeObject> {
  readonly kind: Kind;
  /** The rule names (and generateName prefixes) of this kind must follow. */
  readonly validateName: NameValidator;
  /** Defaults and normalises a new object (metadata is already filled). */
  prepareForCreate(obj: T): T;
  /** Errors in the body; ObjectMeta is validated by the registry. */
  validate(obj: T): ErrorList;
  /** Carries over what an update may not change and normalises the rest. */
  prepareForUpdate(obj: T, old: T): T;
  /** `sent`: the body fields the update carried (the rest were kept from `old`). */
  validateUpdate(obj: T, old: T, sent: ReadonlySet<string>): ErrorList;
  /**
   * Called on delete. Returns the object to keep instead of removing it (a Namespace goes
   * Terminating), or null to remove it. Throws an ApiError to refuse the delete.
   */
  beforeDelete?(obj: T): T | null;
}
