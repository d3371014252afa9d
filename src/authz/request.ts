/**
 * The authorizer as one request sees it: bound to the caller, answering each distinct question
 * once per request, and keeping a trace of what it decided (read by the authorization-coverage test).
 */
import type { UserInfo } from '../authn/identity.js';
import {
  forbiddenError,
  type Attributes,
  type Authorizer,
  type Decision,
  type RequestAttributes,
} from './authorizer.js';

export interface TraceEntry {
  attributes: RequestAttributes;
  decision: Decision;
}

export class RequestAuthorizer {
  private readonly memo = new Map<string, Promise<Decision>>();
  readonly trace: TraceEntry[] = [];

  constructor(
    readonly user: UserInfo,
    private readonly authorizer: Authorizer,
  ) {}

  private readonly settled = new Map<string, Decision>();

  private key(attributes: RequestAttributes): string {
    return JSON.stringify([
      attributes.verb,
      'path' in attributes ? attributes.path : '',
      'resource' in attributes
        ? [
            attributes.apiGroup,
            attributes.resource,
            attributes.subresource ?? '',
            attributes.namespace ?? '',
            attributes.name ?? '',
          ]
        : '',
    ]);
  }

  decide(attributes: RequestAttributes): Promise<Decision> {
    const key = this.key(attributes);
    let decision = this.memo.get(key);
    if (!decision) {
      decision = Promise.resolve(this.authorizer.authorize({ ...attributes, user: this.user })).then((d) => {
        this.trace.push({ attributes, decision: d });
        this.settled.set(key, d);
        return d;
      });
      this.memo.set(key, decision);
    }
    return decision;
  }

  async allowed(attributes: RequestAttributes): Promise<boolean> {
    return (await this.decide(attributes)).allowed;
  }

  /** The Forbidden error for a question this request already asked. */
  settledError(attributes: RequestAttributes) {
    const decision = this.settled.get(this.key(attributes)) ?? { allowed: false, reason: '' };
    return forbiddenError({ ...attributes, user: this.user } as Attributes, decision);
  }
}
