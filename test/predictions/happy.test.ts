// Prediction-file submissions over HTTP, happy path: scored on arrival (hand-computed accuracy), stored, kind on board and pages, no job.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import { submissionResponse, triggerResponse } from '../../core/api/submissions.js';
import { competitions, submissions, testItems } from '../../functions/db/schema.js';
import { SCORE_QUEUE } from '../../functions/queue/queue.js';
import { bearer, type Harness, HOST, zipDir } from '../api/fixtures.js';
import { call, createCompetition, expectError, parse, registerTeam, slug } from '../api/flow.js';
import { signIn } from '../web/harness.js';
import { type PredictionFixture, usePredictionFixture } from './fixture.js';

let f: PredictionFixture;
let h: Harness;
usePredictionFixture((opened) => {
  f = opened;
  h = opened.h;
});

describe('prediction files, happy path', () => {
  it('takes submissionKinds at creation, as JSON and as the multipart comma list, and shows them', async () => {
    const s = await createCompetition(h, { submissionKinds: ['bundle', 'predictions'] });
    const shown = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition;
    expect(shown.submissionKinds).toEqual(['bundle', 'predictions']);
    const plain = parse(
      competitionResponse,
      await call(h, 'GET', `/api/competitions/${await createCompetition(h)}`),
    );
    expect(plain.competition.submissionKinds).toEqual(['bundle']);

    const form = new FormData();
    form.set('slug', slug('form'));
    form.set('title', 'Form');
    form.set('endsAt', '2030-04-01T00:00:00Z');
    form.set('submissionKinds', 'predictions, bundle');
    form.set('dataset', new Blob([await zipDir(h.dataset.dir, 'd')]), 'dataset.zip');
    const created = await call(h, 'POST', '/api/competitions', { headers: HOST, body: form });
    expect(parse(competitionResponse, created).competition.submissionKinds).toEqual([
      'predictions',
      'bundle',
    ]);
    for (const bad of [[], ['bundle', 'bundle'], ['model']]) {
      const reply = await call(h, 'POST', '/api/competitions', {
        headers: HOST,
        json: {
          slug: slug(),
          title: 'x',
          datasetPath: h.dataset.dir,
          endsAt: '2030-04-01T00:00:00Z',
          submissionKinds: bad,
        },
      });
      expect(expectError(reply, 400, 'invalid_argument')).toContain('submissionKinds');
    }
  });

  it('scores a text/csv body at once: hand-computed accuracy, stored output.csv, kind on board and pages, no job', async () => {
    const s = await createCompetition(h, { submissionKinds: ['predictions'] });
    const team = await registerTeam(h, s, 'Csv team');
    const [c] = await h.database.db.select().from(competitions).where(eq(competitions.slug, s));
    const reply = await f.send(s, team.token, f.csvOf(f.halfRight));
    expect(reply.status, reply.text).toBe(201);
    const { submission, created } = parse(triggerResponse, reply);
    expect(created).toBe(true);
    expect(submission).toMatchObject({
      kind: 'predictions',
      bundleId: null,
      status: 'scored',
      private: null,
    });
    expect(reply.res.headers.get('location')).toBe(`/api/submissions/${submission.id}`);

    // By hand: the f.items' labels and splits as the server keeps them.
    const truth = await h.database.db.select().from(testItems).where(eq(testItems.competitionId, c.id));
    const count = (split: string) => {
      const inSplit = truth.filter((t) => t.split === split);
      const correct = inSplit.filter((t) => f.halfRight(t.itemId) === t.label).length;
      return { accuracy: correct / inSplit.length, correct, total: inSplit.length };
    };
    expect(submission.public).toEqual(count('public'));
    expect(submission.public?.correct).toBeLessThan(submission.public?.total ?? 0);
    const asHost = parse(
      submissionResponse,
      await call(h, 'GET', `/api/submissions/${submission.id}`, { headers: HOST }),
    );
    expect(asHost.submission.private).toEqual(count('private'));

    const output = await call(h, 'GET', `/api/submissions/${submission.id}/output.csv`, {
      headers: bearer(team.token),
    });
    expect(output.text.replaceAll('\r\n', '\n')).toBe(f.csvOf(f.halfRight));

    const board = parse(leaderboardResponse, await call(h, 'GET', `/api/competitions/${s}/leaderboard`));
    expect(board.rows).toMatchObject([
      { team: 'Csv team', kind: 'predictions', accuracy: Number(count('public').accuracy.toFixed(4)) },
    ]);
    expect((await call(h, 'GET', `/c/${s}`)).text).toMatch(/<td>CSV<\/td>/);
    const cookie = await signIn(h, team.token);
    const teamPage = await call(h, 'GET', `/c/${s}/team`, { headers: { cookie } });
    expect(teamPage.text).toMatch(/<span class="badge">CSV<\/span> output.csv/);
    const subPage = await call(h, 'GET', `/submissions/${submission.id}`, { headers: { cookie } });
    expect(subPage.text).toContain('prediction file (output.csv)');
    expect(subPage.text).toContain('scored on arrival, nothing ran');
    const final = await call(h, 'PUT', `/api/submissions/${submission.id}/final`, {
      headers: bearer(team.token),
      json: { selected: true },
    });
    expect(parse(submissionResponse, final).submission.selectedFinal).toBe(true);

    const [row] = await h.database.db.select().from(submissions).where(eq(submissions.id, submission.id));
    expect(row).toMatchObject({ jobId: null, leaseToken: null, kind: 'predictions', bundleId: null });
    expect(await h.queue.boss.findJobs(SCORE_QUEUE)).toEqual([]);
    const [after] = await h.database.db.select().from(competitions).where(eq(competitions.id, c.id));
    expect(after.boardVersion).toBeGreaterThan(c.boardVersion);
  });

  it('takes the file as a multipart part; a retry with the same key returns it, another file with that key is a conflict', async () => {
    const s = await createCompetition(h, { submissionKinds: ['bundle', 'predictions'] });
    const team = await registerTeam(h, s);
    const form = () => {
      const body = new FormData();
      body.set('output', new Blob([f.csvOf((id) => h.dataset.labels.get(id) ?? 0)]), 'output.csv');
      return body;
    };
    const first = await f.send(s, team.token, form(), { 'Idempotency-Key': 'k1' });
    expect(first.status, first.text).toBe(201);
    const scored = parse(triggerResponse, first).submission;
    expect(scored.public?.accuracy).toBe(1);
    const again = await f.send(s, team.token, form(), { 'Idempotency-Key': 'k1' });
    expect(again.status).toBe(200);
    expect(parse(triggerResponse, again)).toMatchObject({ created: false, submission: { id: scored.id } });
    expectError(
      await f.send(
        s,
        team.token,
        f.csvOf(() => 1),
        { 'Idempotency-Key': 'k1' },
      ),
      409,
      'conflict',
    );
    const rows = await h.database.db.select().from(submissions).where(eq(submissions.teamId, team.id));
    expect(rows).toHaveLength(1);
    expect(await h.leftovers()).toEqual([]);
  });
});
