/**
 * A de-duplicating work queue with one worker, as Kubernetes controllers use: a key added while
 * it waits is processed once; a key that fails is retried with backoff.
 */
import type { Logger } from '../log.js';

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private working: Promise<void> | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly process: (key: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.working ??= this.work();
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  async idle(): Promise<void> {
    if (!this.working && this.timers.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued or waiting for a retry, and waits for the key in hand. */
  async clear(): Promise<void> {
    this.pending.clear();
    this.failures.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.working;
    this.notifyIdle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.working;
    this.notifyIdle();
  }

  private async work(): Promise<void> {
    while (this.pending.size && !this.stopped) {
      const key = this.pending.values().next().value as string;
      this.pending.delete(key);
      try {
        await this.process(key);
        this.failures.delete(key);
      } catch (err) {
        const attempts = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, attempts);
        const delay = Math.min(5000, 50 * 2 ** attempts);
        this.log.warn({ err, controller: this.name, key, attempts }, 'controller failed; will retry');
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.add(key);
          if (!this.working) this.notifyIdle();
        }, delay);
        timer.unref();
        this.timers.add(timer);
      }
    }
    this.working = null;
    if (this.timers.size === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
