// Scoring attempts against the database (PGlite and PostgreSQL): results, counted and uncounted failures, stale leases, label isolation.
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBundle } from '../../core/bundle/open.js';
import { scoreAligned } from '../../core/metrics/accuracy.js';
import { predictBundle } from '../../core/predict/predictor.js';
import { scoreAttempt } from '../../functions/scorer/attempt.js';
import type { StartMessage } from '../../functions/scorer/sandbox/protocol.js';
import { claimSubmission, loadAnswerKey, triggerSubmission } from '../../functions/services/index.js';
import { drivers } from '../helpers/db.js';
import { makeBundle } from './fixtures.js';
import { useHarness, useScorerSuite } from './suite.js';

const suite = useScorerSuite('attempt', async (root) => ({
  good: await makeBundle(
    root,
    'good',
    [
      { kind: 'good', seed: 4 },
      { kind: 'good', seed: 5 },
    ],
    'soft',
  ),
  nan: await makeBundle(root, 'nan', [{ kind: 'nan', seed: 1 }]),
}));

describe.each(drivers())('scoring attempts over %s', (driver) => {
  const h = useHarness(driver, suite);

  it('a worker scores a submission exactly as predictBundle + the labels say', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    await h.scoreUntilFinal([id]);
    const row = await h.row(id);
    expect(row).toMatchObject({ status: 'scored', attempt: 1, errorCode: null });

    const bundle = await openBundle(suite.bundles.good);
    const direct = await predictBundle(
      bundle,
      suite.set.items.map((i) => join(suite.set.testDir, i.imagePath)),
      { load: { threads: 1 } },
    );
    await bundle.dispose();
    const key = await loadAnswerKey(h.ctx, row.competitionId);
    expect(key.map((k) => k.id)).toEqual(suite.set.items.map((i) => i.id));
    const e = scoreAligned(
      direct.predictions,
      key.map((k) => k.label),
      key.map((k) => k.split),
    );
    expect([row.publicCorrect, row.publicTotal]).toEqual([e.splits.public.correct, e.splits.public.total]);
    expect([row.privateCorrect, row.privateTotal]).toEqual([
      e.splits.private.correct,
      e.splits.private.total,
    ]);
    expect(row.publicAccuracy).toBe(e.splits.public.accuracy);
    expect(row.privateAccuracy).toBe(e.splits.private.accuracy);
    const members = direct.members.map((m) => {
      const s = scoreAligned(
        m.predictions,
        key.map((k) => k.label),
        key.map((k) => k.split),
      );
      return {
        member: m.id,
        model: m.model,
        publicAccuracy: s.splits.public.accuracy,
        privateAccuracy: s.splits.private.accuracy,
      };
    });
    expect(row.memberScores).toEqual(members);
    expect(row.runtime).toMatchObject({
      backend: 'onnxruntime',
      executionProvider: 'onnxruntime:cpu',
      datasetSha256: 'b'.repeat(64),
    });
    expect(row.runtime?.versions['onnxruntime-node']).toMatch(/^\d/);
    expect(row.imagesPerSecond).toBeGreaterThan(0);

    const csv = (await readFile(join(h.dataDir, 'blobs', ...(row.outputKey ?? '').split('/')), 'utf8'))
      .trim()
      .split('\n');
    expect(csv[0]).toBe('ID,image_path,target');
    expect(csv.slice(1)).toEqual(
      suite.set.items.map((it, i) => `${it.id},${it.imagePath},${direct.predictions[i]}`),
    );
  }, 90_000);

  it('bundle failures count against the daily limit; infra faults are retried and do not', async () => {
    const team = await h.competition({ dailyLimit: 2 });
    const bad = await h.trigger(team, await h.upload(team, suite.bundles.nan));
    // A bundle recorded but never stored (content-addressed: it must differ from every stored one).
    const unstored = await makeBundle(suite.root, `unstored-${driver}`, [{ kind: 'good', seed: 9 }]);
    const lost = await h.trigger(team, await h.upload(team, unstored, { missingBlob: true }));
    const outcomes: string[] = [];
    await h.scoreUntilFinal([bad, lost], {
      onOutcome: (o) => outcomes.push(`${o.submissionId === bad ? 'bad' : 'lost'}:${o.status}`),
    });
    const [badRow, lostRow] = [await h.row(bad), await h.row(lost)];
    expect(badRow).toMatchObject({
      status: 'failed',
      errorCode: 'model_output',
      errorIsInfra: false,
      attempt: 1,
    });
    expect(badRow.errorMessage).toMatch(/NaN/);
    expect(lostRow).toMatchObject({ status: 'failed', errorCode: 'infra', errorIsInfra: true, attempt: 3 });
    expect(lostRow.errorMessage).toMatch(/does not count/);
    expect(outcomes.filter((o) => o === 'lost:retry')).toHaveLength(2);
    // 1 counted failure of 2 allowed: one more trigger fits, the next does not.
    const bundleId = await h.upload(team, suite.bundles.good);
    await triggerSubmission(h.ctx, { teamId: team, bundleId });
    await expect(triggerSubmission(h.ctx, { teamId: team, bundleId })).rejects.toMatchObject({
      code: 'limit_exceeded',
    });
  }, 90_000);

  it('a stale attempt’s late write is refused: one result per submission', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    let takeover: Promise<unknown> | undefined;
    const first = await scoreAttempt(
      h.deps({
        hooks: {
          onSpawn: () => {
            takeover = claimSubmission(h.ctx, id, 2);
          },
        },
      }),
      { submissionId: id, attempt: 1, lastAttempt: false },
    );
    expect(await takeover).not.toBeNull();
    expect(first.status).toBe('stale');
    expect(await h.blobs.exists(`outputs/${id}-a1.csv`)).toBe(false);
    expect(await h.row(id)).toMatchObject({ status: 'running', attempt: 2, publicAccuracy: null });
    // The attempt that holds the lease records the one result; the old attempt cannot claim again.
    expect((await scoreAttempt(h.deps(), { submissionId: id, attempt: 2, lastAttempt: false })).status).toBe(
      'skipped',
    );
    expect(await h.row(id)).toMatchObject({ status: 'running', attempt: 2 });
    expect((await scoreAttempt(h.deps(), { submissionId: id, attempt: 3, lastAttempt: false })).status).toBe(
      'scored',
    );
    expect((await scoreAttempt(h.deps(), { submissionId: id, attempt: 1, lastAttempt: false })).status).toBe(
      'skipped',
    );
    expect(await h.row(id)).toMatchObject({
      status: 'scored',
      attempt: 3,
      outputKey: `outputs/${id}-a3.csv`,
    });
  }, 90_000);

  it('a run past the time limit fails readably and counts', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    const out = await scoreAttempt(h.deps({ limits: { timeoutMs: 250 } }), {
      submissionId: id,
      attempt: 1,
      lastAttempt: false,
    });
    expect(out.status).toBe('failed');
    expect(await h.row(id)).toMatchObject({ status: 'failed', errorCode: 'timeout', errorIsInfra: false });
    expect((await h.row(id)).errorMessage).toMatch(/time limit/);
  }, 30_000);

  it('the child sees image paths only: no labels, no split, no secrets', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    process.env.DATABASE_URL ??= 'postgres://user:pw@db.invalid/secret';
    const seen: { environ: string; cmdline: string; sent: StartMessage[] } = {
      environ: '',
      cmdline: '',
      sent: [],
    };
    const out = await scoreAttempt(
      h.deps({
        hooks: {
          onSpawn: (c) => {
            seen.environ = String(readFileSyncSafe(`/proc/${c.pid}/environ`));
            seen.cmdline = String(readFileSyncSafe(`/proc/${c.pid}/cmdline`));
          },
          onSend: (m) => seen.sent.push(m),
        },
      }),
      { submissionId: id, attempt: 1, lastAttempt: false },
    );
    if (process.env.DATABASE_URL?.includes('db.invalid')) delete process.env.DATABASE_URL;
    expect(out.status).toBe('scored');
    expect(seen.environ).not.toMatch(/DATABASE_URL|TOKEN|secret/);
    expect(seen.cmdline).not.toMatch(/label|DATABASE/);
    expect(seen.sent).toHaveLength(1);
    const [start] = seen.sent;
    expect(Object.keys(start).sort()).toEqual(['bundlePath', 'images', 'options', 'resultPath', 'type']);
    expect(start.images).toEqual(suite.set.items.map((i) => join(suite.set.testDir, i.imagePath)));
    expect(new Set(start.images.map((p) => dirname(p)))).toEqual(new Set([suite.set.testDir]));
  }, 30_000);

  it('refuses to run images that sit beside the host’s labels file (infra, not counted)', async () => {
    const leaky = join(suite.root, `leaky-${driver}`);
    await mkdir(leaky, { recursive: true });
    for (const item of suite.set.items)
      await copyFile(join(suite.set.testDir, item.imagePath), join(leaky, item.imagePath));
    await writeFile(join(leaky, 'test_labels.csv'), 'ID,image_path,target\n');
    const team = await h.competition({ datasetDir: leaky });
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    const out = await scoreAttempt(h.deps(), { submissionId: id, attempt: 1, lastAttempt: true });
    expect(out.status).toBe('failed');
    expect(await h.row(id)).toMatchObject({ status: 'failed', errorIsInfra: true });
    expect(out.status === 'failed' && out.failure.detail).toMatch(/labels file/);
  });
});

function readFileSyncSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
