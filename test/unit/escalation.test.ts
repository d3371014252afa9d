/** Coverage (`Covers`, `nonResourceURLCovers`) on every escalation vector of those types, and the message. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../src/apis/rbac.js';
import { compactString, confirmNoEscalation, covers, nonResourceURLCovers } from '../../src/authz/rbac/escalation.js';

interface Vector {
  type: string;
  source: string;
  ownerRules?: PolicyRule[];
  servantRules?: PolicyRule[];
  covered?: boolean;
  uncoveredRules?: PolicyRule[];
  owner?: string;
  requested?: string;
  covers?: boolean;
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/escalation-vectors.json', import.meta.url), 'utf8'),
) as Vector[];

describe('Covers', () => {
  it.each(vectors.filter((v) => v.type === 'covers').map((v) => [v.source, v] as const))('%s', (_s, v) => {
    const got = covers(v.ownerRules!, v.servantRules!);
    expect(got.covered).toBe(v.covered);
    expect(got.uncovered).toEqual(v.uncoveredRules);
  });
});

describe('nonResourceURLCovers', () => {
  it.each(
    vectors.filter((v) => v.type === 'nonResourceURLCovers').map((v) => [v.owner, v.requested, v.covers] as const),
  )('%j covers %j: %s', (owner, requested, want) => expect(nonResourceURLCovers(owner!, requested!)).toBe(want));
});

describe('ConfirmNoEscalation', () => {
  const rule = (r: Partial<PolicyRule>): PolicyRule => ({
    verbs: [],
    apiGroups: [],
    resources: [],
    resourceNames: [],
    nonResourceURLs: [],
    ...r,
  });
  it('words the refusal as Kubernetes does', () => {
    const msg = confirmNoEscalation(
      { username: 'bob', uid: '', groups: ['dev', 'system:authenticated'], extra: {} },
      { rules: [rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })], errors: [] },
      [
        rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }),
        rule({ verbs: ['*'], apiGroups: ['batch'], resources: ['*'] }),
        rule({ verbs: ['get'], nonResourceURLs: ['/metrics'] }),
      ],
    );
    expect(msg).toBe(
      'user "bob" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions ' +
        'not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}\n{APIGroups:["batch"], Resources:["*"], ' +
        'Verbs:["*"]}\n{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
  });

  it('compacts rules that differ only by verb', () => {
    const msg = confirmNoEscalation(
      { username: 'u', uid: '', groups: [], extra: {} },
      { rules: [], errors: ['clusterrole.rbac.authorization.k8s.io "gone" not found'] },
      [rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] })],
    );
    expect(msg).toBe(
      'user "u" (groups=[]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], ' +
        'Resources:["secrets"], Verbs:["get" "list"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io ' +
        '"gone" not found]',
    );
  });

  it.each([
    [
      { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
      '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["get"]}',
    ],
    [{ verbs: ['get'], nonResourceURLs: ['/x', '/y'] }, '{NonResourceURLs:["/x" "/y"], Verbs:["get"]}'],
  ])('CompactString %j', (r, s) => expect(compactString(rule(r))).toBe(s));
});
