/** FairShare, the seat allocator: caps per caller and in all, turns, queues, rates. */
import { describe, expect, it, vi } from 'vitest';
import { FairShare, type FairShareOptions, type Release } from '../../src/http/fairness.js';

const options = (over: Partial<FairShareOptions> = {}): FairShareOptions => ({
  total: 4,
  perUser: 2,
  queuePerUser: 3,
  queueTimeoutMs: 60_000,
  ratePerSecond: 1000,
  burst: 1000,
  ...over,
});

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return [
      (err as { code: string }).code,
      (err as { extensions: { retryAfterSeconds: number } }).extensions.retryAfterSeconds,
    ];
  }
  return null;
};

describe('FairShare', () => {
  it('seats a caller up to its share at once, then queues, then refuses', async () => {
    const fair = new FairShare(options());
    const a1 = fair.acquire('a') as Release;
    const a2 = fair.acquire('a') as Release;
    expect(typeof a1).toBe('function');
    const waiting = [fair.acquire('a'), fair.acquire('a'), fair.acquire('a')];
    for (const w of waiting) expect(w).toBeInstanceOf(Promise);
    expect(code(() => fair.acquire('a'))).toEqual(['TOO_MANY_REQUESTS', 1]);
    // another caller still gets a seat at once
    expect(typeof fair.acquire('b')).toBe('function');
    a1();
    a1(); // twice frees once
    expect(typeof (await waiting[0])).toBe('function');
    expect(fair.inUse).toBe(3);
    a2();
  });

  it('gives a freed seat to the next caller in turn, not to the one with the longest queue', async () => {
    const fair = new FairShare(options({ total: 2, perUser: 2 }));
    const a = [fair.acquire('a') as Release, fair.acquire('a') as Release];
    const order: string[] = [];
    const track = (name: string) => (release: Release) => {
      order.push(name);
      return release;
    };
    const queued = [
      ...[1, 2, 3].map((i) => (fair.acquire('a') as Promise<Release>).then(track(`a${i}`))),
      (fair.acquire('b') as Promise<Release>).then(track('b')),
    ];
    a[0]();
    await new Promise((r) => setTimeout(r, 0));
    // a queued first, but b has had no turn yet
    expect(order).toEqual(['a1']);
    a[1]();
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['a1', 'b']);
    for (const r of await Promise.all(queued.slice(0, 1).concat(queued.slice(3)))) r();
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['a1', 'b', 'a2', 'a3']);
  });

  it('limits each caller to its rate, with a Retry-After', () => {
    let now = 0;
    const fair = new FairShare(options({ ratePerSecond: 2, burst: 3, perUser: 10 }), () => now);
    for (let i = 0; i < 3; i++) (fair.acquire('a') as Release)();
    expect(code(() => fair.acquire('a'))).toEqual(['TOO_MANY_REQUESTS', 1]);
    expect(typeof fair.acquire('b')).toBe('function');
    now += 500;
    expect(typeof fair.acquire('a')).toBe('function');
  });

  it('refuses a request that waited too long for a turn', async () => {
    vi.useFakeTimers();
    try {
      const fair = new FairShare(options({ perUser: 1, queueTimeoutMs: 100 }));
      fair.acquire('a');
      const waiting = fair.acquire('a') as Promise<Release>;
      const refused = expect(waiting).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      await vi.advanceTimersByTimeAsync(150);
      await refused;
    } finally {
      vi.useRealTimers();
    }
  });
});
