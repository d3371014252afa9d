/** The four RBAC predicates and non-resource URL matching, one line per case. */
import { describe, expect, it } from 'vitest';
import { defaultRule, type PolicyRule } from '../../src/apis/rbac.js';
import { RuleSet } from '../../src/authz/rbac/engine.js';
import {
  apiGroupMatches,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  ruleAllows,
  verbMatches,
  type RuleRequest,
} from '../../src/authz/rbac/rules.js';

describe('VerbMatches', () => {
  it.each([
    [['get'], 'get', true],
    [['*'], 'delete', true],
    [['get', 'list'], 'watch', false],
    [['Get'], 'get', false],
    [[], 'get', false],
  ])('%j %s → %s', (verbs, verb, want) => expect(verbMatches(verbs, verb)).toBe(want));
});

describe('APIGroupMatches', () => {
  it.each([
    [[''], '', true],
    [['*'], 'apps', true],
    [['apps'], '', false],
    [['', 'apps'], 'apps', true],
  ])('%j %j → %s', (groups, group, want) => expect(apiGroupMatches(groups, group)).toBe(want));
});

describe('ResourceMatches', () => {
  it.each([
    [['pods'], 'pods', '', true],
    [['*'], 'pods', 'status', true],
    [['pods'], 'pods', 'status', false],
    [['pods/status'], 'pods', 'status', true],
    [['*/status'], 'deployments', 'status', true],
    [['*/status'], 'pods', '', false],
    [['pods/*'], 'pods', 'log', false],
    [['Pods'], 'pods', '', false],
    [['serviceaccounts/token'], 'serviceaccounts', 'token', true],
  ])('%j %s/%s → %s', (resources, resource, sub, want) => expect(resourceMatches(resources, resource, sub)).toBe(want));
});

describe('ResourceNameMatches', () => {
  it.each([
    [[], 'anything', true],
    [[], '', true],
    [['a', 'b'], 'b', true],
    [['a'], '', false],
    [['a'], 'c', false],
  ])('%j %j → %s', (names, name, want) => expect(resourceNameMatches(names, name)).toBe(want));
});

describe('NonResourceURLMatches', () => {
  it.each([
    [['*'], '/anything', true],
    [['/healthz'], '/healthz', true],
    [['/healthz'], '/healthz/', false],
    [['/apis/*'], '/apis/v1', true],
    [['/apis/*'], '/apis', false],
    [['/apis*'], '/apis', true],
    [['/api'], '/api/v1', false],
  ])('%j %s → %s', (urls, path, want) => expect(nonResourceURLMatches(urls, path)).toBe(want));
});

/**
 * `ruleAllows` is Kubernetes' `RuleAllows` written plainly; the casbin model must agree with it
 * on every rule and request of these tables (the model's matcher wires the same predicates).
 */
describe('the casbin model agrees with RuleAllows', () => {
  const rules: PolicyRule[] = [
    defaultRule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }),
    defaultRule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }),
    defaultRule({ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'] }),
    defaultRule({ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }),
    defaultRule({ verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }),
    defaultRule({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['tls', 'db'] }),
    defaultRule({ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['ci'] }),
    defaultRule({ verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] }),
    defaultRule({ verbs: ['*'], nonResourceURLs: ['*'] }),
    defaultRule({ verbs: ['use'], apiGroups: ['policy'], resources: ['podsecuritypolicies'] }),
    defaultRule({ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }),
    defaultRule({ verbs: [], apiGroups: ['*'], resources: ['*'] }),
  ];
  const requests: RuleRequest[] = [
    { verb: 'get', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '' },
    { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'status', name: 'web', path: '' },
    { verb: 'list', apiGroup: 'apps', resource: 'deployments', subresource: '', name: '', path: '' },
    { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status', name: 'api', path: '' },
    { verb: 'get', apiGroup: '', resource: 'secrets', subresource: '', name: 'tls', path: '' },
    { verb: 'get', apiGroup: '', resource: 'secrets', subresource: '', name: '', path: '' },
    { verb: 'get', apiGroup: '', resource: 'secrets', subresource: '', name: 'other', path: '' },
    { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name: 'ci', path: '' },
    { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name: 'cd', path: '' },
    { verb: 'get', apiGroup: '', resource: '', subresource: '', name: '', path: '/healthz' },
    { verb: 'get', apiGroup: '', resource: '', subresource: '', name: '', path: '/apis/apps' },
    { verb: 'get', apiGroup: '', resource: '', subresource: '', name: '', path: '/apis' },
    { verb: 'post', apiGroup: '', resource: '', subresource: '', name: '', path: '/metrics' },
    { verb: 'use', apiGroup: 'policy', resource: 'podsecuritypolicies', subresource: '', name: 'restricted', path: '' },
    { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', name: '', path: '' },
  ];
  const cases = rules.flatMap((rule, i) => requests.map((request, j) => [i, j, rule, request] as const));
  it.each(cases)('rule %i, request %i', (_i, _j, rule, request) => {
    expect(new RuleSet([rule]).allows(request)).toBe(ruleAllows(rule, request));
  });
  it('has both answers among the cases', () => {
    const answers = new Set(cases.map(([, , rule, request]) => ruleAllows(rule, request)));
    expect([...answers].sort()).toEqual([false, true]);
  });
});
