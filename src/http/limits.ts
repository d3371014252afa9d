/**
 * What a GraphQL document may ask for, checked before anything runs (kube-apiserver bounds a
 * request's size and a list's `limit`; a GraphQL server must also bound the shape of the query).
 * graphql-armor's plugins, tuned to this schema:
 * - characters (100,000) and tokens (10,000), checked while parsing, so a 1 MB document is refused
 *   after reading it once; and brackets nested at most 100 deep, counted before parsing (graphql-js
 *   parses by recursion: a few thousand `{` within the token limit would overflow its stack);
 * - depth (20: the deepest field a Pod has, under a Namespace's list, is 14; GraphiQL's
 *   introspection query, counted too, is 13), aliases (50), directives (50);
 * - no field suggestions (`Did you mean "secrets"?` would map the schema for a caller who may not
 *   introspect it).
 *
 * And a cost limit that counts pages, which graphql-armor's (a fixed cost per field and level)
 * cannot: every field costs 1, and a connection costs its page size (`first`, 100 when omitted)
 * times what one item asks for. `namespaces(first: 1000) { … pods(first: 1000) { totalCount } }`
 * costs about two million and is refused; a 1,000-Pod page with forty fields costs 40,000.
 * graphql-query-complexity walks the document with the variables, fragments and `@skip` applied.
 * Refusals name the limit and happen before any resolver runs, with the code of the step that
 * refused: GRAPHQL_PARSE_FAILED (characters, tokens), GRAPHQL_VALIDATION_FAILED (depth, aliases,
 * directives, as for any invalid document), BAD_REQUEST (cost, which depends on the variables).
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { characterLimitPlugin } from '@escape.tech/graphql-armor-character-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { type DocumentNode, type ExecutionArgs, GraphQLError, type ValidationContext } from 'graphql';
import { type ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE } from '../apis/meta.js';

export interface QueryLimits {
  maxCharacters: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** The largest cost (fields, times the page sizes of the connections they are under). */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxCharacters: 100_000,
  maxTokens: 10_000,
  maxDepth: 20,
  maxAliases: 50,
  maxDirectives: 50,
  maxCost: 100_000,
};

/** A connection (a field with a `first` argument) costs its page size times one item's cost. */
const pages: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === 'first')) return undefined;
  const first = typeof args.first === 'number' && Number.isFinite(args.first) ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + Math.max(first, 1) * childComplexity;
};

const ESTIMATORS = [pages, simpleEstimator({ defaultComplexity: 1 })];

function tooCostly(cost: number, max: number): GraphQLError {
  return new GraphQLError(
    `Query cost limit of ${max} exceeded, found ${cost}: ask for smaller pages (first) or fewer nested lists`,
    { extensions: { code: 'BAD_REQUEST' } },
  );
}

/** Variables longer than this, as JSON, are not kept as a cache key (a key must not hold a body's worth). */
const MAX_REMEMBERED_VARIABLES = 1024;

/**
 * The cost of an operation with its variables; each document's costs are remembered per
 * variables (a client sends the same few again and again), when they are short.
 */
function costOf(args: ExecutionArgs, remembered: WeakMap<DocumentNode, Map<string, number>>): number {
  const compute = () =>
    getComplexity({
      schema: args.schema,
      query: args.document,
      variables: (args.variableValues ?? {}) as Record<string, unknown>,
      operationName: args.operationName ?? undefined,
      estimators: ESTIMATORS,
    });
  const variables = JSON.stringify(args.variableValues ?? {});
  if (variables.length > MAX_REMEMBERED_VARIABLES) return compute();
  let byVariables = remembered.get(args.document);
  if (!byVariables) {
    byVariables = new Map();
    remembered.set(args.document, byVariables);
  }
  const key = `${args.operationName ?? ''}\u0000${variables}`;
  let cost = byVariables.get(key);
  if (cost === undefined) {
    cost = compute();
    if (byVariables.size >= 100) byVariables.clear();
    byVariables.set(key, cost);
  }
  return cost;
}

function useCostLimit(max: number): Plugin {
  const remembered = new WeakMap<DocumentNode, Map<string, number>>();
  const check = (args: ExecutionArgs, stop: (result: { errors: GraphQLError[] }) => void) => {
    let cost: number;
    try {
      cost = costOf(args, remembered);
    } catch (err) {
      // a variable that does not coerce: execution reports it as graphql-js words it
      if (err instanceof GraphQLError) return;
      throw err;
    }
    if (cost > max) stop({ errors: [tooCostly(cost, max)] });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}

/** How deep `{`, `[` and `(` may nest in a document: far past any depth the limits let run. */
const MAX_NESTING = 100;

/** The deepest nesting of brackets in a document, strings and comments skipped; stops counting past `max`. */
export function nesting(source: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === 0x22 /* " */) {
      // as graphql-js' lexer reads strings: `\` escapes one character in a string, only `\"""` in a block string
      const block = source.startsWith('"""', i);
      i += block ? 3 : 1;
      while (i < source.length) {
        if (block && source.startsWith('\\"""', i)) i += 4;
        else if (!block && source[i] === '\\') i += 2;
        else if (block ? source.startsWith('"""', i) : source[i] === '"') break;
        else i++;
      }
      if (block) i += 2;
    } else if (c === 0x7b || c === 0x5b || c === 0x28 /* { [ ( */) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (c === 0x7d || c === 0x5d || c === 0x29 /* } ] ) */) {
      depth--;
    }
  }
  return deepest;
}

/** Refuses a document nested deeper than `max` before graphql-js' recursive parser sees it. */
function nestingLimitPlugin(max: number): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        const text = typeof source === 'string' ? source : source.body;
        if (nesting(text, max) > max) {
          throw new GraphQLError(`Syntax Error: brackets nested more than ${max} deep.`);
        }
        return parseFn(source, options);
      });
    },
  };
}

/** The document guards, in the order they apply: while parsing, while validating, before executing. */
export function useQueryLimits(limits: QueryLimits): Plugin[] {
  // validation-time limits are reported as validation errors (GRAPHQL_VALIDATION_FAILED, with
  // any others the document has) rather than thrown out of graphql-js's validation
  const reported = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    // each parse-time guard wraps the parser it is given, so the token-counting parser goes first
    maxTokensPlugin({ n: limits.maxTokens }),
    nestingLimitPlugin(MAX_NESTING),
    characterLimitPlugin({ maxLength: limits.maxCharacters }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: false, flattenFragments: true, ...reported }),
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [], ...reported }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...reported }),
    blockFieldSuggestionsPlugin(),
    useCostLimit(limits.maxCost),
  ] as Plugin[];
}
