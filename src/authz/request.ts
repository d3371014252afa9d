/**
 * The authorizer as one request sees it: bound to the caller, answering each distinct question
 * once per request, and keeping a trace of what it decided (read by the authorization-coverage test).
 */
import type { UserInfo } from '../authn/identity.js';
import {
  attributesKey,
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
  /** Each question's answer, or its pending answer while an authorizer is still deciding. */
  private readonly memo = new Map<string, Decision | Promise<Decision>>();
  readonly trace: TraceEntry[] = [];
  /** Told every question and its answer, asked again or not (the request's audit). */
  observer: ((attributes: RequestAttributes, decision: Decision) => void) | undefined;

  constructor(
    readonly user: UserInfo,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * The answer, synchronously when the authorizers answer synchronously (RBAC always does): a
   * field resolved per item of a list then costs no promise, and the list stays one synchronous pass.
   */
  decide(attributes: RequestAttributes): Decision | Promise<Decision> {
    const key = attributesKey(attributes);
    const known = this.memo.get(key);
    if (known) {
      if (this.observer && !(known instanceof Promise)) this.observer(attributes, known);
      return known;
    }
    const answer = this.authorizer.authorize({ ...attributes, user: this.user }, key);
    if (!(answer instanceof Promise)) return this.settle(key, attributes, answer);
    const pending = answer.then((d) => this.settle(key, attributes, d));
    this.memo.set(key, pending);
    return pending;
  }

  private settle(key: string, attributes: RequestAttributes, decision: Decision): Decision {
    this.trace.push({ attributes, decision });
    this.memo.set(key, decision);
    this.observer?.(attributes, decision);
    return decision;
  }

  allowed(attributes: RequestAttributes): boolean | Promise<boolean> {
    const decision = this.decide(attributes);
    return decision instanceof Promise ? decision.then((d) => d.allowed) : decision.allowed;
  }

  /** The Forbidden error for a question this request already asked. */
  settledError(attributes: RequestAttributes) {
    const known = this.memo.get(attributesKey(attributes));
    const decision = known && !(known instanceof Promise) ? known : { allowed: false, reason: '' };
    return forbiddenError({ ...attributes, user: this.user } as Attributes, decision);
  }
}
