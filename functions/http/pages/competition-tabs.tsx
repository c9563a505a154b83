// The competition page's tabs (Leaderboard, Overview, Data, Rules) and the Overview and Rules pages (the host's markdown, sanitized).
import type { Hono } from 'hono';
import { type CompetitionView, getCompetition } from '../../services/index.js';
import type { AppEnv } from '../context.js';
import { headerOf, type PageDeps } from './auth.js';
import { when } from './format.js';
import { Layout, sendPage } from './layout.js';
import { renderMarkdown } from './markdown.js';
import { readSession } from './session.js';

/** The tabs of a competition, each a page under `/c/:slug`. */
export type CompetitionTab = 'leaderboard' | 'overview' | 'data' | 'rules';

const TABS: [CompetitionTab, string, string][] = [
  ['leaderboard', 'Leaderboard', ''],
  ['overview', 'Overview', '/overview'],
  ['data', 'Data', '/data'],
  ['rules', 'Rules', '/rules'],
];

/**
 * The tab bar of a competition's pages; `current` is marked for screen readers and styled.
 *
 * @example
 * <CompetitionTabs slug={c.slug} current="overview" />
 */
export function CompetitionTabs(props: { slug: string; current: CompetitionTab }) {
  const base = `/c/${encodeURIComponent(props.slug)}`;
  return (
    <nav aria-label="Competition">
      <ul class="tabs">
        {TABS.map(([tab, label, path]) => (
          <li>
            <a href={`${base}${path}`} aria-current={tab === props.current ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Dates and limits every participant needs, on the Overview and Rules tabs. */
export function KeyFacts(props: { c: CompetitionView }) {
  const { c } = props;
  return (
    <dl class="card">
      <dt>Starts</dt>
      <dd>{when(c.startsAt)}</dd>
      <dt>Ends</dt>
      <dd>
        {when(c.endsAt)} <span class={`badge ${c.phase}`}>{c.phase}</span>
      </dd>
      <dt>Submissions</dt>
      <dd>up to {c.dailyLimit} a day (UTC)</dd>
      <dt>Finals</dt>
      <dd>up to {c.finals}; without a selection, your best public submission counts on the private board</dd>
      <dt>Test set</dt>
      <dd>
        {c.classes} classes; {c.testItems.public} public and {c.testItems.private} private images
      </dd>
      {c.rescoredAt && (
        <>
          <dt>Labels corrected</dt>
          <dd>{when(c.rescoredAt)}: every scored submission was rescored</dd>
        </>
      )}
    </dl>
  );
}

/** The host's markdown, already sanitized, or a line saying there is none. */
function Markdown(props: { source: string; none: string }) {
  if (props.source.trim() === '') return <p class="muted">{props.none}</p>;
  return <div class="card markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(props.source) }} />;
}

/** Register `GET /c/:slug/overview` and `GET /c/:slug/rules`. */
export function registerCompetitionTabs(web: Hono<AppEnv>, deps: PageDeps): void {
  for (const tab of ['overview', 'rules'] as const) {
    web.get(`/c/:slug/${tab}`, async (c) => {
      const [session, competition] = await Promise.all([
        readSession(c, deps.services),
        getCompetition(deps.services, c.req.param('slug')),
      ]);
      return sendPage(
        c,
        <Layout
          title={`${tab === 'overview' ? 'Overview' : 'Rules'} · ${competition.title}`}
          header={headerOf(session)}
        >
          <h1>{competition.title}</h1>
          <CompetitionTabs slug={competition.slug} current={tab} />
          {tab === 'overview' ? (
            <Markdown source={competition.description} none="The host has not written a description yet." />
          ) : (
            <Markdown
              source={competition.rules}
              none="The host has not written rules beyond the limits below."
            />
          )}
          <h2>{tab === 'overview' ? 'Key dates and limits' : 'Limits'}</h2>
          <KeyFacts c={competition} />
        </Layout>,
      );
    });
  }
}
