// `sketchboard score --next` (what each KEDA Job runs): claims exactly one queued job, scores it, settles it; empty queue: nothing.
import { describe, expect, it } from 'vitest';
import { scoreNext } from '../../functions/cli/score.js';
import { SCORE_DEAD_QUEUE, SCORE_QUEUE } from '../../functions/queue/queue.js';
import { drivers } from '../helpers/db.js';
import { makeBundle } from '../scorer/fixtures.js';
import { useHarness, useScorerSuite } from '../scorer/suite.js';

const suite = useScorerSuite('next', async (root) => ({
  good: await makeBundle(root, 'good', [{ kind: 'good', seed: 4 }]),
  nan: await makeBundle(root, 'nan', [{ kind: 'nan', seed: 1 }]),
  // Recorded but never stored: it must differ from every stored bundle (blobs are content-addressed).
  unstored: await makeBundle(root, 'unstored', [{ kind: 'good', seed: 9 }]),
}));

describe.each(drivers())('score --next over %s', (driver) => {
  const h = useHarness(driver, suite);
  /** pg-boss's state of the job of a submission. */
  const jobState = async (submissionId: string) => {
    const jobs = await h.queue.boss.findJobs(SCORE_QUEUE, { data: { submissionId } });
    expect(jobs).toHaveLength(1);
    return jobs[0].state;
  };

  it('exits with nothing to do when the queue is empty', async () => {
    expect(await scoreNext(h.queue, h.deps())).toEqual({ status: 'empty' });
  });

  it('takes exactly one queued submission per call, oldest first, and completes its job', async () => {
    const team = await h.competition();
    const first = await h.trigger(team, await h.upload(team, suite.bundles.good));
    const second = await h.trigger(team, await h.upload(team, suite.bundles.nan));

    const one = await scoreNext(h.queue, h.deps());
    expect(one).toMatchObject({ status: 'scored', submissionId: first });
    expect(await h.row(first)).toMatchObject({ status: 'scored', attempt: 1 });
    expect(await jobState(first)).toBe('completed');
    // The other submission was left alone for the next Job.
    expect(await h.row(second)).toMatchObject({ status: 'queued' });
    expect(await jobState(second)).toBe('created');

    const two = await scoreNext(h.queue, h.deps());
    expect(two).toMatchObject({ status: 'failed', submissionId: second });
    expect(await h.row(second)).toMatchObject({ status: 'failed', errorCode: 'model_output' });
    expect(await jobState(second)).toBe('completed'); // a bundle fault is final: no retry

    expect(await scoreNext(h.queue, h.deps())).toEqual({ status: 'empty' });
  }, 120_000);

  it('hands an infrastructure fault back to the queue for a retry', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.unstored, { missingBlob: true }));
    const out = await scoreNext(h.queue, h.deps());
    expect(out).toMatchObject({ status: 'retry', submissionId: id });
    expect(await h.row(id)).toMatchObject({ status: 'queued' });
    expect(await jobState(id)).toBe('retry');
    expect((await h.queue.boss.findJobs(SCORE_DEAD_QUEUE, {})).length).toBe(0);
  }, 120_000);
});
