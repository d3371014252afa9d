/**
 * A manifest's fields of the wrong JSON type, where Keyway's typed input for the kind knows the
 * field (`labels: {a: 1}`, `verbs: get`, `automountServiceAccountToken: "yes"`): what
 * kube-apiserver's decoder refuses before anything else looks at the object. A manifest reaches
 * the registry without GraphQL's input coercion, so the kind's input type is walked here instead;
 * fields the type does not know are Kubernetes fields kept as they are, and pass.
 */
import { type GraphQLInputType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType } from 'graphql';
import { type ErrorList, field, type Path } from '../../validation/field.js';

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Adds to `errors` each value under `value` that `type` cannot take (null is absence, as in Kubernetes). */
export function typeErrors(type: GraphQLInputType, value: unknown, at: Path, errors: ErrorList = []): ErrorList {
  if (value === null || value === undefined) return errors;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (!Array.isArray(value)) {
      errors.push(field.invalidOmitted(at, `must be a list, not ${typeName(value)}`));
      return errors;
    }
    value.forEach((item, i) => {
      typeErrors(inner.ofType, item, at.index(i), errors);
    });
    return errors;
  }
  if (isInputObjectType(inner)) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push(field.invalidOmitted(at, `must be an object, not ${typeName(value)}`));
      return errors;
    }
    const fields = inner.getFields();
    for (const [name, v] of Object.entries(value)) {
      if (Object.hasOwn(fields, name)) typeErrors(fields[name].type, v, at.child(name), errors);
    }
    return errors;
  }
  if (isEnumType(inner)) {
    if (typeof value !== 'string' || !inner.getValue(value)) {
      const values = inner.getValues().map((v) => v.name);
      errors.push(field.notSupported(at, typeof value === 'string' ? value : typeName(value), values));
    }
    return errors;
  }
  if (isScalarType(inner)) {
    try {
      // graphql-js' own coercion of a JSON value (String, Int, Boolean, StringMap, …)
      inner.parseValue(value);
    } catch {
      // the value itself is left out of the message: it may be a Secret's
      const article = /^[AEIOU]/.test(inner.name) ? 'an' : 'a';
      errors.push(field.invalidOmitted(at, `must be ${article} ${inner.name}, not ${typeName(value)}`));
    }
  }
  return errors;
}
