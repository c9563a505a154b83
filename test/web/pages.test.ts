// Page routes over the real app (app.request): happy paths and error pages.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimSubmission, completeSubmission, triggerSubmission } from '../../functions/services/index.js';
import { addTeam, seedCompetition } from '../helpers/db.js';
import {
  csrfOf,
  failedSubmission,
  HOST_TOKEN,
  openWebHarness,
  page,
  postFinal,
  postForm,
  scoredSubmission,
  signIn,
  type WebHarness,
} from './harness.js';

let h: WebHarness;
let slug: string;
let a: { teamId: string; bundleId: string; token: string };
let b: { teamId: string; bundleId: string; token: string };
let best: string;
let second: string;
let start: Date;
const endsAt = () => new Date(start.getTime() + 7 * 86_400_000);

/** The `<tr>` of the first table row that mentions `text`. */
function rowOf(html: string, text: string): string {
  const row = html.split('<tr').find((r) => r.includes(text));
  if (!row) throw new Error(`no row with ${text}`);
  return row;
}

beforeAll(async () => {
  h = await openWebHarness();
  start = h.clock.now();
  const seed = await seedCompetition(h.ctx, { slug: 'pages-demo', title: 'Pages demo', finals: 1 });
  slug = seed.slug;
  a = seed;
  b = await addTeam(h.ctx, slug, { name: 'Team B', members: ['cy'] });
  const members = [
    { member: 'fold0', model: 'f0.onnx', publicAccuracy: 0.8, privateAccuracy: 0.45 },
    { member: 'fold1', model: 'f1.onnx', publicAccuracy: 0.85, privateAccuracy: 0.4 },
  ];
  best = await scoredSubmission(h.ctx, h.blobs, a, { publicCorrect: 18, privateCorrect: 10, members });
  h.clock.advance(3_600_000);
  await failedSubmission(h.ctx, a, 'model output has 3 columns, expected 4');
  h.clock.advance(3_600_000);
  second = await scoredSubmission(h.ctx, h.blobs, a, { publicCorrect: 17, privateCorrect: 9 });
  await scoredSubmission(h.ctx, h.blobs, b, { publicCorrect: 16, privateCorrect: 14 });
});

afterEach(() => h.clock.set(new Date(start.getTime() + 3 * 3_600_000)));
afterAll(() => h?.close());

describe('pages: happy paths', () => {
  it('/ lists competitions with dates, status and team count', async () => {
    const { status, html } = await page(h, '/');
    expect(status).toBe(200);
    const row = rowOf(html, 'Pages demo');
    expect(row).toContain(`href="/c/${slug}"`);
    expect(row).toContain('<span class="badge open">open</span>');
    expect(row).toContain(endsAt().toISOString().slice(0, 10));
    expect(row).toMatch(/<td class="num">2<\/td>/);
  });

  it('/c/:slug shows the public standings (4 decimals, members, counts) and no private tab while open', async () => {
    const { status, html } = await page(h, `/c/${slug}`);
    expect(status).toBe(200);
    const rowA = rowOf(html, 'Team A');
    expect(rowA).toMatch(/<td class="num">1<\/td>/);
    expect(rowA).toContain('ana, bo');
    expect(rowA).toContain('0.9000');
    expect(rowA).toMatch(/<td class="num">3<\/td>/); // scored, failed (counts), scored
    expect(rowOf(html, 'Team B')).toContain('0.8000');
    expect(html).not.toContain('?split=private');
  });

  it('after the end the private tab shows each team’s public→private rank change', async () => {
    h.clock.set(new Date(endsAt().getTime() + 60_000));
    expect((await page(h, `/c/${slug}`)).html).toContain(`href="/c/${slug}?split=private"`);
    const { status, html } = await page(h, `/c/${slug}?split=private`);
    expect(status).toBe(200);
    const rowB = rowOf(html, 'Team B');
    expect(rowB).toMatch(/<td class="num">1<\/td>/);
    expect(rowB).toContain('▲1');
    expect(rowB).toContain('0.7000');
    const rowA = rowOf(html, 'Team A');
    expect(rowA).toContain('▼1');
    expect(rowA).toContain('0.5000');
  });

  it('the host signs in with the host token through the same form and sees the private tab any time', async () => {
    const cookie = await signIn(h, HOST_TOKEN);
    const { status, html } = await page(h, `/c/${slug}?split=private`, cookie);
    expect(status).toBe(200);
    expect(html).toContain('Signed in as host');
    expect(rowOf(html, 'Team B')).toContain('▲1');
    expect(rowOf(html, 'Team A')).toContain(`href="/submissions/${best}"`);
  });

  it('team page: submissions, failure reason, ensemble members, SVG chart, and the final toggle within N', async () => {
    const cookie = await signIn(h, a.token);
    const before = await page(h, `/c/${slug}/team`, cookie);
    expect(before.status).toBe(200);
    expect(before.html).toContain('model output has 3 columns, expected 4');
    expect(before.html).toContain('2 ensemble members');
    expect(before.html).toContain('fold1 (<code>f1.onnx</code>): 0.8500');
    expect(before.html.match(/<circle /g)).toHaveLength(2);
    expect(before.html).toContain('Best public score: 0.9000 (18/20)');
    expect(before.html).not.toContain('http-equiv="refresh"');

    const csrf = csrfOf(before.html);
    const sel = await postFinal(h, slug, { cookie, csrf }, best, true);
    expect(sel.status).toBe(303);
    expect(sel.headers.get('location')).toBe(`/c/${slug}/team`);
    const after = await page(h, `/c/${slug}/team`, cookie);
    expect(after.html).toContain('1 of 1 selected');
    expect(rowOf(after.html, `/submissions/${best}`)).toContain('Unselect');

    const over = await postFinal(h, slug, { cookie, csrf }, second, true);
    expect(over.status).toBe(409);
    expect(await over.text()).toContain('at most 1 finals; unselect one first');

    const unsel = await postFinal(h, slug, { cookie, csrf }, best, false);
    expect(unsel.status).toBe(303);
    expect((await page(h, `/c/${slug}/team`, cookie)).html).toContain('0 of 1 selected');
  });

  it('statuses update while scoring runs: the page reloads itself until the submission is scored', async () => {
    const cookie = await signIn(h, b.token);
    const { submission } = await triggerSubmission(h.ctx, b);
    const queued = await page(h, `/c/${slug}/team`, cookie);
    expect(queued.html).toContain('<meta http-equiv="refresh" content="5"/>');
    expect(rowOf(queued.html, `/submissions/${submission.id}`)).toContain('badge queued');
    const claim = await claimSubmission(h.ctx, submission.id);
    const running = await page(h, `/submissions/${submission.id}`, cookie);
    expect(running.html).toContain('http-equiv="refresh"');
    expect(running.html).toContain('badge running');
    await completeSubmission(h.ctx, submission.id, claim!.leaseToken, {
      public: { correct: 1, total: 20 },
      private: { correct: 1, total: 20 },
      runtime: { backend: 'cpu', versions: {}, bundleSha256: 'b'.repeat(64), datasetSha256: 'a'.repeat(64) },
      outputKey: 'outputs/none.csv',
    });
    const done = await page(h, `/c/${slug}/team`, cookie);
    expect(done.html).not.toContain('http-equiv="refresh"');
    expect(rowOf(done.html, `/submissions/${submission.id}`)).toContain('badge scored');
  });

  it('submission page: scores, members, runtime stamp, images/s and output.csv; private after the end only', async () => {
    const cookie = await signIn(h, a.token);
    const open = await page(h, `/submissions/${best}`, cookie);
    expect(open.status).toBe(200);
    for (const text of [
      '0.9000 (18/20)',
      'shown after the end',
      'onnxruntime-node',
      '1.30.0',
      'cpu',
      '123.5 images/s',
    ]) {
      expect(open.html).toContain(text);
    }
    expect(open.html).toContain('b'.repeat(64));
    expect(open.html).toContain(`href="/submissions/${best}/output.csv"`);
    expect(open.html).not.toContain('0.5000');
    const csv = await h.app.request(`/submissions/${best}/output.csv`, { headers: { cookie } });
    expect(csv.status).toBe(200);
    expect(await csv.text()).toMatch(/^ID,image_path,target\n/);

    const host = await page(h, `/submissions/${best}`, await signIn(h, HOST_TOKEN));
    expect(host.html).toContain('0.5000 (10/20)');
    h.clock.set(new Date(endsAt().getTime() + 1));
    expect((await page(h, `/submissions/${best}`, cookie)).html).toContain('0.5000 (10/20)');
  });
});

describe('pages: errors', () => {
  it('a bad token is a 401 sign-in page without a session cookie', async () => {
    const res = await postForm(h, '/sign-in', { token: 'sb_not-a-real-token-123', next: `/c/${slug}/team` });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toContain('unknown token');
    expect(html).toContain(`name="next" value="/c/${slug}/team"`);
    expect(html).not.toContain('sb_not-a-real-token-123');
  });

  it('unknown slugs and submissions are 404 pages with the API code', async () => {
    for (const path of ['/c/no-such', '/c/no-such/team', '/c/no-such?split=private']) {
      const { status, html } = await page(h, path);
      expect(status, path).toBe(404);
      expect(html).toContain('<code>not_found</code>');
      expect(html).toContain('no competition no-such');
    }
    const cookie = await signIn(h, a.token);
    expect((await page(h, '/submissions/00000000-0000-4000-8000-000000000000', cookie)).status).toBe(404);
    expect((await page(h, '/submissions/not-a-uuid', cookie)).status).toBe(404);
  });

  it('the private tab before the end is 403 for a team and for anyone', async () => {
    const cookie = await signIn(h, a.token);
    for (const c of [cookie, undefined]) {
      const { status, html } = await page(h, `/c/${slug}?split=private`, c);
      expect(status).toBe(403);
      expect(html).toContain('the private leaderboard opens when the competition ends');
    }
    expect((await page(h, `/c/${slug}?split=both`)).status).toBe(400);
  });

  it('signed-out team and submission pages ask to sign in (401), returning to the page', async () => {
    const team = await page(h, `/c/${slug}/team`);
    expect(team.status).toBe(401);
    expect(team.html).toContain('action="/sign-in"');
    expect(team.html).toContain(`name="next" value="/c/${slug}/team"`);
    expect((await page(h, `/submissions/${best}`)).status).toBe(401);
    expect((await h.app.request(`/submissions/${best}/output.csv`)).status).toBe(401);
  });

  it('after the end finals are locked: no toggles, and a posted toggle gets the service’s message', async () => {
    const cookie = await signIn(h, a.token);
    const csrf = csrfOf((await page(h, `/c/${slug}/team`, cookie)).html);
    h.clock.set(new Date(endsAt().getTime() + 1));
    const { html } = await page(h, `/c/${slug}/team`, cookie);
    expect(html).toContain('finals are locked');
    expect(html).not.toContain('Select as final');
    const res = await postFinal(h, slug, { cookie, csrf }, second, true);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('finals can only be changed before the end');
  });
});
