import { describe, expect, it } from 'vitest';
import { nameIsDNSLabel, nameIsDNSSubdomain } from '../../src/validation/names.js';
import { validateObjectMeta } from '../../src/validation/objectmeta.js';

const meta = (over: object) => ({ name: 'ok', namespace: 'ns', labels: {}, annotations: {}, ...over });
const errs = (over: object, namespaced = true, fn = nameIsDNSSubdomain) =>
  validateObjectMeta(meta(over), namespaced, fn).map(String);

describe('ObjectMeta', () => {
  it.each([
    [{}, []],
    [{ name: '' }, ['metadata.name: Required value: name or generateName is required']],
    [{ name: 'Bad_Name' }, ['metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain']],
    [{ namespace: '' }, ['metadata.namespace: Required value']],
    [{ namespace: 'Bad' }, ['metadata.namespace: Invalid value: "Bad": a lowercase RFC 1123 label']],
    [{ labels: { 'bad key!': 'v' } }, ['metadata.labels: Invalid value: "bad key!": name part must consist of']],
    [{ labels: { k: 'bad value!' } }, ['metadata.labels: Invalid value: "bad value!": a valid label must be']],
    [{ annotations: { 'Example.COM/Key': 'anything at all ✓' } }, []],
    [
      { annotations: { 'a/b/c': 'v' } },
      ['metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of'],
    ],
    [
      { name: '', generateName: 'Web-' },
      [
        'metadata.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain',
        'metadata.name: Required value: name or generateName is required',
      ],
    ],
  ])('%j → %j', (over, expected) => {
    const got = errs(over);
    expect(got).toHaveLength(expected.length);
    for (const [i, e] of expected.entries()) expect(got[i].startsWith(e)).toBe(true);
  });

  it('forbids a namespace on cluster-scoped kinds', () => {
    expect(errs({}, false, nameIsDNSLabel)).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });

  it('limits annotations to 256 KiB in total', () => {
    expect(errs({ annotations: { a: 'x'.repeat(256 * 1024 - 1) } })).toEqual([]);
    expect(errs({ annotations: { a: 'x'.repeat(256 * 1024) } })).toEqual([
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
  });
});
