/**
 * What the database can hold, checked before anything is written so that bad input is INVALID
 * with its path, never a driver error: PostgreSQL text and jsonb take no NUL, no string can hold
 * an unpaired surrogate in UTF-8, and Kubernetes refuses objects over etcd's default request
 * limit. (Names, which an index row holds, are bounded in validation/names.ts.)
 */
import type { KubeObject } from '../apis/meta.js';
import { field, Path, type ErrorList } from './field.js';

/** etcd's default `--max-request-bytes`: Kubernetes cannot store a larger object. */
const MAX_OBJECT_BYTES = 1536 * 1024;

/** NUL, or a UTF-16 surrogate that is not half of a pair. */
const UNSTORABLE = /[\0\p{Cs}]/u;

const UNSTORABLE_MESSAGE = 'must not contain NUL (U+0000) or unpaired surrogate characters';

/** Whether PostgreSQL can store and compare the string (no NUL, well-formed UTF-16). */
export function isStorable(value: string): boolean {
  return !UNSTORABLE.test(value);
}

const UNSTORABLE_ALL = /[\0\p{Cs}]/gu;

/** The string with what PostgreSQL cannot store (NUL, unpaired surrogates) replaced by U+FFFD. */
function storable(value: string): string {
  return UNSTORABLE.test(value) ? value.replace(UNSTORABLE_ALL, '\uFFFD') : value;
}

/** A JSON value with every string in it (keys too) made storable. */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storableJson(v)]));
  }
  return value;
}

/** Members whose keys are data (rendered `labels[key]`), not field names. */
const MAPS = new Set(['labels', 'annotations', 'data', 'stringData', 'nodeSelector', 'extra']);

function walk(value: unknown, at: Path, inMap: boolean, errs: ErrorList): void {
  if (typeof value === 'string') {
    if (!isStorable(value)) errs.push(field.invalidOmitted(at, UNSTORABLE_MESSAGE));
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, at.index(i), false, errs);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, member] of Object.entries(value)) {
    const path = inMap ? at.key(key) : at.child(key);
    if (!isStorable(key)) errs.push(field.invalidOmitted(path, `keys ${UNSTORABLE_MESSAGE}`));
    walk(member, path, !inMap && MAPS.has(key), errs);
  }
}

/**
 * Every string of the object, keys included, must be storable, and the object as JSON must fit
 * Kubernetes' size limit. Values are never repeated in the errors (they may be secret).
 */
export function validateStorage(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  walk(obj, Path.root(''), false, errs);
  if (errs.length === 0 && Buffer.byteLength(JSON.stringify(obj)) > MAX_OBJECT_BYTES) {
    errs.push(field.tooLong(Path.root(''), MAX_OBJECT_BYTES));
  }
  return errs;
}
