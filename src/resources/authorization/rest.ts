/**
 * The access reviews over Kubernetes REST (`POST /apis/authorization.k8s.io/{v1,v1beta1}/…`), as
 * kube-apiserver's webhook authorizer and Kubernetes clients send them: each answered by its
 * GraphQL field, so both say the same. v1beta1 names a subject's groups `group`, v1 `groups`.
 */
import {
  BadRequestBody,
  objectAt,
  type ReviewEndpoint,
  type ReviewObject,
  stringAt,
  stringListMapAt,
  stringsAt,
} from '../../apis/rest.js';

const GROUP = 'authorization.k8s.io';
const VERSIONS = ['v1', 'v1beta1'] as const;
const STATUS = 'allowed denied reason evaluationError';

function specOf(object: ReviewObject): Record<string, unknown> {
  return objectAt(object as Record<string, unknown>, 'spec', '') ?? {};
}

/** `resourceAttributes` and `nonResourceAttributes` (Kubernetes' zero values for what is absent). */
function attributes(spec: Record<string, unknown>) {
  const r = objectAt(spec, 'resourceAttributes', 'spec');
  const n = objectAt(spec, 'nonResourceAttributes', 'spec');
  const at = 'spec.resourceAttributes';
  return {
    resourceAttributes: r && {
      namespace: stringAt(r, 'namespace', at),
      verb: stringAt(r, 'verb', at),
      group: stringAt(r, 'group', at),
      resource: stringAt(r, 'resource', at),
      subresource: stringAt(r, 'subresource', at),
      name: stringAt(r, 'name', at),
    },
    nonResourceAttributes: n && {
      path: stringAt(n, 'path', 'spec.nonResourceAttributes'),
      verb: stringAt(n, 'verb', 'spec.nonResourceAttributes'),
    },
  };
}

/** The subject of a (local) SubjectAccessReview. */
function subject(spec: Record<string, unknown>, version: string) {
  return {
    user: stringAt(spec, 'user', 'spec'),
    uid: stringAt(spec, 'uid', 'spec'),
    groups: stringsAt(spec, version === 'v1beta1' ? 'group' : 'groups', 'spec'),
    extra: stringListMapAt(spec, 'extra', 'spec'),
  };
}

/** Kubernetes' `SubjectAccessReviewStatus` JSON: `allowed` always, the rest `omitempty`. */
function status(answer: Record<string, unknown>): Record<string, unknown> {
  return {
    allowed: answer.allowed === true,
    ...(answer.denied ? { denied: true } : {}),
    ...(answer.reason ? { reason: answer.reason } : {}),
    ...(answer.evaluationError ? { evaluationError: answer.evaluationError } : {}),
  };
}

export const subjectAccessReviews: ReviewEndpoint = {
  group: GROUP,
  versions: VERSIONS,
  resource: 'subjectaccessreviews',
  kind: 'SubjectAccessReview',
  namespaced: false,
  field: 'subjectAccessReview',
  query: `query SubjectAccessReview($input: SubjectAccessReviewInput!) {
  subjectAccessReview(input: $input) { ${STATUS} }
}`,
  variables(object, { version }) {
    const spec = specOf(object);
    return { input: { ...subject(spec, version), ...attributes(spec) } };
  },
  status,
};

export const selfSubjectAccessReviews: ReviewEndpoint = {
  group: GROUP,
  versions: VERSIONS,
  resource: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  namespaced: false,
  field: 'selfSubjectAccessReview',
  query: `query SelfSubjectAccessReview($input: SelfSubjectAccessReviewInput!) {
  selfSubjectAccessReview(input: $input) { ${STATUS} }
}`,
  variables(object) {
    return { input: attributes(specOf(object)) };
  },
  status,
};

export const localSubjectAccessReviews: ReviewEndpoint = {
  group: GROUP,
  versions: VERSIONS,
  resource: 'localsubjectaccessreviews',
  kind: 'LocalSubjectAccessReview',
  namespaced: true,
  field: 'localSubjectAccessReview',
  query: `query LocalSubjectAccessReview($namespace: String!, $input: SubjectAccessReviewInput!) {
  localSubjectAccessReview(namespace: $namespace, input: $input) { ${STATUS} }
}`,
  variables(object, { version, namespace }) {
    // `rest.EnsureObjectNamespaceMatchesRequestNamespace`: an object's own namespace, if any, is the path's
    const meta = objectAt(object as Record<string, unknown>, 'metadata', '') ?? {};
    const own = stringAt(meta, 'namespace', 'metadata');
    if (own && own !== namespace) {
      throw new BadRequestBody('the namespace of the provided object does not match the namespace sent on the request');
    }
    const spec = specOf(object);
    return { namespace, input: { ...subject(spec, version), ...attributes(spec) } };
  },
  status,
};
