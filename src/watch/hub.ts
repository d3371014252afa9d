/**
 * Watches, as kube-apiserver's cacher serves them: events of one kind (in a namespace, matching a
 * label selector) in resourceVersion order, from the change log every in-memory consumer follows.
 *
 * - No `resourceVersion`: an ADDED for every object that matches now (from the watch cache), then
 *   every change after. A `resourceVersion`: every change after it, replayed from the log, then
 *   live; one older than the log's horizon is GONE, and the client relists.
 * - A MODIFIED object that stops matching the selector is DELETED for the watcher, one that starts
 *   matching is ADDED (the cacher's rule). For a replay, whether an object matched before is not
 *   known: a match is MODIFIED, a miss DELETED (an informer takes either for an unknown object).
 * - BOOKMARK events carry the resourceVersion the watcher has seen, so an idle one resumes cheaply.
 * - Each watcher's events wait in a bounded buffer: one that falls that far behind is ended with
 *   UNAVAILABLE (resume from the last resourceVersion it saw), never buffered without bound.
 * - Its authorization is asked again whenever RBAC changes and every second: once refused, the
 *   watcher gets FORBIDDEN and the stream ends.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { ObjectCache } from '../cache/objects.js';
import type { ChangeFollower } from '../changelog/follower.js';
import { type ApiError, gone, unavailable } from '../errors.js';
import { matches, type Selector } from '../labels/selector.js';
import type { Change, StoreReader } from '../store/store.js';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  /** The object (its last state, for DELETED); null for BOOKMARK. */
  object: KubeObject | null;
  /** The resourceVersion this event brings the watcher to. */
  resourceVersion: number;
}

/** What ends a watch: an error for the client, after the events before it. */
export interface WatchEnd {
  error: ApiError;
}

export interface WatchRequest {
  kind: Kind;
  /** Omitted: every namespace (or a cluster-scoped kind). */
  namespace?: string;
  selector?: Selector;
  /** Replay the changes after this one; omitted: start with what exists now. */
  resourceVersion?: number;
  /** Whether the watcher may still watch (asked again when RBAC changes, and every second). */
  allowed: () => Promise<boolean>;
  /** An error to end with when `allowed` says no. */
  refused: () => ApiError;
}

export interface WatchOptions {
  /** Events a watcher may have waiting before it is cut off. */
  bufferSize: number;
  /** How often an idle watcher gets a BOOKMARK. */
  bookmarkMs: number;
  /** How often its authorization is asked again (besides on every RBAC change). */
  recheckMs: number;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = { bufferSize: 10_000, bookmarkMs: 30_000, recheckMs: 1_000 };

/** How a consumer's `return` reaches a watch waiting for its next change. */
interface Control {
  closed: boolean;
  wake?: () => void;
}

const RBAC_KINDS = new Set<Kind>(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const PAGE = 500;

export class WatchHub {
  private open = 0;
  private readonly controls = new Set<Control>();

  constructor(
    private readonly follower: ChangeFollower,
    private readonly cache: ObjectCache,
    private readonly reader: StoreReader,
    private readonly options: WatchOptions = DEFAULT_WATCH_OPTIONS,
  ) {}

  /** Ends every watch (a shutdown): each stream completes after the events it was given. */
  closeAll(): void {
    for (const control of this.controls) {
      control.closed = true;
      control.wake?.();
    }
  }

  /** Watch streams open now. */
  get watchers(): number {
    return this.open;
  }

  /**
   * The events of a watch, ending (with the error to report) or when the consumer stops. Stopping
   * (`return`) takes at once, even while the watch waits for a change: an async generator's own
   * `return` would wait for its next event.
   */
  watch(request: WatchRequest): AsyncIterableIterator<WatchEvent | WatchEnd> {
    const control: Control = { closed: false };
    this.controls.add(control);
    const events = this.run(request, control);
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () => events.next(),
      return: (value?: unknown) => {
        control.closed = true;
        control.wake?.();
        return events.return(value as undefined);
      },
      throw: (err?: unknown) => events.throw(err),
    };
  }

  private async *run(request: WatchRequest, control: Control): AsyncGenerator<WatchEvent | WatchEnd> {
    const { kind, namespace, selector } = request;
    const pending: Change[] = [];
    let overflowed = false;
    let rbacChanged = false;
    // subscribe before reading anything: no change can fall between what is read and what follows
    const unsubscribe = this.follower.subscribe((change) => {
      if (RBAC_KINDS.has(change.kind)) rbacChanged = true;
      if (change.kind === kind) {
        if (pending.length >= this.options.bufferSize) overflowed = true;
        else pending.push(change);
      }
      control.wake?.();
    });
    this.open++;
    try {
      const inScope = (change: Change) => namespace === undefined || change.namespace === namespace;
      const selected = (obj: KubeObject) => !selector || matches(selector, obj.metadata.labels);
      /** The objects the watcher holds, by namespace/name, where known. */
      const held = new Set<string>();
      let known = false;
      let position = this.follower.resourceVersion;

      if (request.resourceVersion === undefined) {
        known = true;
        for (const obj of this.everything(kind, namespace, selector)) {
          held.add(`${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
          yield { type: 'ADDED', object: obj, resourceVersion: Number(obj.metadata.resourceVersion) };
        }
      } else {
        const horizon = await this.reader.horizon();
        if (request.resourceVersion < horizon) {
          yield { error: gone(request.resourceVersion, horizon + 1) };
          return;
        }
        // replay what the log holds up to where live events take over
        for (let from = request.resourceVersion; from < position; ) {
          const batch = await this.reader.changesAfter(from, PAGE);
          for (const change of batch) {
            if (change.resourceVersion > position) break;
            from = change.resourceVersion;
            if (change.kind !== kind || !inScope(change)) continue;
            const event = this.event(change, held, known, selected);
            if (event) yield event;
          }
          if (batch.length < PAGE) break;
        }
        position = Math.max(position, request.resourceVersion);
      }

      let lastSent = Date.now();
      let lastCheck = Date.now();
      while (!control.closed) {
        while (pending.length) {
          const change = pending.shift()!;
          if (change.resourceVersion <= position) continue;
          position = change.resourceVersion;
          if (!inScope(change)) continue;
          const event = this.event(change, held, known, selected);
          if (event) {
            lastSent = Date.now();
            yield event;
          }
        }
        if (overflowed) {
          yield { error: unavailable(`the watch fell too far behind; watch again from resourceVersion ${position}`) };
          return;
        }
        const now = Date.now();
        if (rbacChanged || now - lastCheck >= this.options.recheckMs) {
          rbacChanged = false;
          lastCheck = now;
          if (!(await request.allowed())) {
            yield { error: request.refused() };
            return;
          }
        }
        if (now - lastSent >= this.options.bookmarkMs) {
          lastSent = now;
          position = Math.max(position, this.follower.resourceVersion);
          yield { type: 'BOOKMARK', object: null, resourceVersion: position };
        }
        if (pending.length || overflowed || rbacChanged) continue;
        const until = Math.min(lastCheck + this.options.recheckMs, lastSent + this.options.bookmarkMs) - Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(until, 0));
          control.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        control.wake = undefined;
      }
    } finally {
      this.open--;
      this.controls.delete(control);
      unsubscribe();
    }
  }

  /** Every object that matches now, in list order. */
  private *everything(
    kind: Kind,
    namespace: string | undefined,
    selector: Selector | undefined,
  ): Generator<KubeObject> {
    let after: { namespace: string; name: string } | undefined;
    for (;;) {
      const page = this.cache.list(kind, { namespace, selector, limit: PAGE, after });
      yield* page.items;
      if (!page.hasNextPage) return;
      const last = page.items.at(-1)!;
      after = { namespace: last.metadata.namespace ?? '', name: last.metadata.name };
    }
  }

  /** The event a change is for this watcher, or null (the cacher's selector rules). */
  private event(
    change: Change,
    held: Set<string>,
    known: boolean,
    selected: (obj: KubeObject) => boolean,
  ): WatchEvent | null {
    const key = `${change.namespace}/${change.name}`;
    const rv = change.resourceVersion;
    const now = change.type !== 'DELETED' && selected(change.object);
    const had = held.has(key);
    if (change.type === 'DELETED') {
      held.delete(key);
      return had || !known ? { type: 'DELETED', object: change.object, resourceVersion: rv } : null;
    }
    if (now) {
      held.add(key);
      const type = change.type === 'ADDED' || (known && !had) ? 'ADDED' : 'MODIFIED';
      return { type, object: change.object, resourceVersion: rv };
    }
    held.delete(key);
    return had || (!known && change.type === 'MODIFIED')
      ? { type: 'DELETED', object: change.object, resourceVersion: rv }
      : null;
  }
}
