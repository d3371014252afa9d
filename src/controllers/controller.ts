/**
 * A controller: an informer of the change log whose `apply` puts the keys a change concerns on
 * its work queue; it reconciles everything once at start, on `resync`, and after a relist.
 * Handlers are idempotent, so two replicas running the same controller converge on one result.
 */
import type { Kind } from '../apis/kinds.js';
import type { Informer } from '../changelog/follower.js';
import type { Logger } from '../log.js';
import type { Change } from '../store/store.js';
import { WorkQueue } from './queue.js';

export abstract class Controller {
  protected readonly queue: WorkQueue;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** What the follower feeds: register it before the follower starts. */
  readonly informer: Informer;

  /**
   * @param kinds the kinds whose changes concern it
   * @param resyncEveryMs reconcile every key again this often (for time-driven work)
   */
  constructor(
    readonly name: string,
    kinds: readonly Kind[],
    protected readonly log: Logger,
    private readonly resyncEveryMs?: number,
  ) {
    this.queue = new WorkQueue(name, (key) => this.reconcile(key), log);
    this.informer = {
      name: `controller ${name}`,
      kinds,
      // a relist may have missed changes: reconcile everything again
      load: async () => {
        if (this.running) await this.resync();
      },
      apply: (change) => {
        if (!this.running) return;
        for (const key of this.keysFor(change)) this.queue.add(key);
      },
    };
  }

  /** The keys a change concerns (none if it does not concern this controller). */
  protected abstract keysFor(change: Change): string[];
  /** Every key, for the initial and periodic resync. */
  protected abstract allKeys(): Promise<string[]>;
  /** Brings one key to its desired state; throws to be retried. */
  protected abstract reconcile(key: string): Promise<void>;

  /** Starts reconciling (again, after `pause`): everything once, then what changes. */
  async start(): Promise<void> {
    this.running = true;
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

  /** Resolves when the controller has nothing left to do (start-up, before ready; tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops reconciling until `start` (a replica that lost the lead): what is queued is dropped. */
  async pause(): Promise<void> {
    clearInterval(this.timer);
    this.running = false;
    await this.queue.clear();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.running = false;
    await this.queue.stop();
  }
}

/**
 * A controller with one piece of work, done at start and every `everyMs` (retention, re-encryption):
 * it follows no kind, and its work queue keeps two runs from overlapping.
 */
export abstract class PeriodicController extends Controller {
  constructor(name: string, log: Logger, everyMs: number) {
    super(name, [], log, everyMs);
  }

  protected keysFor(_change: Change): string[] {
    return [];
  }

  protected async allKeys(): Promise<string[]> {
    return [this.name];
  }

  protected reconcile(): Promise<void> {
    return this.run();
  }

  /** The work; throws to be retried. */
  protected abstract run(): Promise<void>;
}
