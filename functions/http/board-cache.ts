// Cheap repeated board reads: the board state (version + dates) remembered briefly, serialized pages
// remembered per (competition, split, page, format, version), strong ETags and 304s.
import type { Context } from 'hono';
import { type BoardState, boardState, nowOf, type ServiceContext } from '../services/index.js';
import { type CompetitionPhase, phaseOf } from '../services/views.js';

/** How long a board state read from the database is reused: a new score shows within this (plus a read). */
export const BOARD_STATE_TTL_MS = 500;
/** Serialized pages kept per process (least recently used go first). */
export const BOARD_CACHE_ENTRIES = 2_000;

/** `Cache-Control` of a board anyone may see, and of a personal or host-only view. */
export const PUBLIC_BOARD_CACHE = 'public, max-age=5, stale-while-revalidate=30';
export const PRIVATE_BOARD_CACHE = 'private, no-cache';

type StateEntry = { at: number; state: Promise<BoardState> };

/** A board state with the phase at the time of the read. */
export type BoardNow = BoardState & { phase: CompetitionPhase };

/** A serialized response: its bytes (encoded once, sent many times) and strong ETag. */
export type CachedBody = { body: Uint8Array<ArrayBuffer>; etag: string };

/**
 * Per-process board cache. `state(slug)` costs a database read at most every {@link BOARD_STATE_TTL_MS} per
 * competition (concurrent callers share it); `page(key, build)` builds a body once per key.
 *
 * @example
 * const cache = new BoardCache(services);
 * const state = await cache.state('sketch-demo');
 * const { body, etag } = await cache.page(`${state.competitionId}|public|0|100|json|${state.boardVersion}`, build);
 */
export class BoardCache {
  private readonly states = new Map<string, StateEntry>();
  private readonly bodies = new Map<string, Promise<CachedBody>>();

  constructor(
    private readonly services: ServiceContext,
    private readonly ttlMs = BOARD_STATE_TTL_MS,
    private readonly maxEntries = BOARD_CACHE_ENTRIES,
  ) {}

  /** The competition's board version and phase (phase from the current time, version at most ttl old). */
  async state(slug: string): Promise<BoardNow> {
    const now = Date.now();
    let entry = this.states.get(slug);
    if (!entry || now - entry.at > this.ttlMs) {
      const read = boardState(this.services, slug);
      entry = { at: now, state: read };
      this.states.set(slug, entry);
      read.catch(() => this.states.delete(slug)); // errors (unknown slug, outage) are never remembered
    }
    const state = await entry.state;
    return { ...state, phase: phaseOf(state, nowOf(this.services)) };
  }

  /**
   * Drops the remembered state of a competition, so the next read sees a change this process just made
   * (closing it); changes made elsewhere show within the TTL.
   */
  forget(slug: string): void {
    this.states.delete(slug);
  }

  /** The body for `key`, built once (concurrent requests for a missing key share one build). */
  page(key: string, build: () => Promise<CachedBody>): Promise<CachedBody> {
    const hit = this.bodies.get(key);
    if (hit) {
      this.bodies.delete(key); // refresh its place in the LRU order
      this.bodies.set(key, hit);
      return hit;
    }
    const built = build();
    this.bodies.set(key, built);
    built.catch(() => this.bodies.delete(key));
    while (this.bodies.size > this.maxEntries) {
      const oldest = this.bodies.keys().next().value;
      if (oldest === undefined) break;
      this.bodies.delete(oldest);
    }
    return built;
  }
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
