/**
 * Errors about a request's input never repeat the values sent: a Secret's `stringData` or a
 * token may be among them. graphql-js quotes the value in variable coercion errors
 * (`Variable "$i" got invalid value { password: "hunter2" }; …`) and in literal validation errors
 * (`Expected value of type "StringMap", found {…}`); here variables are coerced first with
 * messages that name the path only, and validation messages lose the quoted literal.
 *
 * Variables are also held to valid Unicode: a string with an unpaired surrogate has no UTF-8
 * form, so it could only be stored changed (graphql-js refuses one in a literal already).
 */
import {
  coerceInputValue,
  getOperationAST,
  GraphQLError,
  isInputType,
  typeFromAST,
  type GraphQLErrorOptions,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** A built-in scalar's or enum's parse message, without the `: <value>` it ends with. */
const QUOTES_VALUE = /^((?:[A-Za-z_][A-Za-z0-9_]*) cannot represent [^:]*?)(?::.*)?$/s;
const LITERAL = /^Expected value of type "([^"]+)", found .*$/s;
const UNPAIRED = /\p{Cs}/u;

/** `Expected type "Int". Int cannot represent non-integer value: "x"` → without the value. */
function withoutValue(message: string): string {
  const m = QUOTES_VALUE.exec(message);
  if (m) return m[1].replace(/[\s.]*$/, '.');
  const expected = /^(Expected type "[^"]+"\.) (.*)$/s.exec(message);
  if (expected) return `${expected[1]} ${withoutValue(expected[2])}`;
  return message;
}

function pathText(name: string, path: readonly (string | number)[]): string {
  return name + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

/** The path (under the variable) of a string or key with an unpaired surrogate, or null. */
function unpairedAt(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return UNPAIRED.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unpairedAt(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [key, member] of Object.entries(value)) {
    if (UNPAIRED.test(key)) return path;
    const found = unpairedAt(member, [...path, key]);
    if (found) return found;
  }
  return null;
}

export function useInputErrorsWithoutValues(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (!result.some((e) => LITERAL.test(e.message))) return;
        setResult(
          result.map((e) => {
            const m = LITERAL.exec(e.message);
            return m
              ? new GraphQLError(`Expected value of type "${m[1]}".`, { nodes: e.nodes, extensions: e.extensions })
              : e;
          }),
        );
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      const raw = (args.variableValues ?? {}) as Record<string, unknown>;
      if (!operation?.variableDefinitions?.length) return;
      const errors: GraphQLError[] = [];
      const fail = (message: string, options: GraphQLErrorOptions) =>
        errors.push(new GraphQLError(message, { ...options, extensions: { code: 'BAD_REQUEST' } }));
      for (const definition of operation.variableDefinitions) {
        const name = definition.variable.name.value;
        const type = typeFromAST(args.schema, definition.type);
        // undeclared, missing and null variables get graphql-js' own messages, which quote nothing
        if (!type || !isInputType(type) || !Object.hasOwn(raw, name) || raw[name] == null) continue;
        const unpaired = unpairedAt(raw[name]);
        if (unpaired) {
          fail(
            `Variable "$${name}" got invalid value at "${pathText(name, unpaired)}"; strings must be valid ` +
              `Unicode (no unpaired surrogates).`,
            {
              nodes: definition,
            },
          );
          continue;
        }
        coerceInputValue(raw[name], type, (path, _value, error) => {
          const at = path.length ? ` at "${pathText(name, path)}"` : '';
          fail(`Variable "$${name}" got invalid value${at}; ${withoutValue(error.message)}`, { nodes: definition });
        });
      }
      if (errors.length) setResultAndStopExecution({ errors });
    },
  };
}
