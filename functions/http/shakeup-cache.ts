// The shake-up computed once per board version: one cached JSON body shared by the route and the page.
import { ACCURACY_DECIMALS } from '../../core/api/leaderboard.js';
import { type ApiShakeup, shakeupResponse } from '../../core/api/shakeup.js';
import { assertShakeupOpen, type ServiceContext, shakeup } from '../services/index.js';
import type { BlobStore } from '../storage/blob.js';
import { type BoardCache, boardEtag, type CachedBody } from './board-cache.js';
import { shape } from './respond.js';

const round = (x: number) => Number(x.toFixed(ACCURACY_DECIMALS));
const roundInterval = (i: { lo: number; hi: number }) => ({ lo: round(i.lo), hi: round(i.hi) });

/** The services' shake-up as the wire shows it (accuracies and intervals to 4 decimals, rank changes). */
function toJson(s: Awaited<ReturnType<typeof shakeup>>): ApiShakeup {
  return shape(shakeupResponse, {
    ...s,
    rows: s.rows.map((r) => ({
      team: r.team,
      privateRank: r.privateRank,
      publicRank: r.publicRank,
      rankChange: r.publicRank === null ? null : r.publicRank - r.privateRank,
      privateScore: round(r.privateScore),
      interval: r.interval && roundInterval(r.interval),
      vsNext: r.vsNext && {
        difference: round(r.vsNext.difference),
        interval: roundInterval(r.vsNext.interval),
        significant: r.vsNext.significant,
      },
    })),
  });
}

/**
 * The shake-up body of `slug` after the end (`forbidden` / `conflict` before, see assertShakeupOpen): built once
 * per board version (a rescore, a rebuild or a late score raises it) and kept in the board cache.
 *
 * @example
 * const { body, etag } = await cachedShakeup({ services, blobs, boards }, slug, { asHost: isHost(c) });
 */
export async function cachedShakeup(
  deps: { services: ServiceContext; blobs: BlobStore; boards: BoardCache },
  slug: string,
  options: { asHost: boolean; fresh?: boolean },
): Promise<CachedBody & { json(): ApiShakeup }> {
  const state = await deps.boards.state(slug, { fresh: options.fresh });
  assertShakeupOpen(state.phase, options.asHost);
  const key = [state.boardVersion, state.phase, 'shakeup'];
  const cached = await deps.boards.page(`${state.competitionId}|${key.join('|')}`, async () => {
    const json = toJson(await shakeup(deps.services, deps.blobs, slug, { asHost: true }));
    return { body: Buffer.from(JSON.stringify(json)), etag: boardEtag(key) };
  });
  return {
    ...cached,
    json: () => shakeupResponse.parse(JSON.parse(Buffer.from(cached.body).toString('utf8'))),
  };
}
