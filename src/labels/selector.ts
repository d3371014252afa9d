/**
 * Label selectors in Kubernetes' string form (`k8s.io/apimachinery/pkg/labels/selector.go`):
 * `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`. Parsing is strict and its errors name the
 * offending token; matching here is the reference the store's SQL translation must agree with.
 */
import type { StringMap } from '../apis/meta.js';
import type { LabelSelector } from '../apis/rbac.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type Selector = Requirement[];

export class SelectorError extends Error {}

type TokenKind = 'identifier' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['!', '(', ')', ',', '=', '<', '>']);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (SPECIAL.has(ch)) {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: ch as TokenKind, text: ch });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j]) && !/\s/.test(input[j])) j++;
    const text = input.slice(i, j);
    tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'identifier', text });
    i = j;
  }
  tokens.push({ kind: 'end', text: 'end of string' });
  return tokens;
}

/** Parses a selector string; throws SelectorError with Kubernetes' wording on bad input. */
export function parseSelector(input: string): Selector {
  const tokens = lex(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const fail = (found: Token, expected: string): never => {
    throw new SelectorError(`unable to parse requirement: found '${found.text}', expected: ${expected}`);
  };

  const requirements: Requirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    const tok = peek();
    if (tok.kind !== 'identifier' && tok.kind !== '!') fail(tok, "!, identifier, or 'end of string'");
    requirements.push(parseRequirement());
    const after = next();
    if (after.kind === 'end') break;
    if (after.kind !== ',') fail(after, "',' or 'end of string'");
    const following = peek();
    if (following.kind !== 'identifier' && following.kind !== '!') fail(following, "identifier after ','");
  }
  return requirements;

  function parseRequirement(): Requirement {
    let operator: Operator | undefined;
    if (peek().kind === '!') {
      next();
      operator = '!';
    }
    const keyTok = next();
    if (keyTok.kind !== 'identifier') fail(keyTok, 'identifier');
    const key = keyTok.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new SelectorError(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`);
    if (operator === '!') return { key, operator, values: [] };
    const opTok = peek();
    if (opTok.kind === 'end' || opTok.kind === ',') return { key, operator: 'exists', values: [] };
    next();
    let values: string[];
    switch (opTok.kind) {
      case 'in':
      case 'notin':
        operator = opTok.kind;
        values = [...new Set(parseValueSet())];
        break;
      case '=':
      case '==':
      case '!=':
        operator = opTok.kind;
        values = [parseExactValue()];
        break;
      case '>':
      case '<': {
        operator = opTok.kind === '>' ? 'gt' : 'lt';
        const value = parseExactValue();
        if (parseInt64(value) === null) {
          throw new SelectorError(
            `values[0]: Invalid value: ${JSON.stringify(value)}: for 'Gt', 'Lt' operators, the value must ` +
              `be an integer`,
          );
        }
        return { key, operator, values: [value] };
      }
      default:
        return fail(opTok, '[!= == = > < in notin]');
    }
    for (const value of values) {
      const errs = isValidLabelValue(value);
      if (errs.length) throw new SelectorError(`values: Invalid value: ${JSON.stringify(value)}: ${errs.join('; ')}`);
    }
    return { key, operator, values };
  }

  function parseValueSet(): string[] {
    const open = next();
    if (open.kind !== '(') fail(open, "'('");
    const values: string[] = [];
    if (peek().kind === ')') {
      // `()` is the set holding the empty value, as Kubernetes parses it
      next();
      return [''];
    }
    for (;;) {
      const tok = next();
      if (tok.kind === 'identifier' || tok.kind === 'in' || tok.kind === 'notin') {
        values.push(tok.text);
        const sep = next();
        if (sep.kind === ')') return values;
        if (sep.kind !== ',') fail(sep, "',' or ')'");
      } else if (tok.kind === ',') {
        // an empty value between commas: `in (a,,b)`
        values.push('');
      } else if (tok.kind === ')') {
        values.push('');
        return values;
      } else {
        fail(tok, "',', ')' or identifier");
      }
    }
  }

  function parseExactValue(): string {
    const tok = peek();
    if (tok.kind === 'end' || tok.kind === ',') return '';
    next();
    if (tok.kind === 'identifier' || tok.kind === 'in' || tok.kind === 'notin') return tok.text;
    return fail(tok, 'identifier');
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go's `strconv.ParseInt(value, 10, 64)`: a decimal integer with an optional sign, within 64
 * bits, else null. Selectors' `gt`/`lt` operands and the label values they compare must be one.
 */
function parseInt64(value: string): bigint | null {
  // 19 digits and a sign is the longest int64 (leading zeros aside)
  if (!/^[+-]?\d+$/.test(value) || value.replace(/^[+-]?0*/, '').length > 19) return null;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX ? n : null;
}

/** Whether a label set satisfies every requirement. */
export function matches(selector: Selector, labels: StringMap): boolean {
  return selector.every((r) => requirementMatches(r, labels));
}

function requirementMatches(r: Requirement, labels: StringMap): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      // a label value that is not an int64 matches neither (`labels.Requirement.Matches`)
      const left = has ? parseInt64(value!) : null;
      const right = parseInt64(r.values[0]);
      if (left === null || right === null) return false;
      return r.operator === 'gt' ? left > right : left < right;
    }
  }
}

/** metav1.LabelSelector as `LabelSelectorAsSelector` reads it; an unknown operator matches nothing. */
export function labelSelectorMatches(selector: LabelSelector, labels: StringMap): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const among = has && (values ?? []).includes(labels[key]);
    if (operator === 'In' && !among) return false;
    if (operator === 'NotIn' && among) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(operator)) return false;
  }
  return true;
}
