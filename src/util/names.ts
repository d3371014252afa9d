/** Random name suffixes as `k8s.io/apiserver/pkg/storage/names` makes them. */
import { randomInt } from 'node:crypto';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 63 - 5;

function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return out;
}

/** `generateName` → a name: the base cut to 58 characters plus five random ones. */
export function generateName(base: string): string {
  return base.slice(0, MAX_GENERATED_BASE) + randomSuffix();
}
