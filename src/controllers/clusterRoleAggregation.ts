/**
 * ClusterRole aggregation (kube-controller-manager's `clusterrole-aggregation` controller): a
 * ClusterRole with an `aggregationRule` has, as its rules, those of every other ClusterRole one
 * of its selectors matches, selector by selector and role by role in name order, each rule once;
 * kept current as roles come, change and go. Runs on every replica (the result is the same).
 */
import type { ClusterRole, PolicyRule } from '../apis/rbac.js';
import { CONTROLLER_USER } from '../authn/identity.js';
import type { Logger } from '../log.js';
import { labelSelectorMatches } from '../labels/selector.js';
import type { Registry } from '../registry/registry.js';
import type { Change } from '../store/store.js';
import { jsonEqual } from '../util/maps.js';
import { Controller } from './controller.js';

export class ClusterRoleAggregationController extends Controller {
  constructor(
    private readonly registry: Registry,
    log: Logger,
  ) {
    super('clusterrole-aggregation', ['ClusterRole'], log);
  }

  private all(): ClusterRole[] {
    return this.registry.list('ClusterRole', { limit: Number.MAX_SAFE_INTEGER }).items;
  }

  private aggregated(): string[] {
    return this.all()
      .filter((role) => role.aggregationRule)
      .map((role) => role.metadata.name);
  }

  // any ClusterRole's change may concern every aggregated one
  protected keysFor(_change: Change): string[] {
    return this.aggregated();
  }

  protected async allKeys(): Promise<string[]> {
    return this.aggregated();
  }

  protected async reconcile(name: string): Promise<void> {
    const role = this.registry.find('ClusterRole', '', name);
    if (!role?.aggregationRule) return;
    const roles = this.all().sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const rules: PolicyRule[] = [];
    for (const selector of role.aggregationRule.clusterRoleSelectors ?? []) {
      for (const other of roles) {
        if (other.metadata.name === name || !labelSelectorMatches(selector, other.metadata.labels)) continue;
        for (const rule of other.rules) if (!rules.some((r) => jsonEqual(r, rule))) rules.push(rule);
      }
    }
    if (jsonEqual(rules, role.rules)) return;
    await this.registry.update(
      'ClusterRole',
      '',
      { metadata: { name, resourceVersion: role.metadata.resourceVersion }, rules },
      { user: CONTROLLER_USER },
    );
    this.log.info({ clusterRole: name, rules: rules.length }, 'aggregated ClusterRole rules');
  }
}
