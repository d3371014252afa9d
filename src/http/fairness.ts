/**
 * Fair share per caller, after kube-apiserver's API Priority and Fairness (much simplified): a
 * request holds one of `total` seats while it runs (from when its caller is known until its
 * response starts, so a watch holds none once it is streaming); one caller holds at most `perUser`
 * of them. A caller's other requests wait in a queue of their own (at most `queuePerUser`, for at
 * most `queueTimeoutMs`), and a freed seat goes to the next caller in turn, so a caller with a
 * thousand requests waiting gets one seat per round like a caller with one. Each caller also has
 * a token bucket (`ratePerSecond`, `burst`). A request over any of these is refused with
 * TOO_MANY_REQUESTS (HTTP 429) and a `Retry-After`.
 *
 * `system:masters` is exempt, as APF's exempt priority level is. The caller is the user name
 * after impersonation, so every anonymous caller shares one share.
 */
import type { Plugin } from 'graphql-yoga';
import { SYSTEM_MASTERS, type UserInfo } from '../authn/identity.js';
import { ApiError } from '../errors.js';

export interface FairShareOptions {
  /** Seats for all callers together. */
  total: number;
  perUser: number;
  queuePerUser: number;
  queueTimeoutMs: number;
  ratePerSecond: number;
  burst: number;
}

export const DEFAULT_FAIR_SHARE: FairShareOptions = {
  total: 64,
  perUser: 16,
  queuePerUser: 64,
  queueTimeoutMs: 10_000,
  ratePerSecond: 200,
  burst: 400,
};

function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  return new ApiError('TOO_MANY_REQUESTS', message, {
    retryAfterSeconds,
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  });
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

interface Share {
  seated: number;
  waiting: Waiter[];
  tokens: number;
  refilledAt: number;
}

/** Frees a seat (once). */
export type Release = () => void;

export class FairShare {
  private seated = 0;
  private acquired = 0;
  private readonly shares = new Map<string, Share>();
  /** Callers with someone waiting, in the order their turn comes. */
  private readonly turns: string[] = [];

  constructor(
    private readonly options: FairShareOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private share(user: string): Share {
    let share = this.shares.get(user);
    if (!share) {
      share = { seated: 0, waiting: [], tokens: this.options.burst, refilledAt: this.now() };
      this.shares.set(user, share);
    }
    return share;
  }

  /** A seat now, a promise of one, or TOO_MANY_REQUESTS (thrown). */
  acquire(user: string): Release | Promise<Release> {
    this.sweep();
    const share = this.share(user);
    const now = this.now();
    share.tokens = Math.min(
      this.options.burst,
      share.tokens + ((now - share.refilledAt) / 1000) * this.options.ratePerSecond,
    );
    share.refilledAt = now;
    if (share.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - share.tokens) / this.options.ratePerSecond));
      throw tooManyRequests(`too many requests from ${user}: over ${this.options.ratePerSecond} a second`, wait);
    }
    share.tokens -= 1;
    if (share.seated < this.options.perUser && this.seated < this.options.total && share.waiting.length === 0) {
      return this.seat(user, share);
    }
    if (share.waiting.length >= this.options.queuePerUser) {
      throw tooManyRequests(`too many requests from ${user} at once`, 1);
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(this.seat(user, share));
        },
        timer: setTimeout(() => {
          share.waiting.splice(share.waiting.indexOf(waiter), 1);
          this.forget(user, share);
          reject(tooManyRequests(`too many requests from ${user}: waited too long for a turn`, 1));
        }, this.options.queueTimeoutMs),
      };
      share.waiting.push(waiter);
      if (!this.turns.includes(user)) this.turns.push(user);
    });
  }

  /** How many hold a seat now (all callers). */
  get inUse(): number {
    return this.seated;
  }

  private seat(user: string, share: Share): Release {
    this.seated++;
    share.seated++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.seated--;
      share.seated--;
      this.dispatch();
      this.forget(user, share);
    };
  }

  /** Gives free seats to waiting callers, one per caller per round. */
  private dispatch(): void {
    let skipped = 0;
    while (this.seated < this.options.total && this.turns.length && skipped < this.turns.length) {
      const user = this.turns.shift()!;
      const share = this.shares.get(user);
      if (!share) continue;
      if (share.seated < this.options.perUser && share.waiting.length) {
        share.waiting.shift()!.grant();
        skipped = 0;
      } else {
        skipped++;
      }
      if (share.waiting.length) this.turns.push(user);
    }
  }

  /** Drops a caller's share once it holds nothing and its bucket has filled again. */
  private forget(user: string, share: Share): void {
    if (share.seated || share.waiting.length) return;
    const tokens = share.tokens + ((this.now() - share.refilledAt) / 1000) * this.options.ratePerSecond;
    if (tokens >= this.options.burst) this.shares.delete(user);
  }

  /** Now and then, the shares of callers gone quiet. */
  private sweep(): void {
    if (++this.acquired % 1000 !== 0) return;
    for (const [user, share] of this.shares) this.forget(user, share);
  }
}

/**
 * The request plugin: placed after authentication and impersonation (the caller is known), it
 * seats each request, and each operation over WebSocket (a connection is long-lived: its
 * operations are what is counted), and frees the seat when the response starts, or when the
 * operation's result (a watch's stream) is ready.
 */
export function useFairShare(fair: FairShare): Plugin<{ request: Request; user?: UserInfo }> {
  const seats = new WeakMap<Request, Release>();
  const release = (request: Request | undefined) => {
    if (request) seats.get(request)?.();
  };
  return {
    onContextBuilding({ context }) {
      const { request, user } = context;
      if (!user || user.groups.includes(SYSTEM_MASTERS)) return;
      const seat = fair.acquire(user.username);
      if (typeof seat === 'function') {
        seats.set(request, seat);
        return;
      }
      return seat.then((release) => {
        seats.set(request, release);
      });
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      return { onExecuteDone: () => release(request) };
    },
    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      return { onSubscribeResult: () => release(request), onSubscribeError: () => release(request) };
    },
    onResponse({ request }) {
      release(request);
    },
  };
}
