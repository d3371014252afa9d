/**
 * casbin behind a typed face. One small enforcer per distinct rule set (a role's rules): a
 * decision asks only the enforcers of the roles bound to the request's subjects, never a global
 * policy. casbin's entry points take untyped strings; they stay in this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Enforcer, newModelFromString } from 'casbin';
import type { PolicyRule } from '../../apis/rbac.js';
import {
  apiGroupMatches,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  verbMatches,
  type RuleRequest,
} from './rules.js';

const MODEL_TEXT = readFileSync(fileURLToPath(new URL('./model.conf', import.meta.url)), 'utf8');

/** Policy fields are JSON lists; each distinct one is parsed once. */
const lists = new Map<string, string[]>();
function list(json: string): string[] {
  let parsed = lists.get(json);
  if (!parsed) {
    parsed = JSON.parse(json) as string[];
    if (lists.size > 100_000) lists.clear();
    lists.set(json, parsed);
  }
  return parsed;
}

/** The model's functions: the five Kubernetes predicates, on casbin's string arguments. */
export const MODEL_FUNCTIONS: Record<string, (...args: string[]) => boolean> = {
  verbMatches: (verb, verbs) => verbMatches(list(verbs), verb),
  groupMatches: (group, groups) => apiGroupMatches(list(groups), group),
  resourceMatches: (resource, subresource, resources) => resourceMatches(list(resources), resource, subresource),
  nameMatches: (name, names) => resourceNameMatches(list(names), name),
  urlMatches: (path, urls) => nonResourceURLMatches(list(urls), path),
};

export function policyLine(rule: PolicyRule): string[] {
  return [rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs].map((l) =>
    JSON.stringify(l),
  );
}

/**
 * One rule set as a casbin enforcer, with a quick test of whether any of its rules could apply
 * (resource or non-resource rules, and the verbs they name), so most non-matching roles never
 * reach casbin.
 */
export class RuleSet {
  private readonly enforcer: Enforcer;
  private readonly verbs = new Set<string>();
  private readonly resourceRules: boolean;
  private readonly urlRules: boolean;

  constructor(readonly rules: readonly PolicyRule[]) {
    const model = newModelFromString(MODEL_TEXT);
    if (rules.length) model.addPolicies('p', 'p', rules.map(policyLine));
    this.enforcer = new Enforcer();
    this.enforcer.setModel(model);
    // addFunction is declared async but registers synchronously
    for (const [name, fn] of Object.entries(MODEL_FUNCTIONS)) void this.enforcer.addFunction(name, fn);
    for (const rule of rules) for (const verb of rule.verbs) this.verbs.add(verb);
    this.resourceRules = rules.some((r) => r.nonResourceURLs.length === 0);
    this.urlRules = rules.some((r) => r.nonResourceURLs.length > 0);
  }

  /** casbin's decision, unless no rule here could possibly allow the request. */
  allows(r: RuleRequest): boolean {
    if (!(r.path ? this.urlRules : this.resourceRules)) return false;
    if (!this.verbs.has('*') && !this.verbs.has(r.verb)) return false;
    return this.enforcer.enforceSync(r.verb, r.apiGroup, r.resource, r.subresource, r.name, r.path);
  }
}

/** Rule sets shared by every role with the same rules (10 000 namespaces, one `pod-reader`). */
export class RuleSets {
  private readonly sets = new Map<string, { set: RuleSet; users: number }>();

  acquire(rules: readonly PolicyRule[]): RuleSet {
    const key = JSON.stringify(rules);
    let entry = this.sets.get(key);
    if (!entry) {
      entry = { set: new RuleSet(rules), users: 0 };
      this.sets.set(key, entry);
    }
    entry.users++;
    return entry.set;
  }

  release(set: RuleSet): void {
    const key = JSON.stringify(set.rules);
    const entry = this.sets.get(key);
    if (entry && --entry.users <= 0) this.sets.delete(key);
  }

  get size(): number {
    return this.sets.size;
  }
}
