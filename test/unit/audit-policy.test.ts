/** Audit policy rules as Kubernetes' checker matches them, and the cap on Secrets and tokens. */
import { describe, expect, it } from 'vitest';
import { type AuditAttributes, AuditPolicy } from '../../src/audit/policy.js';

const ask = (over: Partial<AuditAttributes>): AuditAttributes => ({
  username: 'alice',
  groups: ['system:authenticated'],
  verb: 'get',
  apiGroup: '',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
  name: 'web',
  ...over,
});

const policy = (rules: string) => AuditPolicy.parse(`apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n${rules}`, 'p');

describe('AuditPolicy', () => {
  it.each([
    ['no rule matches: None', '  - level: Request\n    users: [bob]\n', {}, 'None'],
    ['the first match wins', '  - level: None\n    verbs: [get]\n  - level: Request\n', {}, 'None'],
    ['users', '  - level: Request\n    users: [alice]\n', {}, 'Request'],
    ['userGroups', '  - level: Metadata\n    userGroups: [system:authenticated]\n', {}, 'Metadata'],
    ['verbs', '  - level: Request\n    verbs: [list]\n', {}, 'None'],
    ['a resource', '  - level: Request\n    resources: [{group: "", resources: [pods]}]\n', {}, 'Request'],
    ['another group', '  - level: Request\n    resources: [{group: apps, resources: [pods]}]\n', {}, 'None'],
    ['a wildcard', '  - level: Request\n    resources: [{group: "", resources: ["*"]}]\n', {}, 'Request'],
    [
      'a subresource',
      '  - level: Request\n    resources: [{group: "", resources: [pods/log]}]\n',
      { subresource: 'log' },
      'Request',
    ],
    [
      'a resource without its subresource',
      '  - level: Request\n    resources: [{group: "", resources: [pods]}]\n',
      { subresource: 'log' },
      'None',
    ],
    ['res/*', '  - level: Request\n    resources: [{resources: ["pods/*"]}]\n', { subresource: 'exec' }, 'Request'],
    ['*/sub', '  - level: Request\n    resources: [{resources: ["*/status"]}]\n', { subresource: 'status' }, 'Request'],
    ['resourceNames', '  - level: Request\n    resources: [{resources: [pods], resourceNames: [db]}]\n', {}, 'None'],
    ['namespaces', '  - level: Request\n    namespaces: [kube-system]\n', {}, 'None'],
    ['cluster scope as ""', '  - level: Request\n    namespaces: [""]\n', { namespace: '' }, 'Request'],
    ['nonResourceURLs and a resource', '  - level: Request\n    nonResourceURLs: ["/graphql"]\n', {}, 'None'],
    ['a path prefix', '  - level: Request\n    nonResourceURLs: ["/gr*"]\n', { path: '/graphql' }, 'Request'],
    ['a path and resource rule', '  - level: Request\n    resources: [{resources: [pods]}]\n', { path: '/x' }, 'None'],
    ['RequestResponse kept as Request', '  - level: RequestResponse\n', {}, 'Request'],
    ['Secrets at most Metadata', '  - level: Request\n', { resource: 'secrets' }, 'Metadata'],
    [
      'tokens at most Metadata',
      '  - level: Request\n',
      { resource: 'serviceaccounts', subresource: 'token' },
      'Metadata',
    ],
    [
      'token reviews at most Metadata',
      '  - level: Request\n',
      { apiGroup: 'authentication.k8s.io', resource: 'tokenreviews' },
      'Metadata',
    ],
    ['a secret can be None', '  - level: None\n', { resource: 'secrets' }, 'None'],
  ])('%s', (_name, rules, over, level) => {
    expect(policy(rules).levelOf(ask(over))).toBe(level);
  });

  it('keeps every event at Metadata without a file', () => {
    expect(AuditPolicy.DEFAULT.levelOf(ask({}))).toBe('Metadata');
  });

  it.each([
    ['kind: Other\nrules: []', 'kind'],
    ['kind: Policy\nrules:\n  - level: Everything\n', 'rules.0.level'],
    ['kind: Policy\nrules: [', 'not YAML'],
  ])('refuses a bad file, naming it: %#', (text, message) => {
    expect(() => AuditPolicy.parse(text, 'policy.yaml')).toThrow(/^policy\.yaml: /);
    expect(() => AuditPolicy.parse(text, 'policy.yaml')).toThrow(message);
  });
});
