/**
 * A controller: reacts to changes read from the change log by reconciling keys on its queue,
 * and reconciles everything once at start (and on `resync`). Handlers are idempotent, so two
 * replicas running the same controller converge on one result.
 */
import type { ChangeFollower } from '../changelog/follower.js';
import type { Logger } from '../log.js';
import type { Change } from '../store/store.js';
import { WorkQueue } from './queue.js';

export abstract class Controller {
  protected readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** @param resyncEveryMs reconcile every key again this often (for time-driven work). */
  constructor(
    readonly name: string,
    protected readonly log: Logger,
    private readonly resyncEveryMs?: number,
  ) {
    this.queue = new WorkQueue(name, (key) => this.reconcile(key), log);
  }

  /** The keys a change concerns (none if it does not concern this controller). */
  protected abstract keysFor(change: Change): string[];
  /** Every key, for the initial and periodic resync. */
  protected abstract allKeys(): Promise<string[]>;
  /** Brings one key to its desired state; throws to be retried. */
  protected abstract reconcile(key: string): Promise<void>;

  async start(follower: ChangeFollower): Promise<void> {
    this.unsubscribe = follower.subscribe((change) => {
      for (const key of this.keysFor(change)) this.queue.add(key);
    });
    await this.resync();
    if (this.resyncEveryMs) {
      this.timer = setInterval(
        () => void this.resync().catch((err) => this.log.error({ err }, 'resync failed')),
        this.resyncEveryMs,
      );
      this.timer.unref();
    }
  }

  async resync(): Promise<void> {
    for (const key of await this.allKeys()) this.queue.add(key);
  }

  /** Resolves when the controller has nothing left to do (tests, graceful shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.queue.stop();
  }
}
