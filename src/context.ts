/** What every resolver receives: who is asking, how to ask about them, and the services. */
import type { TokenAuthenticator } from './authn/authenticator.js';
import type { Authorizer } from './authz/authorizer.js';
import type { RbacIndex } from './authz/rbac/index.js';
import type { UserInfo } from './authn/identity.js';
import type { RequestAuthorizer } from './authz/request.js';
import type { ObjectLoader } from './registry/loader.js';
import type { Registry } from './registry/registry.js';
import type { KeyRing } from './tokens/keys.js';
import type { TokenIssuer } from './tokens/request.js';
import type { TokenRevoker } from './tokens/revocation.js';
import type { Metrics } from './metrics/metrics.js';
import type { WatchHub } from './watch/hub.js';
import type { AuditLog, RequestAudit } from './audit/recorder.js';

/** The long-lived parts a request's context is made from. */
export interface Services {
  registry: Registry;
  /** The authenticator union, as TokenReview asks it. */
  tokenAuthenticator: TokenAuthenticator;
  tokens: TokenIssuer;
  revoker: TokenRevoker;
  keys: KeyRing;
  /** The authorizer itself, for reviews about other users. */
  authorizer: Authorizer;
  /** The RBAC objects as authorization sees them (rules reviews, who can). */
  rbac: RbacIndex;
  /** Watch streams. */
  watches: WatchHub;
  /** Counters the resolvers add to (tokens issued and reviewed). */
  metrics: Metrics;
  /** The audit log: events, their policy, their store. */
  audit: AuditLog;
}

export interface Context extends Omit<Services, 'audit'> {
  user: UserInfo;
  /** Who authenticated, when the request acts as someone else (impersonation). */
  impersonator?: UserInfo;
  /** This request's audit: its events, and the mutation being resolved. */
  audit: RequestAudit;
  auditLog: AuditLog;
  authz: RequestAuthorizer;
  /** The single-object reads of nested fields, from the watch cache. */
  objects: ObjectLoader;
}
