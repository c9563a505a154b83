// Prediction-file submissions over HTTP: scored on arrival (hand-computed accuracy, board kind, no job), and every refusal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import { submissionResponse, triggerResponse } from '../../core/api/submissions.js';
import { competitions, submissions, testItems } from '../../functions/db/schema.js';
import { SCORE_QUEUE } from '../../functions/queue/queue.js';
import { bearer, CLASSES, type Harness, HOST, openHarness, zipDir } from '../api/fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  parse,
  registerTeam,
  slug,
  trigger,
  uploadGood,
} from '../api/flow.js';
import { expectNothingChanges } from '../api/state.js';
import { signIn } from '../web/harness.js';

let h: Harness;
/** test.csv's items in order: ID and image path. */
let items: { id: string; path: string }[];

/** output.csv predicting `target(id)` for every test item, in test.csv order. */
function csvOf(target: (id: string) => number, rows = items): string {
  return `ID,image_path,target\n${rows.map((r) => `${r.id},${r.path},${target(r.id)}`).join('\n')}\n`;
}

/** Right on every other item (by position), class 0 elsewhere. */
const halfRight = (id: string) =>
  items.findIndex((r) => r.id === id) % 2 === 0 ? (h.dataset.labels.get(id) ?? 0) : 0;

function send(s: string, token: string, body: string | FormData, headers: Record<string, string> = {}) {
  const type: Record<string, string> = typeof body === 'string' ? { 'Content-Type': 'text/csv' } : {};
  return call(h, 'POST', `/api/competitions/${s}/submissions`, {
    headers: { ...bearer(token), ...type, ...headers },
    body,
  });
}

beforeAll(async () => {
  h = await openHarness('pglite');
  const [, ...lines] = (await readFile(join(h.dataset.dir, 'test.csv'), 'utf8')).trim().split('\n');
  items = lines.map((line) => {
    const [id, path] = line.split(',');
    return { id, path };
  });
});
afterAll(() => h?.close());

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
    const reply = await send(s, team.token, csvOf(halfRight));
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

    // By hand: the items' labels and splits as the server keeps them.
    const truth = await h.database.db.select().from(testItems).where(eq(testItems.competitionId, c.id));
    const count = (split: string) => {
      const inSplit = truth.filter((t) => t.split === split);
      const correct = inSplit.filter((t) => halfRight(t.itemId) === t.label).length;
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
    expect(output.text.replaceAll('\r\n', '\n')).toBe(csvOf(halfRight));

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
      const f = new FormData();
      f.set('output', new Blob([csvOf((id) => h.dataset.labels.get(id) ?? 0)]), 'output.csv');
      return f;
    };
    const first = await send(s, team.token, form(), { 'Idempotency-Key': 'k1' });
    expect(first.status, first.text).toBe(201);
    const scored = parse(triggerResponse, first).submission;
    expect(scored.public?.accuracy).toBe(1);
    const again = await send(s, team.token, form(), { 'Idempotency-Key': 'k1' });
    expect(again.status).toBe(200);
    expect(parse(triggerResponse, again)).toMatchObject({ created: false, submission: { id: scored.id } });
    expectError(
      await send(
        s,
        team.token,
        csvOf(() => 1),
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

describe('prediction files, refusals (nothing changes)', () => {
  let s: string;
  let team: { id: string; token: string };
  const guard = expectNothingChanges(() => h);

  beforeAll(async () => {
    s = await createCompetition(h, { submissionKinds: ['predictions'], dailyLimit: 1 });
    team = await registerTeam(h, s);
  });

  it('403 when the competition does not take prediction files, and for bundles when it takes only those', async () => {
    const bundles = await createCompetition(h);
    const other = await registerTeam(h, bundles);
    const bundleId = await uploadGood(h, bundles, other.token);
    await guard.rebase();
    expect(expectError(await send(bundles, other.token, csvOf(halfRight)), 403, 'forbidden')).toMatch(
      /does not take prediction files; it takes bundles/,
    );
    const only = await createCompetition(h, { submissionKinds: ['predictions'] });
    const mine = await registerTeam(h, only);
    await guard.rebase();
    expect(expectError(await trigger(h, only, mine.token, bundleId), 403, 'forbidden')).toMatch(
      /does not take bundles/,
    );
  });

  it('401 without a token, 403 with another competition’s team or the host', async () => {
    const reply = await call(h, 'POST', `/api/competitions/${s}/submissions`, {
      headers: { 'Content-Type': 'text/csv' },
      body: csvOf(halfRight),
    });
    expectError(reply, 401, 'unauthenticated');
    const elsewhere = await registerTeam(h, await createCompetition(h, { submissionKinds: ['predictions'] }));
    await guard.rebase();
    expectError(await send(s, elsewhere.token, csvOf(halfRight)), 403, 'forbidden');
    expectError(await send(s, HOST.Authorization.slice(7), csvOf(halfRight)), 403, 'forbidden');
  });

  it('422 naming the lines at fault, an empty body, a body that is not UTF-8; 415 for another type', async () => {
    const bad = csvOf(halfRight).replace(`${items[2].id},${items[2].path},`, `${items[2].id},wrong.png,`);
    expect(expectError(await send(s, team.token, bad), 422, 'invalid_predictions')).toMatch(
      new RegExp(`line 4: image_path "wrong.png" of ID "${items[2].id}"`),
    );
    const missing = csvOf(halfRight, items.slice(1));
    expect(expectError(await send(s, team.token, missing), 422, 'invalid_predictions')).toContain(
      `1 test ID(s) missing: "${items[0].id}"`,
    );
    expect(expectError(await send(s, team.token, ''), 422, 'invalid_predictions')).toMatch(/empty/);
    const latin1 = new Uint8Array([...Buffer.from('ID,image_path,target\n'), 0xff, 0xfe, 0x0a]);
    const reply = await call(h, 'POST', `/api/competitions/${s}/submissions`, {
      headers: { ...bearer(team.token), 'Content-Type': 'text/csv' },
      body: latin1,
    });
    expect(expectError(reply, 422, 'invalid_predictions')).toMatch(/not UTF-8/);
    expectError(
      await send(s, team.token, csvOf(halfRight), { 'Content-Type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });

  it('413 for a file larger than the test set can need, raw (declared or chunked) or multipart', async () => {
    const huge = `${csvOf(halfRight)}${'x'.repeat(200 * 1024)}`;
    expectError(await send(s, team.token, huge), 413, 'payload_too_large');
    const stream = new Blob([huge]).stream();
    const chunked = await h.app.request(`/api/competitions/${s}/submissions`, {
      method: 'POST',
      headers: { ...bearer(team.token), 'Content-Type': 'text/csv' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const form = new FormData();
    form.set('output', new Blob([huge]), 'output.csv');
    expectError(await send(s, team.token, form), 413, 'payload_too_large');
    expect(await h.leftovers()).toEqual([]);
  });

  it('429 at the daily limit, 409 once the competition is closed', async () => {
    const first = await send(s, team.token, csvOf(halfRight));
    expect(first.status, first.text).toBe(201);
    await guard.rebase();
    expect(
      expectError(
        await send(
          s,
          team.token,
          csvOf(() => 0),
        ),
        429,
        'limit_exceeded',
      ),
    ).toMatch(/daily limit of 1/);
    h.clock.advance(86_400_000); // a new UTC day: the limit no longer stops it, the end does
    expect((await call(h, 'POST', `/api/competitions/${s}/close`, { headers: HOST })).status).toBe(200);
    await guard.rebase();
    expect(
      expectError(
        await send(
          s,
          team.token,
          csvOf(() => 0),
        ),
        409,
        'competition_closed',
      ),
    ).toMatch(/is over/);
    const rows = await h.database.db
      .select()
      .from(submissions)
      .where(and(eq(submissions.teamId, team.id), eq(submissions.kind, 'predictions')));
    expect(rows).toHaveLength(1);
  });
});

describe('prediction files and classes', () => {
  it(`refuses a target of ${CLASSES} (the competition has ${CLASSES} classes)`, async () => {
    const s = await createCompetition(h, { submissionKinds: ['predictions'] });
    const team = await registerTeam(h, s);
    const message = expectError(
      await send(
        s,
        team.token,
        csvOf(() => CLASSES),
      ),
      422,
      'invalid_predictions',
    );
    expect(message).toContain(`line 2: target ${CLASSES} is outside [0, ${CLASSES})`);
    expect(message).toMatch(/and \d+ more line\(s\) at fault/);
  });
});
