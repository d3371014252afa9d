/**
 * ObjectMeta validation (`k8s.io/apimachinery/pkg/api/validation/objectmeta.go`): names,
 * namespace, labels and annotations, every error collected with its path.
 */
import { jsonEqual } from '../util/maps.js';
import type { StringMap } from '../apis/meta.js';
import { field, Path, type ErrorList } from './field.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from './names.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function validateLabels(labels: StringMap, at: Path): ErrorList {
  const errs: ErrorList = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) errs.push(field.invalid(at, key, msg));
    for (const msg of isValidLabelValue(value)) errs.push(field.invalid(at, value, msg));
  }
  return errs;
}

function validateAnnotations(annotations: StringMap, at: Path): ErrorList {
  const errs: ErrorList = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // Annotation keys are qualified names in which case does not matter.
    for (const msg of isQualifiedName(key.toLowerCase())) errs.push(field.invalid(at, key, msg));
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(at, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export interface MetaToValidate {
  name: string;
  generateName?: string;
  namespace?: string;
  labels: StringMap;
  annotations: StringMap;
}

export function validateObjectMeta(meta: MetaToValidate, namespaced: boolean, nameFn: NameValidator): ErrorList {
  const at = Path.root('metadata');
  const errs: ErrorList = [];
  if (meta.generateName) {
    for (const msg of nameFn(meta.generateName, true)) {
      errs.push(field.invalid(at.child('generateName'), meta.generateName, msg));
    }
  }
  if (!meta.name) {
    errs.push(field.required(at.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(meta.name, false)) errs.push(field.invalid(at.child('name'), meta.name, msg));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(field.required(at.child('namespace')));
    else
      for (const msg of isDNS1123Label(meta.namespace))
        errs.push(field.invalid(at.child('namespace'), meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push(field.forbidden(at.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateLabels(meta.labels, at.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, at.child('annotations')));
  return errs;
}

/** `ValidateImmutableField`: an update may not change the value. */
export function validateImmutable(newValue: unknown, oldValue: unknown, at: Path | string): ErrorList {
  return jsonEqual(newValue, oldValue) ? [] : [field.invalid(at, newValue, 'field is immutable')];
}
