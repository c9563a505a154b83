// The in-process board cache: states and pages reused, refreshed in the background under steady reads
// (no request waits), read afresh after forget() or a quiet spell, and failures never remembered.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BOARD_STALE_TTLS, BoardCache, type CachedBody } from '../../functions/http/board-cache.js';
import type { BoardState, ServiceContext } from '../../functions/services/index.js';

const TTL = 500;
const services = { now: () => new Date('2026-06-01T00:00:00Z') } as unknown as ServiceContext;
const window = { startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: new Date('2027-01-01T00:00:00Z') };

/** A controllable board-state reader: each call waits until the test settles it. */
function reader() {
  const calls: { resolve(v: number): void; reject(e: Error): void }[] = [];
  const read = vi.fn(
    (_ctx: unknown, slug: string) =>
      new Promise<BoardState>((resolve, reject) => {
        calls.push({
          resolve: (boardVersion) => resolve({ competitionId: 'c1', slug, boardVersion, ...window }),
          reject,
        });
      }),
  );
  return { read, calls };
}

/** A cache over a fresh reader whose first read of 's' (version 1) has settled. */
async function warmCache() {
  const { read, calls } = reader();
  const cache = new BoardCache(services, TTL, 100, read);
  const first = cache.state('s');
  calls[0].resolve(1);
  await first;
  return { read, calls, cache };
}

const body = (text: string): CachedBody => ({ body: Buffer.from(text), etag: `"${text}"` });
const text = (b: CachedBody) => Buffer.from(b.body).toString();

/** Resolves when `p` has settled, or says it is still pending. */
async function settled<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('BoardCache states', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('reads once per TTL; an expired state is served while the next is read in the background', async () => {
    const { read, calls } = reader();
    const cache = new BoardCache(services, TTL, 100, read);
    const first = cache.state('s');
    calls[0].resolve(1);
    expect((await first).boardVersion).toBe(1);
    expect((await first).phase).toBe('open');
    vi.setSystemTime(TTL - 1);
    expect((await cache.state('s')).boardVersion).toBe(1);
    expect(read).toHaveBeenCalledTimes(1);

    vi.setSystemTime(TTL + 1);
    // Expired: answered at once with the old version, one background read started (not one per caller).
    expect(await settled(cache.state('s'))).toMatchObject({ boardVersion: 1 });
    expect(await settled(cache.state('s'))).toMatchObject({ boardVersion: 1 });
    expect(read).toHaveBeenCalledTimes(2);
    calls[1].resolve(2);
    await expect.poll(async () => (await cache.state('s')).boardVersion).toBe(2);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps serving the last state while a background read fails, then reads afresh once it is too old', async () => {
    const { read, calls, cache } = await warmCache();
    vi.setSystemTime(TTL + 1);
    expect(await settled(cache.state('s'))).toMatchObject({ boardVersion: 1 });
    calls[1].reject(new Error('database down'));
    await expect.poll(() => settled(cache.state('s'))).toMatchObject({ boardVersion: 1 });
    expect(read).toHaveBeenCalledTimes(3); // the failed read is retried on the next expired read

    vi.setSystemTime(TTL * BOARD_STALE_TTLS + 1);
    const waited = cache.state('s');
    expect(await settled(waited)).toBe('pending'); // too old to serve: this caller waits for the database
    calls[3].reject(new Error('still down'));
    await expect(waited).rejects.toThrow('still down');
    const after = cache.state('s'); // the failure was not remembered
    calls[4].resolve(5);
    expect((await after).boardVersion).toBe(5);
  });

  it('reads afresh right after forget()', async () => {
    const { calls, cache } = await warmCache();
    cache.forget('s');
    const next = cache.state('s');
    expect(await settled(next)).toBe('pending');
    calls[1].resolve(2);
    expect((await next).boardVersion).toBe(2);
  });
});

describe('BoardCache pages', () => {
  it('builds a key once for concurrent callers and never remembers a failed build', async () => {
    const cache = new BoardCache(services, TTL, 100, reader().read);
    const build = vi.fn(async () => body('v1'));
    const [a, b] = await Promise.all([cache.page('k1', build), cache.page('k1', build)]);
    expect(build).toHaveBeenCalledTimes(1);
    expect(a).toBe(b);
    await expect(cache.page('bad', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(text(await cache.page('bad', async () => body('ok')))).toBe('ok');
  });

  it('serves the slot’s previous body (with its own ETag) while the new version is built', async () => {
    const cache = new BoardCache(services, TTL, 100, reader().read);
    await cache.page('c1|v1', async () => body('v1'), 's|open|public');
    let finish: (b: CachedBody) => void = () => {};
    const slow = new Promise<CachedBody>((r) => {
      finish = r;
    });
    const during = await cache.page('c1|v2', () => slow, 's|open|public');
    expect(during).toEqual(body('v1'));
    finish(body('v2'));
    await expect.poll(async () => text(await cache.page('c1|v2', () => slow, 's|open|public'))).toBe('v2');
    // Another slot (another page, phase or format) never borrows this one's body.
    const other = cache.page('c1|v3', async () => body('other'), 's|ended|public');
    expect(text(await other)).toBe('other');
  });

  it('waits for the build after forget() and when the slot’s body is too old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(0);
      const cache = new BoardCache(services, TTL, 100, reader().read);
      await cache.page('c1|v1', async () => body('v1'), 's|open|public');
      vi.setSystemTime(TTL * BOARD_STALE_TTLS + 1);
      expect(text(await cache.page('c1|v2', async () => body('v2'), 's|open|public'))).toBe('v2');
      cache.forget('s');
      expect(text(await cache.page('c1|v3', async () => body('v3'), 's|open|public'))).toBe('v3');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('BoardCache fresh reads (a client’s Cache-Control: no-cache)', () => {
  it('reads the state now and never serves a slot’s previous body', async () => {
    const { calls, cache } = await warmCache();
    const fresh = cache.state('s', { fresh: true }); // within the TTL, yet read again
    expect(await settled(fresh)).toBe('pending');
    calls[1].resolve(2);
    expect((await fresh).boardVersion).toBe(2);

    await cache.page('c1|v1', async () => body('v1'), 's|open|public');
    const v2 = cache.page('c1|v2', async () => body('v2'), 's|open|public', { fresh: true });
    expect(text(await v2)).toBe('v2');
  });
});
