/**
 * Follows the change log from a known resourceVersion and hands each change, in order, to the
 * in-memory state that depends on it. A NOTIFY from any replica is only a wake-up: the follower
 * always reads what came after the last change it saw, so a missed signal costs latency, never
 * a change. A slow poll covers lost connections.
 *
 * Listeners are synchronous and must be quick (update an index, enqueue a key); slow work
 * belongs on a controller's queue.
 */
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { CHANGES_CHANNEL, type Change, type ObjectStore, type StoreReader } from '../store/store.js';

export type ChangeListener = (change: Change) => void;

/** Builds in-memory state from a consistent snapshot; the follower then feeds it every later change. */
export type SnapshotLoader = (reader: StoreReader) => Promise<void>;

const BATCH = 500;

export class ChangeFollower {
  private last = 0;
  /** The newest resourceVersion a NOTIFY announced (it may not be read yet). */
  private announced = 0;
  private readonly loaders: SnapshotLoader[] = [];
  private hearers: { rv: number; resolve: () => void }[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private waiters: { rv: number; resolve: () => void }[] = [];
  private running: Promise<void> | null = null;
  private rerun = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly database: Database,
    private readonly log: Logger,
    private readonly pollIntervalMs = 1000,
  ) {}

  /** The newest resourceVersion every listener has seen. */
  get resourceVersion(): number {
    return this.last;
  }

  /** Registers in-memory state to load at start, from the snapshot the follower starts at. */
  onSnapshot(loader: SnapshotLoader): void {
    this.loaders.push(loader);
  }

  /**
   * Loads every registered snapshot loader from one consistent snapshot, then follows the log
   * from that snapshot's head.
   */
  async start(): Promise<void> {
    // Listen first: a NOTIFY that arrives during the load is then not lost.
    this.unlisten = await this.database.listen(CHANGES_CHANNEL, (payload) => {
      const rv = Number(payload);
      if (rv > this.announced) this.announced = rv;
      this.releaseHearers();
      void this.poll();
    });
    this.last = await this.store.snapshot(async (reader) => {
      const head = await reader.head();
      for (const load of this.loaders) await load(reader);
      return head;
    });
    this.announced = Math.max(this.announced, this.last);
    this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.running;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    for (const h of this.hearers) h.resolve();
    this.hearers = [];
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once every change already announced to this replica has been applied. Requests
   * whose answer depends on followed state (token validity, RBAC) call it first: a write
   * committed on another replica is announced with its commit, so once the announcement is in,
   * no request here can act on state older than that write. Free when nothing is pending.
   */
  fresh(): Promise<void> | undefined {
    if (this.announced <= this.last) return undefined;
    return this.waitFor(this.announced);
  }

  /**
   * A transaction of this replica committed these changes. When they are the very next ones
   * (nothing unread before them), they are handed to the listeners at once, without reading the
   * log back; otherwise this waits for a read that reaches them. Either way, on return every
   * listener has seen them.
   */
  committed(changes: Change[]): Promise<void> | void {
    const last = changes.at(-1)!.resourceVersion;
    if (last <= this.last) return;
    if (!this.running && !this.stopped && changes[0].resourceVersion === this.last + 1) {
      for (const change of changes) this.dispatch(change);
      this.release();
      return;
    }
    return this.waitFor(last);
  }

  /**
   * Resolves once this replica has heard the NOTIFY for `resourceVersion` (or after `timeoutMs`).
   * Every replica hears it at about the same moment, so a writer that waits for its own echo
   * before answering leaves the others announced of the change before its client can turn to
   * them; their `fresh()` then applies it before they answer.
   */
  heard(resourceVersion: number, timeoutMs = 1000): Promise<void> | void {
    if (resourceVersion <= this.announced || this.stopped) return;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.hearers = this.hearers.filter((h) => h.resolve !== done);
        resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.hearers.push({ rv: resourceVersion, resolve: done });
    });
  }

  private releaseHearers(): void {
    if (!this.hearers.length) return;
    const still: typeof this.hearers = [];
    for (const h of this.hearers) h.rv <= this.announced ? h.resolve() : still.push(h);
    this.hearers = still;
  }

  /** Resolves once every listener has seen `resourceVersion` (read-your-writes for this replica). */
  async waitFor(resourceVersion: number): Promise<void> {
    if (resourceVersion <= this.last || this.stopped) return;
    const seen = new Promise<void>((resolve) => this.waiters.push({ rv: resourceVersion, resolve }));
    void this.poll();
    await seen;
  }

  /** Reads and dispatches everything new; concurrent calls coalesce into one more pass. */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          await this.drain();
        } while (this.rerun && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'reading the change log failed; retrying on the next signal');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await this.store.read.changesAfter(this.last, BATCH);
      for (const change of batch) if (change.resourceVersion > this.last) this.dispatch(change);
      this.release();
      if (batch.length < BATCH) return;
    }
  }

  private dispatch(change: Change): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err, rv: change.resourceVersion }, 'change listener failed');
      }
    }
    this.last = change.resourceVersion;
  }

  private release(): void {
    if (!this.waiters.length) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) w.rv <= this.last ? w.resolve() : still.push(w);
    this.waiters = still;
  }
}
