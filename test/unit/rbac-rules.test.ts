/** The four RBAC predicates and non-resource URL matching, one line per case. */
import { describe, expect, it } from 'vitest';
import { apiGroupMatches, nonResourceURLMatches, resourceMatches, resourceNameMatches, verbMatches } from '../../src/authz/rbac/rules.js';

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
