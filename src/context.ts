/** What every resolver receives: who is asking, how to ask about them, and the registry. */
import type { UserInfo } from './authn/identity.js';
import type { RequestAuthorizer } from './authz/request.js';
import type { ObjectLoader } from './registry/loader.js';
import type { Registry } from './registry/registry.js';

export interface Context {
  user: UserInfo;
  authz: RequestAuthorizer;
  registry: Registry;
  /** Batches the single-object reads of nested fields within this request. */
  objects: ObjectLoader;
}
