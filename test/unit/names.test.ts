import { describe, expect, it } from 'vitest';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from '../../src/validation/names.js';

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and " +
  "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " +
  "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used " +
  "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex " +
  "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('DNS-1123 label', () => {
  it.each([
    ['a', []],
    ['abc-123', []],
    ['0', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['Abc', [LABEL_MSG]],
    ['-abc', [LABEL_MSG]],
    ['abc-', [LABEL_MSG]],
    ['a.b', [LABEL_MSG]],
    ['', [LABEL_MSG]],
  ])('%j → %j', (value, expected) => {
    expect(isDNS1123Label(value)).toEqual(expected);
  });
});

describe('DNS-1123 subdomain', () => {
  it.each([
    ['example.com', []],
    ['a-b.c-d', []],
    ['a'.repeat(253), []],
    ['a'.repeat(254), ['must be no more than 253 characters']],
    ['Example.com', [SUBDOMAIN_MSG]],
    ['a..b', [SUBDOMAIN_MSG]],
    ['.a', [SUBDOMAIN_MSG]],
    ['a_b', [SUBDOMAIN_MSG]],
  ])('%j → %j', (value, expected) => {
    expect(isDNS1123Subdomain(value)).toEqual(expected);
  });

  it('lets generateName end with a dash', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toEqual([SUBDOMAIN_MSG]);
  });
});

describe('RBAC names are path segments', () => {
  it.each([
    ['system:basic-user', []],
    ['Anything Goes', []],
    ['.', ["may not be '.'"]],
    ['..', ["may not be '..'"]],
    ['a/b', ["may not contain '/'"]],
    ['a%b', ["may not contain '%'"]],
    ['a/%', ["may not contain '/'", "may not contain '%'"]],
  ])('%j → %j', (value, expected) => {
    expect(nameIsPathSegment(value, false)).toEqual(expected);
  });
});

describe('qualified names (label and annotation keys)', () => {
  it.each([
    ['app', []],
    ['app.kubernetes.io/name', []],
    ['My_Key.1', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['/name', ['prefix part must be non-empty']],
    ['example.com/', ['name part must be non-empty', `name part ${QUALIFIED_MSG}`]],
    ['Example.com/x', [`prefix part ${SUBDOMAIN_MSG}`]],
    [
      'a/b/c',
      [`a qualified name ${QUALIFIED_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ],
    ['-app', [`name part ${QUALIFIED_MSG}`]],
  ])('%j → %j', (value, expected) => {
    expect(isQualifiedName(value)).toEqual(expected);
  });
});

describe('label values', () => {
  const msg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', " +
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or " +
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  it.each([
    ['', []],
    ['v1.2_3-x', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['-x', [msg]],
    ['has space', [msg]],
  ])('%j → %j', (value, expected) => {
    expect(isValidLabelValue(value)).toEqual(expected);
  });
});

describe('secret data keys', () => {
  const msg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', " +
    " or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
  it.each([
    ['tls.crt', []],
    ['.dockerconfigjson', []],
    ['KEY_NAME', []],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..x', ["must not start with '..'"]],
    ['a/b', [msg]],
    ['', [msg]],
  ])('%j → %j', (value, expected) => {
    expect(isConfigMapKey(value)).toEqual(expected);
  });
});
