/**
 * Maps and values that come from the wire. A key is data: `__proto__`, `constructor` or
 * `hasOwnProperty` must be stored and compared like any other, so maps built here are
 * null-prototype objects, and equality ignores prototypes.
 */

/** A string-keyed map with no prototype, filled from `entries` (later entries win). */
export function dict<V>(entries?: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  if (entries) for (const [key, value] of entries) out[key] = value;
  return out;
}

/** Whether `map` holds `key` itself (never through a prototype). */
export function has(map: object, key: string): boolean {
  return Object.hasOwn(map, key);
}

/**
 * Deep equality of JSON values (objects, arrays, strings, numbers, booleans, null): the same
 * own keys with equal values, whatever the objects' prototypes. `{a: undefined}` differs from `{}`,
 * as in `util.isDeepStrictEqual`.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!has(b, key) || !jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}
