// `GET /api/competitions/:slug/shakeup`: after the end, public → private rank with bootstrap intervals per team.
import { slugParams } from '../../../core/api/common.js';
import { shakeupResponse } from '../../../core/api/shakeup.js';
import { notModified, PUBLIC_BOARD_CACHE, wantsFresh } from '../board-cache.js';
import type { RouteDeps } from '../context.js';
import { isHost } from '../middleware/auth.js';
import { cachedShakeup } from '../shakeup-cache.js';
import { type ApiApp, apiRoute, documented, errorResponses, json } from './openapi.js';

export const shakeupRoute = apiRoute('any-or-host', {
  method: 'get',
  path: '/api/competitions/{slug}/shakeup',
  summary: 'The shake-up: public → private rank, private scores with 95% bootstrap intervals',
  description:
    'After the end only (403 before it; 409 for the host, whose private board is not final yet). Per team in ' +
    'private order: public and private rank, the private accuracy with a 95% percentile interval from 1,000 ' +
    'paired bootstrap resamples of the private items (seeded: the same item indices for every team), and ' +
    "whether the team's lead over the next one is significant (the paired difference's interval excludes 0). " +
    'Computed once per board version; a strong `ETag` allows 304s. No labels or per-item results are sent.',
  tags: ['leaderboard'],
  request: { params: slugParams },
  responses: {
    200: { description: 'the shake-up', content: json(shakeupResponse) },
    304: { description: "not modified: the `If-None-Match` ETag is still the board's" },
    ...errorResponses('invalid_argument', 'unauthenticated', 'forbidden', 'not_found', 'conflict'),
  },
});

/** Register the shake-up route. */
export function registerShakeup(app: ApiApp, deps: RouteDeps): void {
  app.openapi(documented(app, shakeupRoute), async (c) => {
    const { slug } = c.req.valid('param');
    const { body, etag } = await cachedShakeup(deps, slug, { asHost: isHost(c), fresh: wantsFresh(c) });
    c.header('Cache-Control', PUBLIC_BOARD_CACHE); // after the end only: the same for everyone
    c.header('ETag', etag);
    c.header('Vary', 'Authorization');
    if (notModified(c, etag)) return c.body(null, 304);
    return c.body(body, 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });
}
