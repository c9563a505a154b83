// Cheap repeated board reads: the board state (version + dates) remembered briefly, serialized pages
// remembered per (competition, split, page, format, version), strong ETags and 304s.
import type { Context } from 'hono';
import { type BoardState, boardState, nowOf, type ServiceContext } from '../services/index.js';
import { type CompetitionPhase, phaseOf } from '../services/views.js';

/** How long a board state read from the database is reused: a new score shows within this (plus a read). */
export const BOARD_STATE_TTL_MS = 500;
/**
 * A state or page older than its TTL is served while a fresher one is read or built in the background
 * (stale-while-revalidate inside the process), but never when it is older than this many TTLs: a board
 * nobody read for a while is read afresh, so a change never shows later than about this.
 */
export const BOARD_STALE_TTLS = 4;
/** Serialized pages kept per process (least recently used go first). */
export const BOARD_CACHE_ENTRIES = 2_000;

/** `Cache-Control` of a board anyone may see, and of a personal or host-only view. */
export const PUBLIC_BOARD_CACHE = 'public, max-age=5, stale-while-revalidate=30';
export const PRIVATE_BOARD_CACHE = 'private, no-cache';

/** A state as read (`at`: when), and the background read replacing it, if one runs. */
type StateEntry = { at: number; state: Promise<BoardState>; refreshing?: Promise<void> };

/** The body a page slot last served or built, and when it was last known current. */
type SlotEntry = { key: string; body: CachedBody; at: number };

/** A board state with the phase at the time of the read. */
export type BoardNow = BoardState & { phase: CompetitionPhase };

/** A serialized response: its bytes (encoded once, sent many times) and strong ETag. */
export type CachedBody = { body: Uint8Array<ArrayBuffer>; etag: string };

/**
 * Per-process board cache. `state(slug)` costs a database read at most every {@link BOARD_STATE_TTL_MS} per
 * competition (concurrent callers share it); `page(key, build, slot)` builds a body once per key. Under
 * steady reads neither ever makes a request wait: an expired state is refreshed in the background while
 * the last one is served, and a page whose version just moved is served from the slot's previous body
 * until the new one is built. Waiting happens only on a first read, after `forget`, or after a quiet spell
 * longer than {@link BOARD_STALE_TTLS} TTLs.
 *
 * @example
 * const cache = new BoardCache(services);
 * const state = await cache.state('sketch-demo');
 * const key = `${state.competitionId}|public|0|100|json|${state.boardVersion}`;
 * const { body, etag } = await cache.page(key, build, 'sketch-demo|public|0|100|json|open');
 */
export class BoardCache {
  private readonly states = new Map<string, StateEntry>();
  private readonly bodies = new Map<string, Promise<CachedBody>>();
  private readonly slots = new Map<string, SlotEntry>();

  constructor(
    private readonly services: ServiceContext,
    private readonly ttlMs = BOARD_STATE_TTL_MS,
    private readonly maxEntries = BOARD_CACHE_ENTRIES,
    private readonly readState: typeof boardState = boardState,
  ) {}

  /**
   * The competition's board version and phase (phase from the current time, version at most about a TTL
   * old under steady reads); `fresh` reads the database now (a client's `Cache-Control: no-cache`).
   */
  async state(slug: string, opts: { fresh?: boolean } = {}): Promise<BoardNow> {
    const now = Date.now();
    let entry = this.states.get(slug);
    if (!entry || opts.fresh || now - entry.at > this.ttlMs * BOARD_STALE_TTLS) {
      entry = this.read(slug, now);
    } else if (now - entry.at > this.ttlMs && !entry.refreshing) {
      const stale = entry;
      const fresh = this.read(slug, now, stale);
      stale.refreshing = fresh.state.then(
        () => {},
        () => {
          stale.refreshing = undefined; // an outage: keep serving the last state until it is too old
        },
      );
      entry = stale;
    }
    const state = await entry.state;
    return { ...state, phase: phaseOf(state, nowOf(this.services)) };
  }

  /** Start a state read; it becomes the slug's entry when it succeeds (at once when nothing is kept). */
  private read(slug: string, now: number, replacing?: StateEntry): StateEntry {
    const state = this.readState(this.services, slug);
    const entry: StateEntry = { at: now, state };
    if (!replacing) this.states.set(slug, entry);
    state.then(
      () => {
        if (replacing && this.states.get(slug) === replacing) this.states.set(slug, entry);
      },
      () => {
        if (this.states.get(slug) === entry) this.states.delete(slug); // errors are never remembered
      },
    );
    return entry;
  }

  /**
   * Drops everything remembered of a competition, so the next read sees a change this process just made
   * (closing it, rebuilding its standings) at once; changes made elsewhere show within the TTL.
   */
  forget(slug: string): void {
    this.states.delete(slug);
    for (const slot of this.slots.keys()) if (slot.startsWith(`${slug}|`)) this.slots.delete(slot);
  }

  /**
   * The body for `key`, built once (concurrent requests for a missing key share one build). `slot` names
   * the page apart from its version (it must start with `slug|` and include the phase): while a missing key
   * is built, the slot's previous body (with its own ETag) is served if it was current a moment ago
   * (never when `fresh`).
   */
  page(
    key: string,
    build: () => Promise<CachedBody>,
    slot?: string,
    opts: { fresh?: boolean } = {},
  ): Promise<CachedBody> {
    const now = Date.now();
    const hit = this.bodies.get(key);
    if (hit) {
      this.bodies.delete(key); // refresh its place in the LRU order
      this.bodies.set(key, hit);
      const last = slot === undefined ? undefined : this.slots.get(slot);
      if (last?.key === key) last.at = now;
      return hit;
    }
    const built = build();
    this.bodies.set(key, built);
    built.then(
      (body) => {
        if (slot === undefined || this.bodies.get(key) !== built) return;
        this.slots.delete(slot); // re-inserted last: the slots are bounded like the bodies, oldest first
        this.slots.set(slot, { key, body, at: Date.now() });
        while (this.slots.size > this.maxEntries) {
          const oldest = this.slots.keys().next().value;
          if (oldest === undefined) break;
          this.slots.delete(oldest);
        }
      },
      () => this.bodies.delete(key),
    );
    while (this.bodies.size > this.maxEntries) {
      const oldest = this.bodies.keys().next().value;
      if (oldest === undefined) break;
      this.bodies.delete(oldest);
    }
    const last = slot === undefined ? undefined : this.slots.get(slot);
    if (last && !opts.fresh && now - last.at <= this.ttlMs * BOARD_STALE_TTLS)
      return Promise.resolve(last.body);
    return built;
  }
}

/**
 * True when the request asks caches to revalidate (`Cache-Control: no-cache` or `max-age=0`, or
 * `Pragma: no-cache`): the board cache then reads the state and builds the page as of now.
 *
 * @example
 * const state = await boards.state(slug, { fresh: wantsFresh(c) });
 */
export function wantsFresh(c: Context): boolean {
  const control = c.req.header('cache-control') ?? '';
  return (
    /(^|,)\s*(no-cache|max-age=0)\s*(,|$)/i.test(control) || /no-cache/i.test(c.req.header('pragma') ?? '')
  );
}

/**
 * A strong ETag for a board body: everything that decides its bytes (version, phase, split, page, format,
 * and the viewer for personal pages).
 *
 * @example
 * boardEtag(['v12', 'open', 'public', 0, 100, 'json']); // '"b.v12.open.public.0.100.json"'
 */
export function boardEtag(parts: readonly (string | number)[]): string {
  return `"b.${parts.map((p) => String(p).replace(/[^\w-]/g, '_')).join('.')}"`;
}

/**
 * True when the request's `If-None-Match` names `etag` (or `*`): answer 304 without a body.
 *
 * @example
 * if (notModified(c, etag)) return c.body(null, 304);
 */
export function notModified(c: Context, etag: string): boolean {
  const header = c.req.header('if-none-match');
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}
