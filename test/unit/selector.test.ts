import { describe, expect, it } from 'vitest';
import { matches, parseSelector, SelectorError } from '../../src/labels/selector.js';

const labels = { app: 'web', tier: 'frontend', env: 'prod', replicas: '3', empty: '', big: '99999999999999999999', neg: '-5' };

describe('label selector matching', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['env in (prod,staging)', true],
    ['env in (dev)', false],
    ['missing in (a)', false],
    ['env notin (dev,staging)', true],
    ['env notin (prod)', false],
    ['missing notin (a)', true],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['app>1', false],
    ['missing<9', false],
    ['replicas>+2', true],
    ['replicas>-0002', true],
    ['neg<0', true],
    ['neg>-6', true],
    // past int64 a label value compares as no integer at all (Go's ParseInt fails)
    ['big>1', false],
    ['big<1', false],
    ['replicas<9223372036854775807', true],
    ['empty=', true],
    ['empty', true],
    ['empty in ()', true],
    ['app in (web,),tier', true],
    [' app = web , env in ( prod ) ', true],
    ['app.kubernetes.io/name', false],
  ])('%j → %s', (selector, expected) => {
    expect(matches(parseSelector(selector), labels)).toBe(expected);
  });
});

describe('label selector parse errors', () => {
  it.each([
    ['app=web,', "unable to parse requirement: found 'end of string', expected: identifier after ','"],
    [',app', "unable to parse requirement: found ',', expected: !, identifier, or 'end of string'"],
    ['app web', "unable to parse requirement: found 'web', expected: [!= == = > < in notin]"],
    ['app in web', "unable to parse requirement: found 'web', expected: '('"],
    ['app in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['replicas>x', 'for \'Gt\', \'Lt\' operators, the value must be an integer'],
    ['replicas>9223372036854775808', 'for \'Gt\', \'Lt\' operators, the value must be an integer'],
    ['replicas<-9223372036854775809', 'for \'Gt\', \'Lt\' operators, the value must be an integer'],
    [`replicas>${'7'.repeat(200_000)}`, 'for \'Gt\', \'Lt\' operators, the value must be an integer'],
    ['app=bad value', "unable to parse requirement: found 'value', expected: ',' or 'end of string'"],
    ['-bad=x', 'key: Invalid value: "-bad"'],
    ['app=-bad', 'values: Invalid value: "-bad"'],
    ['app!', "unable to parse requirement: found '!', expected: [!= == = > < in notin]"],
    ['!', "unable to parse requirement: found 'end of string', expected: identifier"],
  ])('%j → %s', (selector, message) => {
    expect(() => parseSelector(selector)).toThrow(SelectorError);
    expect(() => parseSelector(selector)).toThrow(message);
  });
});
