/**
 * TokenReview over Kubernetes REST (`POST /apis/authentication.k8s.io/{v1,v1beta1}/tokenreviews`),
 * as kube-apiserver's webhook token authenticator and Vault's Kubernetes auth method send it:
 * answered by the GraphQL `tokenReview`, so both say the same.
 */
import { objectAt, type ReviewEndpoint, stringAt, stringsAt } from '../../apis/rest.js';

interface UserInfoAnswer {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Kubernetes' `UserInfo` JSON: every field `omitempty`. */
function userInfo(user: UserInfoAnswer | null): Record<string, unknown> {
  if (!user) return {};
  return {
    ...(user.username ? { username: user.username } : {}),
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.groups.length ? { groups: user.groups } : {}),
    ...(Object.keys(user.extra).length ? { extra: user.extra } : {}),
  };
}

export const tokenReviews: ReviewEndpoint = {
  group: 'authentication.k8s.io',
  versions: ['v1', 'v1beta1'],
  resource: 'tokenreviews',
  kind: 'TokenReview',
  namespaced: false,
  field: 'tokenReview',
  query: `query TokenReview($input: TokenReviewInput!) {
  tokenReview(input: $input) { authenticated user { username uid groups extra } audiences error }
}`,
  variables(object) {
    const spec = objectAt(object as Record<string, unknown>, 'spec', '') ?? {};
    const audiences = stringsAt(spec, 'audiences', 'spec');
    // an empty list is no list (the API audiences), as in Kubernetes
    return { input: { token: stringAt(spec, 'token', 'spec'), audiences: audiences.length ? audiences : null } };
  },
  status(answer) {
    const audiences = answer.audiences as string[];
    return {
      ...(answer.authenticated ? { authenticated: true } : {}),
      // a struct, so Go's encoder writes it even when empty
      user: userInfo(answer.user as UserInfoAnswer | null),
      ...(audiences.length ? { audiences } : {}),
      ...(answer.error ? { error: answer.error } : {}),
    };
  },
};
