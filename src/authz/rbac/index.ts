/**
 * The RBAC objects as authorization looks them up (`pkg/registry/rbac/validation/rule.go`):
 * ClusterRoleBindings, and RoleBindings per namespace, each found by subject; roles by name, each
 * holding the casbin rule set its rules compile to. Loaded from the follower's start snapshot and
 * changed in place by every RBAC change in the change log, under a revision number that moves
 * with each (decision caches key on it).
 */
import type { UserInfo } from '../../authn/identity.js';
import { serviceAccountUsername } from '../../authn/identity.js';
import type { PolicyRule, RoleRef, Subject } from '../../apis/rbac.js';
import type { KubeObject } from '../../apis/meta.js';
import type { Informer } from '../../changelog/follower.js';
import type { Change, ObjectBody, StoreReader } from '../../store/store.js';
import { RuleSets, type RuleSet } from './engine.js';

export interface RoleEntry {
  kind: 'Role' | 'ClusterRole';
  namespace: string;
  name: string;
  rules: PolicyRule[];
  set: RuleSet;
}

export interface BindingEntry {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  namespace: string;
  name: string;
  roleRef: RoleRef;
  subjects: Subject[];
  /** The subject keys this binding is found under. */
  keys: string[];
}

type RbacObject = ObjectBody<'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding'> | KubeObject;

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** How a binding subject is looked up: users and ServiceAccounts by username, groups by name. */
function subjectKey(subject: Subject, bindingNamespace: string): string | null {
  switch (subject.kind) {
    case 'User':
      return `u:${subject.name}`;
    case 'Group':
      return `g:${subject.name}`;
    case 'ServiceAccount': {
      // `appliesToUser`: the subject's namespace, else the RoleBinding's; none never matches
      const ns = subject.namespace || bindingNamespace;
      return ns ? `u:${serviceAccountUsername(ns, subject.name)}` : null;
    }
    default:
      return null;
  }
}

/** `appliesToUser` for one subject. */
export function subjectApplies(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  const key = subjectKey(subject, bindingNamespace);
  return key === `u:${user.username}` || (key?.startsWith('g:') === true && user.groups.includes(key.slice(2)));
}

export function userKeys(user: UserInfo): string[] {
  return [`u:${user.username}`, ...user.groups.map((g) => `g:${g}`)];
}

export class RbacIndex implements Informer {
  readonly name = 'rbac';
  readonly kinds = ['ClusterRole', 'Role', 'ClusterRoleBinding', 'RoleBinding'] as const;
  /** Moves with every RBAC change applied. */
  revision = 0;
  private readonly roles = new Map<string, RoleEntry>();
  private readonly bindings = new Map<string, BindingEntry>();
  /** scope ('' for ClusterRoleBindings, else a namespace) → subject key → bindings */
  private readonly bySubject = new Map<string, Map<string, Set<BindingEntry>>>();
  /** scope → every binding there */
  private readonly byScope = new Map<string, Set<BindingEntry>>();
  private ruleSets = new RuleSets();

  /** Everything from the snapshot, in place of what was held (a relist starts over). */
  async load(reader: StoreReader): Promise<void> {
    this.roles.clear();
    this.bindings.clear();
    this.bySubject.clear();
    this.byScope.clear();
    this.ruleSets = new RuleSets();
    for (const kind of this.kinds) {
      for await (const obj of reader.bodies(kind)) this.put(obj);
    }
    this.revision++;
  }

  apply(change: Change): void {
    if (!RBAC_KINDS.has(change.kind)) return;
    if (change.type === 'DELETED') this.remove(change.kind, change.namespace, change.name);
    else this.put(change.object);
    this.revision++;
  }

  /** The bindings that can apply: ClusterRoleBindings, then (for a namespace) its RoleBindings. */
  *bindingsFor(user: UserInfo, namespace: string): Generator<BindingEntry> {
    const keys = userKeys(user);
    const seen = new Set<BindingEntry>();
    for (const scope of namespace ? ['', namespace] : ['']) {
      const byKey = this.bySubject.get(scope);
      if (!byKey) continue;
      for (const key of keys) {
        const found = byKey.get(key);
        if (!found) continue;
        for (const binding of found) {
          if (seen.has(binding)) continue;
          seen.add(binding);
          yield binding;
        }
      }
    }
  }

  /**
   * A copy to change without touching this one (what an apply's dry run would make of the policy):
   * entries are shared, the maps and sets are its own, and so are the rule sets it compiles.
   */
  fork(): RbacIndex {
    const copy = new RbacIndex();
    for (const [k, v] of this.roles) copy.roles.set(k, v);
    for (const [k, v] of this.bindings) copy.bindings.set(k, v);
    for (const [scope, byKey] of this.bySubject) {
      copy.bySubject.set(scope, new Map([...byKey].map(([key, set]) => [key, new Set(set)])));
    }
    for (const [scope, set] of this.byScope) copy.byScope.set(scope, new Set(set));
    copy.revision = this.revision;
    return copy;
  }

  /** The bindings that apply to a user in any scope: ClusterRoleBindings, then each namespace's. */
  *bindingsAnywhere(user: UserInfo): Generator<BindingEntry> {
    const keys = userKeys(user);
    const seen = new Set<BindingEntry>();
    for (const byKey of this.bySubject.values()) {
      for (const key of keys) {
        for (const binding of byKey.get(key) ?? []) {
          if (seen.has(binding)) continue;
          seen.add(binding);
          yield binding;
        }
      }
    }
  }

  /** The namespaces that have bindings. */
  namespaces(): string[] {
    return [...this.byScope.keys()].filter((s) => s !== '');
  }

  /** A role by kind, namespace and name. */
  role(kind: 'Role' | 'ClusterRole', namespace: string, name: string): RoleEntry | undefined {
    return this.roles.get(`${kind}/${kind === 'ClusterRole' ? '' : namespace}/${name}`);
  }

  /** Every role, for analyses over the whole policy. */
  allRoles(): IterableIterator<RoleEntry> {
    return this.roles.values();
  }

  /** The role a binding refers to, resolved as Kubernetes does, or undefined. */
  roleOf(binding: BindingEntry): RoleEntry | undefined {
    const { kind, name } = binding.roleRef;
    if (kind === 'ClusterRole') return this.roles.get(`ClusterRole//${name}`);
    if (kind === 'Role' && binding.kind === 'RoleBinding') return this.roles.get(`Role/${binding.namespace}/${name}`);
    return undefined;
  }

  /** `RulesFor`: every rule the user holds in a namespace ('' = cluster-wide only), and what failed to resolve. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const binding of this.bindingsFor(user, namespace)) {
      const role = this.roleOf(binding);
      if (role) rules.push(...role.rules);
      else errors.push(roleNotFound(binding.roleRef));
    }
    return { rules, errors };
  }

  /** The rules of the role a reference names, in a binding's namespace. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | undefined {
    const key = ref.kind === 'ClusterRole' ? `ClusterRole//${ref.name}` : `Role/${namespace}/${ref.name}`;
    return this.roles.get(key)?.rules;
  }

  /** The bindings a request in a scope is decided by ('' for cluster-wide only), for "who can". */
  *allBindings(namespace: string): Generator<BindingEntry> {
    yield* this.byScope.get('') ?? [];
    if (namespace) yield* this.byScope.get(namespace) ?? [];
  }

  /** Every binding, in every scope. */
  everyBinding(): IterableIterator<BindingEntry> {
    return this.bindings.values();
  }

  get stats() {
    return { roles: this.roles.size, bindings: this.bindings.size, ruleSets: this.ruleSets.size };
  }

  private put(obj: RbacObject): void {
    const namespace = obj.metadata.namespace ?? '';
    if (obj.kind === 'Role' || obj.kind === 'ClusterRole') {
      const role = obj as ObjectBody<'Role' | 'ClusterRole'>;
      const key = `${obj.kind}/${namespace}/${obj.metadata.name}`;
      const old = this.roles.get(key);
      if (old) this.ruleSets.release(old.set);
      this.roles.set(key, {
        kind: obj.kind,
        namespace,
        name: obj.metadata.name,
        rules: role.rules,
        set: this.ruleSets.acquire(role.rules),
      });
      return;
    }
    const binding = obj as ObjectBody<'RoleBinding' | 'ClusterRoleBinding'>;
    this.remove(obj.kind, namespace, obj.metadata.name);
    const entry: BindingEntry = {
      kind: binding.kind,
      namespace,
      name: binding.metadata.name,
      roleRef: binding.roleRef,
      subjects: binding.subjects,
      keys: [
        ...new Set(
          binding.subjects
            .map((s) => subjectKey(s, binding.kind === 'RoleBinding' ? namespace : ''))
            .filter((k): k is string => k !== null),
        ),
      ],
    };
    this.bindings.set(`${obj.kind}/${namespace}/${entry.name}`, entry);
    const scope = entry.kind === 'ClusterRoleBinding' ? '' : namespace;
    let inScope = this.byScope.get(scope);
    if (!inScope) {
      inScope = new Set();
      this.byScope.set(scope, inScope);
    }
    inScope.add(entry);
    let byKey = this.bySubject.get(scope);
    if (!byKey) {
      byKey = new Map();
      this.bySubject.set(scope, byKey);
    }
    for (const key of entry.keys) {
      let set = byKey.get(key);
      if (!set) {
        set = new Set();
        byKey.set(key, set);
      }
      set.add(entry);
    }
  }

  private remove(kind: string, namespace: string, name: string): void {
    const key = `${kind}/${namespace}/${name}`;
    if (kind === 'Role' || kind === 'ClusterRole') {
      const old = this.roles.get(key);
      if (old) this.ruleSets.release(old.set);
      this.roles.delete(key);
      return;
    }
    const old = this.bindings.get(key);
    if (!old) return;
    this.bindings.delete(key);
    const scope = old.kind === 'ClusterRoleBinding' ? '' : old.namespace;
    const inScope = this.byScope.get(scope);
    inScope?.delete(old);
    if (inScope?.size === 0) this.byScope.delete(scope);
    const byKey = this.bySubject.get(scope);
    for (const k of old.keys) {
      const set = byKey?.get(k);
      set?.delete(old);
      if (set?.size === 0) byKey!.delete(k);
    }
  }
}

/** How Kubernetes' listers word a missing role. */
export function roleNotFound(ref: RoleRef): string {
  return `${ref.kind === 'ClusterRole' ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io "${ref.name}" not found`;
}
