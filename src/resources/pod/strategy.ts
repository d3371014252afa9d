/**
 * Pods (`pkg/registry/core/pod/strategy.go`, `ValidatePodCreate`, `ValidatePodUpdate`): the
 * ServiceAccount-related subset of a Pod spec, validated as Kubernetes validates it. After create
 * only labels and annotations may change.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Container, Pod } from '../../apis/core.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import { isDNS1123Label, nameIsDNSSubdomain } from '../../validation/names.js';

function validateContainers(containers: Container[], at: Path, seen: Set<string>): ErrorList {
  const errs: ErrorList = [];
  containers.forEach((c, i) => {
    const here = at.index(i);
    if (!c.name) errs.push(field.required(here.child('name')));
    else {
      for (const msg of isDNS1123Label(c.name)) errs.push(field.invalid(here.child('name'), c.name, msg));
      if (seen.has(c.name)) errs.push(field.duplicate(here.child('name'), c.name));
      seen.add(c.name);
    }
    if (!c.image) errs.push(field.required(here.child('image')));
  });
  return errs;
}

export function validatePodSpec(pod: Pod): ErrorList {
  const spec = Path.root('spec');
  const containers = pod.spec?.containers ?? [];
  const errs: ErrorList = [];
  const names = new Set<string>();
  if (containers.length === 0) errs.push(field.required(spec.child('containers')));
  errs.push(...validateContainers(containers, spec.child('containers'), names));
  errs.push(...validateContainers(pod.spec?.initContainers ?? [], spec.child('initContainers'), names));
  return errs;
}

export const podStrategy: Strategy<Pod> = {
  kind: 'Pod',
  validateName: nameIsDNSSubdomain,
  prepareForCreate: (pod) => ({ ...pod, spec: pod.spec ?? { containers: [] } }),
  validate: validatePodSpec,
  prepareForUpdate: (pod) => pod,
  validateUpdate(pod, old) {
    if (!isDeepStrictEqual(pod.spec, old.spec)) {
      return [field.forbidden('spec', 'pod updates may not change fields other than `metadata.labels` and `metadata.annotations`')];
    }
    return [];
  },
};
