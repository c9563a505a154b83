// `GET /submissions/:id` (status, scores, members, runtime stamp) and its `output.csv` download, for its team or the host.

import type { Hono } from 'hono';
import { inferenceSummary } from '../../../core/api/submissions.js';
import {
  type BundleView,
  type CompetitionView,
  getBundle,
  getCompetition,
  getSubmission,
  getTeam,
  type SubmissionView,
  submissionOutputKey,
  type TeamView,
} from '../../services/index.js';
import type { BlobStore } from '../../storage/blob.js';
import type { AppEnv, Principal } from '../context.js';
import { HttpError } from '../errors.js';
import { outputCsvResponse } from '../respond.js';
import { headerOf, type PageDeps } from './auth.js';
import { accuracy, duration, rate, scoreText, when } from './format.js';
import { DisqualifiedNote, RescoredNote } from './host-marks.js';
import { type HeaderInfo, Layout, sendPage } from './layout.js';
import { readSession } from './session.js';
import { REFRESH_SECONDS, scoringPending } from './team-view.js';

/** Props of the submission page. */
export type SubmissionPageProps = {
  header: HeaderInfo;
  submission: SubmissionView;
  team: TeamView;
  competition: CompetitionView;
  /** Null for a prediction-file submission. */
  bundle: BundleView | null;
};

function Runtime(props: { s: SubmissionView }) {
  const { runtime } = props.s;
  if (props.s.kind === 'predictions')
    return <p class="muted">A prediction file: scored on arrival, nothing ran.</p>;
  if (runtime === null) return <p class="muted">Recorded when scoring finishes.</p>;
  return (
    <dl class="card">
      <dt>Backend</dt>
      <dd>{runtime.backend}</dd>
      <dt>Execution provider</dt>
      <dd>{runtime.executionProvider ?? '—'}</dd>
      {Object.entries(runtime.versions).map(([name, version]) => (
        <>
          <dt>{name}</dt>
          <dd>{version}</dd>
        </>
      ))}
      <dt>Bundle sha256</dt>
      <dd>
        <code>{runtime.bundleSha256}</code>
      </dd>
      <dt>Dataset sha256</dt>
      <dd>
        <code>{runtime.datasetSha256}</code>
      </dd>
      <dt>Throughput</dt>
      <dd>{rate(props.s.imagesPerSecond)}</dd>
    </dl>
  );
}

function Members(props: { s: SubmissionView }) {
  const members = props.s.memberScores;
  const { inference } = props.s;
  if (!members || members.length === 0) return null;
  const cached = new Map(inference?.leaves.map((l) => [l.id, l.cached]));
  const source = (id: string) => {
    const hit = cached.get(id);
    return hit === undefined ? '—' : hit ? 'cache' : 'inferred';
  };
  return (
    <>
      <h2>Ensemble members</h2>
      {inference && <p class="inference">{inferenceSummary(inference)}</p>}
      <div class="scroll">
        <table>
          <caption>Each member scored alone</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Model</th>
              <th scope="col" class="num">
                Public
              </th>
              <th scope="col" class="num">
                Private
              </th>
              <th scope="col">Predictions</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr>
                <th scope="row">{m.member}</th>
                <td>
                  <code>{m.model}</code>
                </td>
                <td class="num">{accuracy(m.publicAccuracy)}</td>
                <td class="num">
                  {m.privateAccuracy === null ? 'after the end' : accuracy(m.privateAccuracy)}
                </td>
                <td>{source(m.member)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The submission page. Reloads itself while the submission is queued or running. */
export function SubmissionPage(props: SubmissionPageProps) {
  const { submission: s, team, competition: c, bundle } = props;
  const pending = scoringPending([s]);
  return (
    <Layout
      title={`Submission · ${team.name}`}
      header={props.header}
      refreshSeconds={pending ? REFRESH_SECONDS : undefined}
    >
      <h1>Submission by {team.name}</h1>
      <p>
        <a href={`/c/${encodeURIComponent(c.slug)}`}>{c.title}</a> ·{' '}
        <a href={`/c/${encodeURIComponent(c.slug)}/team`}>team page</a>
      </p>
      <div class="card">
        <dl>
          <dt>Status</dt>
          <dd>
            <span class={`badge ${s.status}`}>{s.status}</span>
            {s.selectedFinal && ' · selected as final'}
          </dd>
          <dt>Public score</dt>
          <dd>
            {scoreText(s.public)}
            {s.previousScores && ` (before the label correction: ${scoreText(s.previousScores.public)})`}
          </dd>
          <dt>Private score</dt>
          <dd>{s.private ? scoreText(s.private) : s.privateHidden ? 'shown after the end' : '—'}</dd>
          <dt>{bundle ? 'Bundle' : 'Kind'}</dt>
          <dd>
            {bundle ? (
              <>
                {bundle.name} (<code>{bundle.sha256.slice(0, 12)}</code>)
              </>
            ) : (
              'prediction file (output.csv)'
            )}
          </dd>
          <dt>Submitted</dt>
          <dd>{when(s.createdAt)}</dd>
          <dt>Scoring time</dt>
          <dd>
            {duration(s.startedAt, s.finishedAt)} (attempt {s.attempt})
          </dd>
          <dt>Output</dt>
          <dd>{s.hasOutput ? <a href={`/submissions/${s.id}/output.csv`}>output.csv</a> : '—'}</dd>
        </dl>
      </div>
      <DisqualifiedNote what="This submission" d={s.disqualification} />
      <RescoredNote s={s} />
      {s.error && (
        <div class="card error" role="alert">
          <strong>{s.error.code}</strong>: {s.error.message}
          {s.error.infrastructure && ' (an infrastructure fault: it does not count against the daily limit)'}
        </div>
      )}
      <Members s={s} />
      <h2>Runtime</h2>
      <Runtime s={s} />
    </Layout>
  );
}

/** The principal of a page that needs the team or the host; 401 (sign-in prompt) for anyone else. */
function signedIn(principal: Principal, what: string): Exclude<Principal, { kind: 'anonymous' }> {
  if (principal.kind === 'anonymous') throw new HttpError('unauthenticated', `sign in to see ${what}`);
  return principal;
}

/** Register the submission page and its output download. */
export function registerSubmissionPage(web: Hono<AppEnv>, deps: PageDeps & { blobs: BlobStore }): void {
  web.get('/submissions/:id', async (c) => {
    const session = await readSession(c, deps.services);
    const viewer = signedIn(session.principal, 'this submission');
    const submission = await getSubmission(deps.services, c.req.param('id'), viewer);
    const team = await getTeam(deps.services, submission.teamId);
    const [competition, bundle] = await Promise.all([
      getCompetition(deps.services, team.competitionSlug),
      submission.bundleId === null ? null : getBundle(deps.services, team.id, submission.bundleId),
    ]);
    return sendPage(
      c,
      <SubmissionPage
        header={headerOf(session)}
        submission={submission}
        team={team}
        competition={competition}
        bundle={bundle}
      />,
    );
  });

  web.get('/submissions/:id/output.csv', async (c) => {
    const { principal } = await readSession(c, deps.services);
    const id = c.req.param('id');
    const key = await submissionOutputKey(deps.services, id, signedIn(principal, 'this output'));
    return outputCsvResponse(deps.blobs, key, id, { page: true });
  });
}
