/**
 * Privilege-escalation prevention (`pkg/registry/rbac/validation/rule.go`,
 * `k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go`): a rule set covers
 * another if every atom of the other (one group, resource, verb and name, or one URL and verb)
 * is covered by a single rule of the first. `confirmNoEscalation` is the one check.
 */
import { defaultRule, type PolicyRule } from '../../apis/rbac.js';
import type { UserInfo } from '../../authn/identity.js';
import { goQuote, goQuoteList } from '../../util/quote.js';
import { ALL } from './rules.js';

const rule = defaultRule;

/** `BreakdownRule`: one rule per group × resource × verb (× name), and per URL × verb. */
function breakdown(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of r.apiGroups) {
    for (const resource of r.resources) {
      for (const verb of r.verbs) {
        if (r.resourceNames.length) {
          for (const name of r.resourceNames)
            out.push(rule({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] }));
        } else {
          out.push(rule({ apiGroups: [group], resources: [resource], verbs: [verb] }));
        }
      }
    }
  }
  for (const url of r.nonResourceURLs)
    for (const verb of r.verbs) out.push(rule({ nonResourceURLs: [url], verbs: [verb] }));
  return out;
}

const hasAll = (set: readonly string[], wanted: readonly string[]) => wanted.every((w) => set.includes(w));

function resourceCoversAll(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(ALL) || hasAll(owner, wanted)) return true;
  return wanted.every((path) => {
    if (owner.includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && owner.includes(`*/${path.slice(slash + 1)}`);
  });
}

/** Equal, or the owner ends in `*` and the path starts with the owner less its trailing `*`s. */
export function nonResourceURLCovers(owner: string, path: string): boolean {
  if (owner === path) return true;
  return owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, ''));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = owner.apiGroups.includes(ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = sub.nonResourceURLs.every((path) => owner.nonResourceURLs.some((o) => nonResourceURLCovers(o, path)));
  const names =
    sub.resourceNames.length === 0
      ? owner.resourceNames.length === 0
      : owner.resourceNames.length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** `Covers`: whether `owner` covers every rule of `servant`, and the atoms it does not. */
export function covers(
  owner: readonly PolicyRule[],
  servant: readonly PolicyRule[],
): { covered: boolean; uncovered: PolicyRule[] } {
  const uncovered = servant.flatMap(breakdown).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: uncovered.length === 0, uncovered };
}

/**
 * `CompactRules`: rules of one group and one resource that differ only in verbs become one.
 */
function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      r.apiGroups.length === 1 &&
      r.resources.length === 1 &&
      r.resourceNames.length === 0 &&
      r.nonResourceURLs.length === 0;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0]]);
    const existing = simple.get(key);
    if (existing) {
      for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
    } else {
      const copy = rule({ ...r, verbs: [...r.verbs] });
      simple.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** `CompactString`: `{APIGroups:["batch"], Resources:["*"], Verbs:["*"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * `ConfirmNoEscalation`: null if the user's rules cover the requested ones, else Kubernetes'
 * explanation (what is missing, sorted, one per line; resolution errors appended).
 */
export function confirmNoEscalation(
  user: UserInfo,
  held: { rules: PolicyRule[]; errors: string[] },
  requested: readonly PolicyRule[],
): string | null {
  const { covered, uncovered } = covers(held.rules, requested);
  if (covered) return null;
  const missing = [...new Set(compactRules(uncovered).map(compactString))].sort();
  let msg =
    `user ${goQuote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant ` +
    `RBAC permissions not currently held:\n${missing.join('\n')}`;
  if (held.errors.length) {
    // one aggregate error, printed inside Go's %v of an error slice
    const aggregate = held.errors.length === 1 ? held.errors[0] : `[${held.errors.join(', ')}]`;
    msg += `; resolution errors: [${aggregate}]`;
  }
  return msg;
}
