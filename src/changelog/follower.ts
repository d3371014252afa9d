/**
 * The one informer layer (client-go's reflector and shared informers, on our change log). Every
 * in-memory consumer (the object cache, the RBAC index, the credential index, the token cache,
 * each controller) registers `{kinds, load(snapshot), apply(change)}` here. At start the follower
 * loads them all from one consistent snapshot and then reads the log after that snapshot's head,
 * handing each change, in resourceVersion order, to the consumers of its kind.
 *
 * Nothing skips a change silently: a consumer whose `apply` throws is set aside and reloaded from
 * a fresh snapshot (a relist), then given every change between that snapshot and the follower's
 * position; if the follower itself falls behind what the log still holds (retention removed
 * changes it never read), every consumer is relisted. Until a relist is done `ready` is false and
 * readiness says which consumer is behind.
 *
 * A NOTIFY from any replica is only a wake-up: the follower always reads what came after the last
 * change it saw, so a missed signal costs latency, never a change. A slow poll covers lost
 * connections. `apply` is synchronous and must be quick (update an index, enqueue a key); slow work
 * belongs on a controller's queue.
 *
 * Order. Writers do not wait for each other (store/store.ts), so a change may commit before one
 * with a lower resourceVersion, and some numbers are drawn and never used (a create that finds
 * its name taken, a transaction rolled back). The follower still hands changes out in
 * resourceVersion order with none skipped: it passes a missing number only once it is sure that
 * number will never appear. The proof rests on one rule of the writers: a transaction has its id
 * before it draws a resourceVersion. Say a read sees N and not some M < N. M was drawn before N,
 * and N's transaction had ended before the read, so M's transaction had its id then: it had ended
 * (M, never written, will never be) or it was running. Every transaction running at the read has
 * ended before `pg_stat_activity` is asked next, or it is listed there with its id (a snapshot's
 * own list leaves out those given an id since the newest one ended). So once every listed one has
 * ended, M is final: a new read shows it, or it never comes. Until then the follower holds at M
 * (`fence`). A consumer loaded from a snapshot is likewise given, once every transaction that may
 * have been running at that snapshot has ended, the changes written below its head by
 * transactions from the snapshot's `xmin` on that it did not see (`late`): no later change can
 * have touched the same object first, as a second writer of an object waits for the first one's
 * row lock.
 */
import type { Kind } from '../apis/kinds.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../log.js';
import { CHANGES_CHANNEL, endedBy, type Change, type ObjectStore, type StoreReader } from '../store/store.js';

/** How long a request waits at most for changes announced to this replica to be read. */
const FRESH_WAIT_MS = 1000;

/** An in-memory consumer of the change log. */
export interface Informer {
  /** For logs and readiness. */
  readonly name: string;
  /** The kinds whose changes it receives; `all` for every kind. */
  readonly kinds: readonly Kind[] | 'all';
  /** Replaces everything it holds with what the snapshot holds. */
  load(reader: StoreReader): Promise<void>;
  /** Applies one change (in order, after `load`). Throwing has the follower relist it. */
  apply(change: Change): void;
}

/** A live listener (a watch stream): every change after it subscribed, not a consumer of state. */
export type ChangeListener = (change: Change) => void;

interface Registered {
  informer: Informer;
  kinds: ReadonlySet<Kind> | null;
  /** Why it must be reloaded, while it must be. */
  relist?: string;
  /** The head of the snapshot it was last loaded from: changes up to it are in what it loaded. */
  loadedAt: number;
}

const BATCH = 500;

/**
 * How soon a follower held at a missing resourceVersion reads again (an abort sends no NOTIFY):
 * 2 ms, doubled while the same transactions keep it held (a long write, an open session), to 200 ms.
 */
const FENCE_RECHECK_MS = 2;
const FENCE_RECHECK_MAX_MS = 200;

/** How long loading waits for the transactions its snapshot saw running before it gives up. */
const SETTLE_TIMEOUT_MS = 30_000;

export class ChangeFollower {
  private last = 0;
  /** The newest resourceVersion a NOTIFY announced (it may not be read yet). */
  private announced = 0;
  private readonly informers: Registered[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private hearers: { rv: number; resolve: () => void }[] = [];
  private waiters: { rv: number; resolve: () => void }[] = [];
  private running: Promise<void> | null = null;
  private rerun = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private started = false;
  private stopped = false;
  /** Relists so far (tests and metrics). */
  relists = 0;
  /** When reading the log last failed, while it has not succeeded since (the database is away). */
  private failingSince: Date | null = null;
  /**
   * Held at a missing resourceVersion: every one at or below `below` is final once the
   * transactions in `running` have ended.
   */
  private fence: { below: number; running: bigint[] } | null = null;
  private recheck: NodeJS.Timeout | undefined;
  /** The wait before the next read while held by the same fence. */
  private recheckMs = FENCE_RECHECK_MS;

  constructor(
    private readonly store: ObjectStore,
    private readonly database: Database,
    private readonly log: Logger,
    private readonly pollIntervalMs = 1000,
  ) {}

  /** The newest resourceVersion every consumer has seen. */
  get resourceVersion(): number {
    return this.last;
  }

  /** Registers a consumer; before `start` (it is loaded from the start snapshot). */
  register(informer: Informer): void {
    if (this.started) throw new Error(`informer ${informer.name} registered after the follower started`);
    this.informers.push({ informer, kinds: informer.kinds === 'all' ? null : new Set(informer.kinds), loadedAt: 0 });
  }

  /**
   * Since when the log could not be read (the database is away), or null: what is held in memory
   * may then be behind writes made elsewhere.
   */
  /** Changes announced to this replica and not applied yet. */
  get lag(): number {
    return Math.max(0, this.announced - this.last);
  }

  get staleSince(): Date | null {
    return this.failingSince;
  }

  /** Started, and no consumer waiting to be relisted. */
  get ready(): boolean {
    return this.started && !this.stopped && this.informers.every((r) => !r.relist);
  }

  /** The consumers waiting to be relisted, and why (for readiness). */
  get behind(): { name: string; reason: string }[] {
    return this.informers.filter((r) => r.relist).map((r) => ({ name: r.informer.name, reason: r.relist! }));
  }

  /**
   * Loads every consumer from one consistent snapshot, then follows the log from that
   * snapshot's head. Throws if a consumer cannot load: a replica that starts empty-handed would
   * answer "not found" for what exists (a value it cannot decrypt, say).
   */
  async start(): Promise<void> {
    // Listen first: a NOTIFY that arrives during the load is then not lost.
    this.unlisten = await this.database.listen(CHANGES_CHANNEL, (payload) => {
      const rv = Number(payload);
      if (rv > this.announced) this.announced = rv;
      this.releaseHearers();
      void this.poll();
    });
    // Nothing is read from the log until the load is done: a change dispatched meanwhile would
    // go to state the load then replaces.
    this.last = await this.load(this.informers);
    const failed = this.informers.find((r) => r.relist);
    if (failed) {
      await this.stop();
      throw new Error(`cannot start: ${failed.informer.name}: ${failed.relist}`);
    }
    this.started = true;
    this.announced = Math.max(this.announced, this.last);
    this.timer = setInterval(() => void this.poll(), this.pollIntervalMs);
    this.timer.unref();
    void this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.recheck);
    await this.unlisten?.().catch((err: unknown) => this.log.warn({ err }, 'unlisten failed'));
    await this.running;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    for (const h of this.hearers) h.resolve();
    this.hearers = [];
  }

  /** Every change from now on, after the consumers have it; returns the unsubscribe. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once every change already announced to this replica has been applied. Requests
   * whose answer depends on followed state (objects, tokens, RBAC) call it first: a write
   * committed on another replica is announced with its commit, so once the announcement is in,
   * no request here can act on state older than that write. Free when nothing is pending.
   */
  fresh(): Promise<void> | undefined {
    if (this.announced <= this.last) return undefined;
    return this.waitFor(this.announced);
  }

  /**
   * `fresh()`, waiting `ms` at most: with the database away the announced changes cannot be read,
   * and a request then goes on with what this replica holds (its answer is marked stale).
   */
  freshWithin(ms = FRESH_WAIT_MS): Promise<void> | undefined {
    const pending = this.fresh();
    if (!pending) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return Promise.race([pending, gaveUp]).finally(() => clearTimeout(timer));
  }

  /**
   * A transaction of this replica committed these changes. When they are the very next ones
   * and consecutive (no number before or among them that another transaction may hold), they are
   * handed to the consumers at once, without reading the log back; otherwise this waits for a read
   * that reaches them. Either way, on return every consumer has seen them.
   */
  committed(changes: Change[]): Promise<void> | undefined {
    const last = changes.at(-1)!.resourceVersion;
    if (last <= this.last) return undefined;
    // consecutive from `last`: a number between two of them could be another transaction's
    if (!this.running && !this.stopped && changes.every((c, i) => c.resourceVersion === this.last + 1 + i)) {
      for (const change of changes) this.dispatch(change);
      this.release();
      if (this.informers.some((r) => r.relist)) void this.poll();
      return undefined;
    }
    return this.waitFor(last);
  }

  /**
   * Resolves once this replica has heard the NOTIFY for `resourceVersion` (or after `timeoutMs`).
   * Every replica hears it at about the same moment, so a writer that waits for its own echo
   * before answering leaves the others announced of the change before its client can turn to
   * them; their `fresh()` then applies it before they answer.
   */
  heard(resourceVersion: number, timeoutMs = 1000): Promise<void> | undefined {
    if (resourceVersion <= this.announced || this.stopped) return undefined;
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
    for (const h of this.hearers) {
      if (h.rv <= this.announced) h.resolve();
      else still.push(h);
    }
    this.hearers = still;
  }

  /** Resolves once every consumer has seen `resourceVersion` (read-your-writes for this replica). */
  async waitFor(resourceVersion: number): Promise<void> {
    if (resourceVersion <= this.last || this.stopped) return;
    const seen = new Promise<void>((resolve) => this.waiters.push({ rv: resourceVersion, resolve }));
    void this.poll();
    await seen;
  }

  /** Reads and dispatches everything new (relisting first what must be); concurrent calls coalesce. */
  poll(): Promise<void> {
    if (this.stopped || !this.started) return Promise.resolve();
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          await this.relistWhatMust();
          await this.drain();
        } while (this.rerun && !this.stopped);
        if (this.failingSince) this.log.info({ since: this.failingSince }, 'reading the change log again');
        this.failingSince = null;
      } catch (err) {
        if (!this.failingSince) this.log.error({ err }, 'reading the change log failed; retrying on the next signal');
        this.failingSince ??= new Date();
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * Loads consumers from one snapshot; returns its head. Called at start with every consumer and
   * for a relist with those set aside (which then catch up to the follower's position). Changes
   * below the head that transactions still running at the snapshot write are given to the loaded
   * consumers once those have ended (see Order above).
   */
  private async load(targets: Registered[]): Promise<number> {
    const { head, xmin, seen } = await this.store.snapshot(async (reader) => {
      const { head, snapshot } = await reader.position();
      const seen = await reader.writtenSince(snapshot.xmin, head);
      for (const r of targets) {
        try {
          await r.informer.load(reader);
          r.relist = undefined;
          r.loadedAt = head;
        } catch (err) {
          r.relist = `load failed: ${(err as Error).message}`;
          this.log.error({ err, informer: r.informer.name }, 'loading an informer failed; it will be relisted');
        }
      }
      return { head, xmin: snapshot.xmin, seen };
    });
    // what was running at the snapshot has ended by now or is running now
    const running = await this.store.read.running();
    if (running.length) await this.settle(running);
    const late = (await this.store.read.changesSince(xmin, head)).filter((c) => !seen.has(c.resourceVersion));
    // below the head, which `applyTo` would take for already loaded
    for (const change of late) for (const r of targets) this.applyOrRelist(r, change);
    return head;
  }

  /** Resolves once every one of these transactions has ended. */
  private async settle(running: bigint[]): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (let wait = FENCE_RECHECK_MS; ; wait = Math.min(wait * 2, FENCE_RECHECK_MAX_MS)) {
      const now = await this.store.read.now();
      if (running.every((xid) => endedBy(xid, now))) return;
      if (Date.now() > deadline) throw new Error(`transactions ${running.join(', ')} still running after loading`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Relists the consumers set aside: a fresh snapshot, then the changes between it and `last`. */
  private async relistWhatMust(): Promise<void> {
    const targets = this.informers.filter((r) => r.relist);
    if (!targets.length) return;
    this.relists++;
    this.log.warn(
      { informers: targets.map((r) => r.informer.name), reasons: targets.map((r) => r.relist) },
      'relisting',
    );
    const head = await this.load(targets);
    // the snapshot may be behind the follower (or ahead of it: the follower then catches up as usual)
    for (let from = head; from < this.last; ) {
      const batch = await this.store.read.changesAfter(from, BATCH);
      if (!batch.length) break;
      for (const change of batch) {
        if (change.resourceVersion > this.last) break;
        for (const r of targets) this.applyTo(r, change);
        from = change.resourceVersion;
      }
      if (batch.length < BATCH) break;
    }
    const still = targets.filter((r) => r.relist);
    if (still.length) this.log.error({ informers: still.map((r) => r.informer.name) }, 'relist failed; trying again');
    else this.log.info({ informers: targets.map((r) => r.informer.name) }, 'relisted');
  }

  /**
   * Reads what came after `last` and hands it out in order, holding at a missing resourceVersion
   * until it is final (see Order above).
   */
  private async drain(): Promise<void> {
    for (;;) {
      const { changes: batch, snapshot } = await this.store.read.follow(this.last, BATCH);
      if (batch.length && batch[0].resourceVersion > this.last + 1 && (await this.store.read.horizon()) > this.last) {
        // retention removed changes this follower never read: relist everything from now
        this.log.warn({ last: this.last }, 'fell behind the retained change log; relisting every informer');
        for (const r of this.informers) r.relist = 'fell behind the retained change log';
        this.fence = null;
        this.last = Math.max(this.last, await this.relistAll());
        continue;
      }
      const newest = batch.length ? batch[batch.length - 1].resourceVersion : this.last;
      // every missing resourceVersion at or below `final` will never appear
      let final = 0;
      if (this.fence?.running.every((xid) => endedBy(xid, snapshot))) {
        final = this.fence.below;
        this.fence = null;
        this.recheckMs = FENCE_RECHECK_MS;
      }
      const held = this.dispatchUpTo(batch, final);
      this.release();
      if (held) {
        if (!this.fence) {
          const running = await this.store.read.running();
          this.fence = { below: newest, running };
          // nothing running now: what was running at the read has ended; read again at once
          if (!running.length) continue;
        }
        this.hold();
        return;
      }
      if (batch.length < BATCH) return;
    }
  }

  /**
   * Dispatches the batch's changes in order while nothing unseen but final lies before them;
   * returns whether it stopped at a missing resourceVersion above `final`.
   */
  private dispatchUpTo(batch: Change[], final: number): boolean {
    for (const change of batch) {
      if (change.resourceVersion <= this.last) continue;
      if (change.resourceVersion !== this.last + 1 && change.resourceVersion - 1 > final) return true;
      this.dispatch(change);
    }
    return false;
  }

  /** Held at a missing resourceVersion: reads again soon (a rollback sends no NOTIFY). */
  private hold(): void {
    if (this.recheck || this.stopped) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      void this.poll();
    }, this.recheckMs);
    this.recheck.unref();
    this.recheckMs = Math.min(this.recheckMs * 2, FENCE_RECHECK_MAX_MS);
  }

  /** Every consumer from a fresh snapshot; the snapshot's head. */
  private async relistAll(): Promise<number> {
    this.relists++;
    return this.load(this.informers);
  }

  private applyTo(r: Registered, change: Change): void {
    if (change.resourceVersion <= r.loadedAt) return;
    this.applyOrRelist(r, change);
  }

  /** Hands a change to a consumer of its kind (not set aside); one that throws is set aside. */
  private applyOrRelist(r: Registered, change: Change): void {
    if (r.relist || (r.kinds && !r.kinds.has(change.kind))) return;
    try {
      r.informer.apply(change);
    } catch (err) {
      r.relist = `apply of resourceVersion ${change.resourceVersion} failed: ${(err as Error).message}`;
      this.log.error(
        { err, informer: r.informer.name, rv: change.resourceVersion },
        'an informer failed a change; relisting it',
      );
    }
  }

  private dispatch(change: Change): void {
    for (const r of this.informers) this.applyTo(r, change);
    this.last = change.resourceVersion;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err, rv: change.resourceVersion }, 'change listener failed');
      }
    }
  }

  private release(): void {
    if (!this.waiters.length) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.rv <= this.last) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }
}
