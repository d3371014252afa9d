/** Selector parsing, strictly, with Kubernetes' messages. What selectors select: test/api/selectors.test.ts. */
import { describe, expect, it } from 'vitest';
import { parseSelector, SelectorError } from '../../src/labels/selector.js';

describe('label selector parse errors', () => {
  it.each([
    ['app=web,', "unable to parse requirement: found 'end of string', expected: identifier after ','"],
    [',app', "unable to parse requirement: found ',', expected: !, identifier, or 'end of string'"],
    ['app web', "unable to parse requirement: found 'web', expected: [!= == = > < in notin]"],
    ['app in web', "unable to parse requirement: found 'web', expected: '('"],
    ['app in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['replicas>x', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['replicas>9223372036854775808', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['replicas<-9223372036854775809', "for 'Gt', 'Lt' operators, the value must be an integer"],
    [`replicas>${'7'.repeat(200_000)}`, "for 'Gt', 'Lt' operators, the value must be an integer"],
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
