// Where a submission stands, as shown: `GET /api/submissions/:id`, the team page and the CLI's status line
// (queue position with an estimated start while queued, images done while running), for several teams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standingText } from '../../core/api/standing.js';
import { submissionResponse } from '../../core/api/submissions.js';
import { statusText } from '../../core/cli/submit-flow.js';
import {
  claimSubmission,
  completeSubmission,
  recordProgress,
  registerTeam,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, seedCompetition } from '../helpers/db.js';
import { openWebHarness, page, signIn, type WebHarness } from './harness.js';

let h: WebHarness;
beforeAll(async () => {
  h = await openWebHarness();
});
afterAll(() => h?.close());

async function apiSubmission(id: string, token: string) {
  const res = await h.app.request(`/api/submissions/${id}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return submissionResponse.parse(await res.json()).submission;
}

describe('where a submission stands', () => {
  it('three teams: the API, the team page and the CLI line show each place in line, then progress', async () => {
    const a = await seedCompetition(h.ctx, { dailyLimit: 100 });
    const teams = [{ teamId: a.teamId, bundleId: a.bundleId, token: a.token }];
    for (const name of ['Team B', 'Team C']) {
      const { team, token } = await registerTeam(h.ctx, a.slug, { name, members: ['m'] });
      teams.push({ teamId: team.id, bundleId: await addBundle(h.ctx, team.id), token });
    }
    // One scored run of 2 minutes gives the estimate its median.
    const timed = await triggerSubmission(h.ctx, teams[0]);
    const lease = (await claimSubmission(h.ctx, timed.submission.id))!.leaseToken;
    h.clock.advance(120_000);
    await completeSubmission(h.ctx, timed.submission.id, lease, {
      public: { correct: 10, total: 20 },
      private: { correct: 10, total: 20 },
      runtime: {
        backend: 'onnxruntime',
        versions: {},
        bundleSha256: 'b'.repeat(64),
        datasetSha256: 'a'.repeat(64),
      },
      outputKey: 'outputs/timed.csv',
    });
    const ids: string[] = [];
    for (const team of teams) {
      h.clock.advance(1_000);
      ids.push((await triggerSubmission(h.ctx, team)).submission.id);
    }
    const seen = await Promise.all(ids.map((id, i) => apiSubmission(id, teams[i].token)));
    expect(seen.map((s) => s.queue?.position)).toEqual([1, 2, 3]);
    expect(seen.every((s) => s.progress === null)).toBe(true);
    const third = seen[2];
    expect(third.queue?.estimateSeconds).toBeGreaterThan(0);
    expect(Date.parse(third.queue?.estimatedStartAt ?? '')).toBe(
      h.clock.now().getTime() + (third.queue?.estimateSeconds ?? 0) * 1000,
    );
    // median 120 s × position 3 ÷ 1 (no scorer busy: at least 1) = 6 min
    expect(third.queue?.estimateSeconds).toBe(360);
    expect(statusText(third)).toBe('queued, 3rd in line, starts in about 6 min');

    const cookieC = await signIn(h, teams[2].token);
    expect((await page(h, `/c/${a.slug}/team`, cookieC)).html).toContain('queued, 3rd in line');

    // The first is claimed: the others move up; the running one shows its images done.
    const claim = (await claimSubmission(h.ctx, ids[0]))!;
    await recordProgress(h.ctx, ids[0], claim.leaseToken, 4_200, 10_000);
    const running = await apiSubmission(ids[0], teams[0].token);
    expect(running).toMatchObject({
      status: 'running',
      queue: null,
      progress: { done: 4_200, total: 10_000 },
    });
    expect(statusText(running)).toBe('running, 4,200 / 10,000 images');
    expect((await apiSubmission(ids[2], teams[2].token)).queue?.position).toBe(2);
    expect((await page(h, `/c/${a.slug}/team`, cookieC)).html).toContain('queued, 2nd in line');
    const cookieA = await signIn(h, teams[0].token);
    expect((await page(h, `/c/${a.slug}/team`, cookieA)).html).toContain('running, 4,200 / 10,000 images');
  });

  it('another team cannot read a submission’s standing (404 as if it did not exist)', async () => {
    const a = await seedCompetition(h.ctx);
    const other = await registerTeam(h.ctx, a.slug, { name: 'Other', members: ['o'] });
    const { submission } = await triggerSubmission(h.ctx, a);
    const res = await h.app.request(`/api/submissions/${submission.id}`, {
      headers: { Authorization: `Bearer ${other.token}` },
    });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('position');
  });
});

describe('the status line', () => {
  it('says the place in line, the estimate and the images done as people say them', () => {
    const q = (position: number, estimateSeconds: number | null) =>
      standingText({ status: 'queued', queue: { position, estimateSeconds } });
    expect(q(1, null)).toBe('queued, next in line');
    expect(q(2, 30)).toBe('queued, 2nd in line, starts in under a minute');
    expect(q(3, 130)).toBe('queued, 3rd in line, starts in about 2 min');
    expect(q(11, 4_800)).toBe('queued, 11th in line, starts in about 1 h 20 min');
    expect(q(22, 3_600)).toBe('queued, 22nd in line, starts in about 1 h');
    expect(standingText({ status: 'running', progress: null })).toBe('running');
    expect(standingText({ status: 'scored' })).toBeNull();
  });
});
