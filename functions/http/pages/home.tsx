// `GET /`: every competition with its dates, status and team count.
import type { Hono } from 'hono';
import { type CompetitionView, listCompetitions, teamCounts } from '../../services/index.js';
import type { AppEnv } from '../context.js';
import { headerOf, type PageDeps } from './auth.js';
import { day, when } from './format.js';
import { type HeaderInfo, Layout, sendPage } from './layout.js';
import { readSession } from './session.js';

/** Props of the competitions list. */
export type HomeProps = { header: HeaderInfo; competitions: CompetitionView[]; teams: Map<string, number> };

/** The competitions list: a table that scrolls sideways on a phone. */
export function HomePage(props: HomeProps) {
  return (
    <Layout title="Competitions" header={props.header}>
      <h1>Competitions</h1>
      {props.competitions.length === 0 ? (
        <p>No competitions yet. The host creates one with the API (see the API reference at /docs).</p>
      ) : (
        <div class="scroll">
          <table>
            <caption>All competitions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Slug</th>
                <th scope="col">Starts</th>
                <th scope="col">Ends</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Teams
                </th>
              </tr>
            </thead>
            <tbody>
              {props.competitions.map((c) => (
                <tr>
                  <th scope="row" class="wrap">
                    <a href={`/c/${encodeURIComponent(c.slug)}`}>{c.title}</a>
                  </th>
                  <td>
                    <code>{c.slug}</code>
                  </td>
                  <td>
                    <time datetime={c.startsAt.toISOString()} title={when(c.startsAt)}>
                      {day(c.startsAt)}
                    </time>
                  </td>
                  <td>
                    <time datetime={c.endsAt.toISOString()} title={when(c.endsAt)}>
                      {day(c.endsAt)}
                    </time>
                  </td>
                  <td>
                    <span class={`badge ${c.phase}`}>{c.phase}</span>
                  </td>
                  <td class="num">{props.teams.get(c.id) ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted">
        Machine-readable: <a href="/api/competitions">/api/competitions</a> · API reference:{' '}
        <a href="/docs">/docs</a>
      </p>
    </Layout>
  );
}

/** Register `GET /`. */
export function registerHome(web: Hono<AppEnv>, deps: PageDeps): void {
  web.get('/', async (c) => {
    const [session, competitions, teams] = await Promise.all([
      readSession(c, deps.services),
      listCompetitions(deps.services),
      teamCounts(deps.services),
    ]);
    return sendPage(c, <HomePage header={headerOf(session)} competitions={competitions} teams={teams} />);
  });
}
