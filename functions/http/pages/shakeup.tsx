// `GET /c/:slug/shakeup`: after the end, each team's public → private rank, private score with its 95% bootstrap
// interval, and whether its lead over the next team is significant.
import type { Hono } from 'hono';
import type { ApiShakeup } from '../../../core/api/shakeup.js';
import { type CompetitionView, getCompetition } from '../../services/index.js';
import type { BlobStore } from '../../storage/blob.js';
import type { AppEnv } from '../context.js';
import { cachedShakeup } from '../shakeup-cache.js';
import { headerOf, type PageDeps } from './auth.js';
import { accuracy, rankChange } from './format.js';
import { type HeaderInfo, Layout, sendPage } from './layout.js';
import { readSession } from './session.js';

/** Props of the shake-up page. */
export type ShakeupProps = { header: HeaderInfo; competition: CompetitionView; shakeup: ApiShakeup };

/** The page's markup. */
export function ShakeupPage(props: ShakeupProps) {
  const { competition: c, shakeup: s } = props;
  const pct = Math.round(s.level * 100);
  return (
    <Layout title={`Shake-up · ${c.title}`} header={props.header}>
      <h1>{c.title}: shake-up</h1>
      <p>
        <a href={`/c/${encodeURIComponent(c.slug)}?split=private`}>Private leaderboard</a> ·{' '}
        <a href={`/c/${encodeURIComponent(c.slug)}`}>Public leaderboard</a>
      </p>
      <p class="muted">
        Each private score with its {pct}% interval from {s.resamples.toLocaleString('en-US')} paired
        bootstrap resamples of the {s.items.toLocaleString('en-US')} private test items (the same resampled
        items for every team). “Significant” means the interval of the difference to the next team excludes 0.
      </p>
      {s.rows.length === 0 ? (
        <p class="card">No team is on the private leaderboard.</p>
      ) : (
        <div class="scroll">
          <table>
            <caption>Public rank → private rank</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Private
                </th>
                <th scope="col" class="num">
                  Public
                </th>
                <th scope="col">Change</th>
                <th scope="col">Team</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">{pct}% interval</th>
                <th scope="col">Lead over the next</th>
              </tr>
            </thead>
            <tbody>
              {s.rows.map((r) => {
                const change = rankChange(r.publicRank ?? undefined, r.privateRank);
                return (
                  <tr>
                    <td class="num">{r.privateRank}</td>
                    <td class="num">{r.publicRank ?? '—'}</td>
                    <td>
                      <span title={change.text}>{change.symbol}</span>
                    </td>
                    <td class="wrap">{r.team}</td>
                    <td class="num">{accuracy(r.privateScore)}</td>
                    <td>{r.interval ? `${accuracy(r.interval.lo)} – ${accuracy(r.interval.hi)}` : '—'}</td>
                    <td>
                      {r.vsNext
                        ? `${r.vsNext.difference >= 0 ? '+' : ''}${accuracy(r.vsNext.difference)}, ${
                            r.vsNext.significant ? 'significant' : 'not significant'
                          }`
                        : '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/** Register the shake-up page. */
export function registerShakeupPage(web: Hono<AppEnv>, deps: PageDeps & { blobs: BlobStore }): void {
  web.get('/c/:slug/shakeup', async (c) => {
    const slug = c.req.param('slug');
    const session = await readSession(c, deps.services);
    const asHost = session.principal.kind === 'host';
    const cached = await cachedShakeup(deps, slug, { asHost });
    const competition = await getCompetition(deps.services, slug);
    return sendPage(
      c,
      <ShakeupPage header={headerOf(session)} competition={competition} shakeup={cached.json()} />,
    );
  });
}
