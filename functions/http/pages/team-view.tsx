// The team page's markup: members, score chart, finals, and the submissions table with live statuses.

import { standingText } from '../../../core/api/standing.js';
import type {
  CompetitionView,
  ScorePoint,
  SubmissionPage,
  SubmissionView,
  TeamView,
} from '../../services/index.js';
import { ScoreChart } from './chart.js';
import { accuracy, KIND_LABEL, scoreText, when } from './format.js';
import { DisqualifiedNote, Rescored } from './host-marks.js';
import { type HeaderInfo, Layout } from './layout.js';

/** Reload interval of the team page while a submission is queued or running, seconds. */
export const REFRESH_SECONDS = 5;

/** Props of the team page. */
export type TeamPageProps = {
  header: HeaderInfo;
  competition: CompetitionView;
  team: TeamView;
  /** The page of submissions shown (newest first) and the team's total. */
  page: SubmissionPage;
  /** Every scored submission's public score, oldest first: the chart, the best score, the finals count. */
  history: ScorePoint[];
  /** Names of the page's bundles by id. */
  bundles: Map<string, string>;
  /** The message of a refused action (e.g. a final beyond N), shown at the top. */
  notice?: string;
};

/** The team page's address at `offset` (the first page has none). */
export function teamPath(slug: string, offset = 0): string {
  return `/c/${encodeURIComponent(slug)}/team${offset > 0 ? `?offset=${offset}` : ''}`;
}

/** True while scoring is still to come for any of `submissions`. */
export function scoringPending(submissions: SubmissionView[]): boolean {
  return submissions.some((s) => s.status === 'queued' || s.status === 'running');
}

function FinalToggle(props: {
  slug: string;
  s: SubmissionView;
  csrf: string;
  open: boolean;
  offset: number;
}) {
  const { s } = props;
  if (s.status !== 'scored') return <span class="muted">—</span>;
  if (!props.open) return <span>{s.selectedFinal ? 'final' : '—'}</span>;
  return (
    <form method="post" action={`/c/${encodeURIComponent(props.slug)}/team/final`}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="submission" value={s.id} />
      <input type="hidden" name="selected" value={s.selectedFinal ? 'false' : 'true'} />
      {props.offset > 0 && <input type="hidden" name="offset" value={String(props.offset)} />}
      {s.selectedFinal && <span class="badge scored">final</span>}{' '}
      <button
        type="submit"
        class={s.selectedFinal ? 'secondary' : undefined}
        aria-label={`${s.selectedFinal ? 'Unselect' : 'Select'} submission of ${when(s.createdAt)} as final`}
      >
        {s.selectedFinal ? 'Unselect' : 'Select as final'}
      </button>
    </form>
  );
}

function Details(props: { s: SubmissionView }) {
  const { s } = props;
  if (s.status === 'failed' && s.error) {
    return (
      <span>
        <strong>{s.error.code}</strong>: {s.error.message}
        {s.error.infrastructure && ' (our fault: does not count against your daily limit)'}
      </span>
    );
  }
  if (s.memberScores && s.memberScores.length > 1) {
    return (
      <details>
        <summary>{s.memberScores.length} ensemble members</summary>
        <ul>
          {s.memberScores.map((m) => (
            <li>
              {m.member} (<code>{m.model}</code>): {accuracy(m.publicAccuracy)}
              {m.privateAccuracy !== null && ` · private ${accuracy(m.privateAccuracy)}`}
            </li>
          ))}
        </ul>
      </details>
    );
  }
  if (s.status === 'running')
    return (
      <span>
        {standingText(s)} · scoring since {when(s.startedAt)}
      </span>
    );
  if (s.status === 'queued')
    return (
      <span>
        {standingText(s)}
        {s.queue?.estimatedStartAt && ` (about ${when(s.queue.estimatedStartAt)})`}
        {s.attempt > 0 && ` · attempt ${s.attempt + 1}`}
      </span>
    );
  return <span class="muted">—</span>;
}

function SubmissionsTable(props: TeamPageProps) {
  const open = props.competition.phase === 'open';
  return (
    <div class="scroll">
      <table>
        <caption>Submissions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Submitted</th>
            <th scope="col">Bundle</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Public
            </th>
            <th scope="col" class="num">
              Private
            </th>
            <th scope="col">Final</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {props.page.submissions.map((s) => (
            <tr id={`s-${s.id}`}>
              <th scope="row">
                <a href={`/submissions/${s.id}`}>{when(s.createdAt)}</a>
              </th>
              <td class="wrap">
                <span class="badge">{KIND_LABEL[s.kind]}</span>{' '}
                {s.bundleId === null ? 'output.csv' : (props.bundles.get(s.bundleId) ?? s.bundleId)}
              </td>
              <td>
                <span class={`badge ${s.status}`}>{s.status}</span>
              </td>
              <td class="num">
                <Rescored now={s.public} before={s.previousScores?.public} />
              </td>
              <td class="num">
                {s.private ? (
                  <Rescored now={s.private} before={s.previousScores?.private} />
                ) : s.privateHidden ? (
                  'after the end'
                ) : (
                  '—'
                )}
              </td>
              <td>
                <FinalToggle
                  slug={props.competition.slug}
                  s={s}
                  csrf={props.header.csrf}
                  open={open}
                  offset={props.page.offset}
                />
              </td>
              <td class="wrap">
                {s.disqualification && <strong>disqualified: {s.disqualification.reason} </strong>}
                <Details s={s} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Where the page sits (`51-100 of 1,000`) and the Newer / Older links around it. */
function Pager(props: { slug: string; page: SubmissionPage }) {
  const { total, limit, offset, submissions } = props.page;
  const newer = offset > 0 ? Math.max(0, Math.min(offset - limit, total - limit)) : null;
  const older = offset + limit < total ? offset + limit : null;
  if (newer === null && older === null) return null;
  const shown = submissions.length > 0 ? `${offset + 1}–${offset + submissions.length}` : 'none on this page';
  return (
    <nav class="pager" aria-label="Submission pages">
      <span>
        {shown} of {total}
      </span>{' '}
      {newer !== null && (
        <a href={teamPath(props.slug, newer)} rel="prev">
          ← Newer
        </a>
      )}{' '}
      {older !== null && (
        <a href={teamPath(props.slug, older)} rel="next">
          Older →
        </a>
      )}
    </nav>
  );
}

/** The signed-in team's page. Reloads itself every few seconds while scoring runs (no scripts). */
export function TeamPage(props: TeamPageProps) {
  const { competition: c, team, page, history } = props;
  const pending = scoringPending(page.submissions);
  const finals = history.filter((p) => p.selectedFinal).length;
  const best = history.reduce<ScorePoint | null>(
    (b, p) => (b === null || p.public.accuracy > b.public.accuracy ? p : b),
    null,
  );
  return (
    <Layout
      title={`${team.name} · ${c.title}`}
      header={props.header}
      refreshSeconds={pending ? REFRESH_SECONDS : undefined}
    >
      <h1>{team.name}</h1>
      <p>
        in <a href={`/c/${encodeURIComponent(c.slug)}`}>{c.title}</a>{' '}
        <span class={`badge ${c.phase}`}>{c.phase}</span>
      </p>
      <p>Members: {team.members.join(', ')}</p>
      <DisqualifiedNote what="Your team" d={team.disqualification} />
      {props.notice !== undefined && (
        <div class="card error" role="alert">
          {props.notice}
        </div>
      )}
      {pending && (
        <p class="card" role="status">
          Scoring is running; this page refreshes every {REFRESH_SECONDS} seconds.
        </p>
      )}
      <h2>Public score over time</h2>
      <p class="muted">Best public score: {best ? scoreText(best.public) : '—'}</p>
      <ScoreChart points={history.map((p) => ({ at: p.createdAt, accuracy: p.public.accuracy }))} />
      <h2>Finals</h2>
      <p>
        {finals} of {c.finals} selected.{' '}
        {c.phase === 'open'
          ? `The private leaderboard uses the best of your finals; ${
              c.autoFinals
                ? `with none selected, the best of your ${c.finals} best public submissions.`
                : 'with none selected, you are not on it (the host turned automatic finals off).'
            }`
          : c.phase === 'ended'
            ? 'The competition has ended; finals are locked.'
            : 'Finals can be chosen once the competition opens.'}
      </p>
      <h2>Submissions</h2>
      {page.total === 0 ? (
        <p>No submissions yet. Upload a bundle and trigger scoring with the CLI or the API.</p>
      ) : page.submissions.length === 0 ? (
        <p>
          No submissions on this page; the newest are on the <a href={teamPath(c.slug)}>first page</a>.
        </p>
      ) : (
        <SubmissionsTable {...props} />
      )}
      <Pager slug={c.slug} page={page} />
    </Layout>
  );
}
