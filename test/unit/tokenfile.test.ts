import { describe, expect, it } from 'vitest';
import { parseTokenFile } from '../../src/authn/static.js';

describe('token auth file (kube-apiserver CSV)', () => {
  it('parses users, uids and quoted group lists', () => {
    const parsed = parseTokenFile('tok1,alice,1001,"dev,ops"\ntok2,bob,1002\n\ntok3,carol,1003,single\n');
    expect(parsed).toEqual([
      { token: 'tok1', user: { username: 'alice', uid: '1001', groups: ['dev', 'ops'], extra: {} } },
      { token: 'tok2', user: { username: 'bob', uid: '1002', groups: [], extra: {} } },
      { token: 'tok3', user: { username: 'carol', uid: '1003', groups: ['single'], extra: {} } },
    ]);
  });

  it.each([
    ['tok,alice\n', 'line 1: expected at least 3 columns'],
    [',alice,1\n', 'line 1: token and user must be non-empty'],
    ['ok,a,1\ntok,,2\n', 'line 2: token and user must be non-empty'],
  ])('rejects %j', (text, message) => {
    expect(() => parseTokenFile(text)).toThrow(message);
  });
});
