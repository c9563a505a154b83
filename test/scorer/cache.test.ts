// The prediction cache in real scoring runs: re-submitted and re-voted bundles, corrupt entries, the cache off, what teams see.
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inferenceSummary } from '../../core/api/submissions.js';
import { SubmissionPage } from '../../functions/http/pages/submission.js';
import { type ScorerDeps, scoreAttempt } from '../../functions/scorer/attempt.js';
import type { StartMessage } from '../../functions/scorer/sandbox/protocol.js';
import {
  getBundle,
  getCompetition,
  getSubmission,
  getTeam,
  registerTeam,
} from '../../functions/services/index.js';
import { bundleKey } from '../../functions/storage/blob.js';
import { drivers } from '../helpers/db.js';
import { bundleOf, CLASSES, onnxModel, TEST_PER_CLASS } from './fixtures.js';
import { type Harness, TEST_ENV } from './harness.js';
import { useHarness, useScorerSuite } from './suite.js';

const IMAGES = TEST_PER_CLASS * CLASSES;
const CACHE_ON = { ...TEST_ENV, scorer: { ...TEST_ENV.scorer, predictionCache: true } };

const suite = useScorerSuite('cache', async (root) => {
  const [m1, m2, m3, m9] = await Promise.all([1, 2, 3, 9].map((seed) => onnxModel('good', seed)));
  return {
    trio: await bundleOf(root, 'trio', [m1, m2, m3], 'soft'),
    // Two of trio's models (same bytes, other paths and order) and a new one, voted another way.
    revote: await bundleOf(root, 'revote', [m3, m1, m9], 'hard'),
  };
});

/** Deps that count runner children and keep every start message. */
function counted(h: Harness, cache: boolean) {
  const seen = { spawns: 0, starts: [] as StartMessage[] };
  const deps: ScorerDeps = h.deps({
    env: cache ? CACHE_ON : TEST_ENV,
    hooks: { onSpawn: () => void seen.spawns++, onSend: (m) => void seen.starts.push(m) },
  });
  return { deps, seen };
}

describe.each(drivers())('prediction cache over %s', (driver) => {
  const h = useHarness(driver, suite);
  let team: string;
  beforeAll(async () => {
    team = await h.competition({ dailyLimit: 50 });
  });

  /** Cache on: trio uploaded by the team and scored once, so every trio leaf is cached from then on. */
  async function trioScoredOnce() {
    const { deps, seen } = counted(h, true);
    const bundleId = await h.upload(team, suite.bundles.trio);
    return { deps, seen, bundleId, first: await score(deps, bundleId) };
  }

  async function score(deps: ScorerDeps, bundleId: string) {
    const id = await h.trigger(team, bundleId);
    const out = await scoreAttempt(deps, { submissionId: id, lastAttempt: true });
    expect(out.status, JSON.stringify(out)).toBe('scored');
    return h.row(id);
  }
  const counts = (r: Awaited<ReturnType<Harness['row']>>) => [
    r.publicCorrect,
    r.publicTotal,
    r.privateCorrect,
    r.privateTotal,
  ];

  it('a re-submitted bundle is scored by voting alone: no runner, no bundle, no images inferred, same scores', async () => {
    const bundleId = await h.upload(team, suite.bundles.trio);
    const { deps, seen } = counted(h, true);
    const first = await score(deps, bundleId);
    expect(seen.spawns).toBe(1);
    expect(first.inference).toEqual({
      leaves: ['0', '1', '2'].map((id) => ({ id, model: `m${id}.onnx`, cached: false })),
      inferredImages: IMAGES,
    });
    // Not even the bundle may be fetched: remove it from the blob store.
    const { sha256 } = await getBundle(h.ctx, team, bundleId);
    await h.blobs.delete(bundleKey(sha256));
    const second = await score(deps, bundleId);
    expect(seen.spawns).toBe(1);
    expect(second.inference).toEqual({
      leaves: ['0', '1', '2'].map((id) => ({ id, model: `m${id}.onnx`, cached: true })),
      inferredImages: 0,
    });
    expect(counts(second)).toEqual(counts(first));
    expect(second.memberScores).toEqual(first.memberScores);
    expect(second.runtime?.backend).toBe('onnxruntime');

    // What the team sees: the view (API), the page, the CLI's line.
    const view = await getSubmission(h.ctx, second.id, { kind: 'host' });
    expect(view.inference).toEqual(second.inference);
    expect(inferenceSummary(view.inference!)).toBe('3 of 3 members from cache, no images inferred');
    const html = String(
      await SubmissionPage({
        header: { who: { kind: 'host' }, csrf: 'x' },
        submission: view,
        team: await getTeam(h.ctx, team),
        competition: await getCompetition(h.ctx, (await getTeam(h.ctx, team)).competitionSlug),
        bundle: await getBundle(h.ctx, team, bundleId),
      }).toString(),
    );
    expect(html).toContain('3 of 3 members from cache, no images inferred');
    expect(html.match(/<td>cache<\/td>/g)).toHaveLength(3);
  }, 120_000);

  it('never lends one team’s tables to another: the same model bytes of another team are inferred afresh', async () => {
    // trio is cached for `team` by the test above; another team uploads the very same bundle.
    const slug = (await getTeam(h.ctx, team)).competitionSlug;
    const other = (await registerTeam(h.ctx, slug, { name: 'Team Other', members: ['o'] })).team.id;
    const { deps, seen } = counted(h, true);
    const id = await h.trigger(other, await h.upload(other, suite.bundles.trio));
    const out = await scoreAttempt(deps, { submissionId: id, lastAttempt: true });
    expect(out.status, JSON.stringify(out)).toBe('scored');
    expect(seen.spawns).toBe(1);
    expect((await h.row(id)).inference).toEqual({
      leaves: ['0', '1', '2'].map((leaf) => ({ id: leaf, model: `m${leaf}.onnx`, cached: false })),
      inferredImages: IMAGES,
    });
  }, 120_000);

  it('a re-voted bundle sharing leaves infers only the missing one, and scores as without the cache', async () => {
    const { deps, seen } = counted(h, true);
    await score(deps, await h.upload(team, suite.bundles.trio)); // trio cached (again or already)
    const revoteId = await h.upload(team, suite.bundles.revote);
    const before = seen.starts.length;
    const row = await score(deps, revoteId);
    expect(seen.starts.slice(before).map((s) => s.only)).toEqual([['2']]);
    expect(row.inference).toEqual({
      leaves: [
        { id: '0', model: 'm0.onnx', cached: true },
        { id: '1', model: 'm1.onnx', cached: true },
        { id: '2', model: 'm2.onnx', cached: false },
      ],
      inferredImages: IMAGES,
    });
    expect(inferenceSummary(row.inference!)).toBe(
      `2 of 3 members from cache, 1 inferred over ${IMAGES} images`,
    );
    const plain = await score(counted(h, false).deps, revoteId);
    expect(counts(row)).toEqual(counts(plain));
    expect(row.memberScores).toEqual(plain.memberScores);
  }, 120_000);

  it('a corrupt cache entry is a miss: the leaf is inferred again and the score is right', async () => {
    const { deps, seen, bundleId, first: clean } = await trioScoredOnce();
    const dir = join(h.dataDir, 'blobs', 'predictions');
    const entries = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.bin'));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const f of entries) {
      const buf = await readFile(join(dir, f));
      buf[buf.length - 5] ^= 0x40; // one flipped bit in the table: the checksum must catch it
      await writeFile(join(dir, f), buf);
    }
    const spawns = seen.spawns;
    const again = await score(deps, bundleId);
    expect(seen.spawns).toBe(spawns + 1);
    expect(again.inference?.leaves.every((l) => !l.cached)).toBe(true);
    expect(counts(again)).toEqual(counts(clean));
    expect(again.memberScores).toEqual(clean.memberScores);
  }, 120_000);

  it('a fully cached run reads no image; a run that must infer refuses a missing image as an infra fault', async () => {
    const { deps, seen, bundleId, first } = await trioScoredOnce();
    const image = join(suite.set.testDir, suite.set.items[0].imagePath);
    await rename(image, `${image}.away`);
    try {
      const spawns = seen.spawns;
      const cached = await score(deps, bundleId);
      expect(seen.spawns).toBe(spawns);
      expect(cached.inference?.inferredImages).toBe(0);
      expect(counts(cached)).toEqual(counts(first));
      const id = await h.trigger(team, bundleId);
      const out = await scoreAttempt(counted(h, false).deps, { submissionId: id, lastAttempt: true });
      expect(out.status).toBe('failed');
      expect(out.status === 'failed' && out.failure.isInfra).toBe(true);
      expect(out.status === 'failed' && out.failure.detail).toMatch(/test image missing/);
    } finally {
      await rename(`${image}.away`, image);
    }
  }, 120_000);

  it('with the cache off every leaf is inferred, every time', async () => {
    const { deps, seen } = counted(h, false);
    const bundleId = await h.upload(team, suite.bundles.trio);
    const a = await score(deps, bundleId);
    const b = await score(deps, bundleId);
    expect(seen.spawns).toBe(2);
    for (const r of [a, b]) {
      expect(r.inference?.leaves.map((l) => l.cached)).toEqual([false, false, false]);
      expect(r.inference?.inferredImages).toBe(IMAGES);
    }
    expect(counts(a)).toEqual(counts(b));
  }, 120_000);
});
