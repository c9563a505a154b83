// Real scorer processes on PostgreSQL: a worker SIGKILLed mid-job whose job another finishes, one-shot `score`, SIGTERM drain.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { AttemptOutcome } from '../../functions/scorer/attempt.js';
import { makeBundle } from './fixtures.js';
import { fastQueue, type Harness } from './harness.js';
import { useHarness, useScorerSuite } from './suite.js';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));

/** Run `sketchboard <args>` against the harness's database and data folder. */
function cli(
  h: Harness,
  args: string[],
): { proc: ChildProcess; out: () => string; exited: Promise<number | null> } {
  if (h.test.database.kind !== 'postgres') throw new Error('cli needs PostgreSQL');
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: h.test.database.url,
      SKETCHBOARD_HOST_TOKEN: 'host-token-for-scorer-tests',
      SKETCHBOARD_DATA_DIR: h.dataDir,
      SKETCHBOARD_SCORER_CONCURRENCY: '1',
      SKETCHBOARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stdout?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  proc.stderr?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => text, exited };
}

/** Direct children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

const suite = useScorerSuite('recovery', async (root) => ({
  good: await makeBundle(root, 'good', [
    { kind: 'good', seed: 11 },
    { kind: 'good', seed: 12 },
  ]),
}));

describe.skipIf(!process.env.TEST_DATABASE_URL)('scorer processes over postgres', () => {
  const h = useHarness('postgres', suite);

  it('a worker killed mid-job leaves a job that another worker finishes', async () => {
    const a = cli(h, ['scorer']);
    await expect.poll(a.out, { timeout: 30_000 }).toContain('scorer ready');
    await fastQueue(h.queue); // the CLI re-applied the default queue options on start
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    await expect.poll(async () => (await h.row(id)).status, { timeout: 30_000 }).toBe('running');
    await expect.poll(() => childrenOf(a.proc.pid ?? 0).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const runners = childrenOf(a.proc.pid ?? 0);
    a.proc.kill('SIGKILL');
    await a.exited;
    // The orphaned runner notices its parent is gone and exits.
    await expect
      .poll(() => runners.filter((pid) => existsSync(`/proc/${pid}/status`)), { timeout: 30_000 })
      .toEqual([]);
    expect(await h.row(id)).toMatchObject({ status: 'running', attempt: 1 });

    const outcomes: AttemptOutcome[] = [];
    await h.scoreUntilFinal([id], { onOutcome: (o) => outcomes.push(o) });
    const row = await h.row(id);
    expect(row).toMatchObject({ status: 'scored', attempt: 2, outputKey: `outputs/${id}-a2.csv` });
    expect(outcomes.map((o) => o.status)).toEqual(['scored']);
  }, 120_000);

  it('one-shot `sketchboard score --submission ID` scores it; the queued job is then skipped', async () => {
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    const run = cli(h, ['score', '--submission', id]);
    expect(await run.exited, run.out()).toBe(0);
    expect(run.out()).toMatch(/scored, public 0\.\d{4}/);
    expect(await h.row(id)).toMatchObject({ status: 'scored', attempt: 1 });

    const outcomes: AttemptOutcome[] = [];
    const b = await h.startScorer({ options: {}, onOutcome: (o) => outcomes.push(o) });
    await vi.waitFor(() => expect(outcomes).not.toEqual([]), { timeout: 30_000 }).finally(() => b.stop());
    expect(outcomes).toEqual([{ status: 'skipped', submissionId: id }]);
    expect(await h.row(id)).toMatchObject({ status: 'scored', attempt: 1 });
  }, 60_000);

  it('SIGTERM stops claiming and lets the running job finish', async () => {
    const a = cli(h, ['scorer']);
    await expect.poll(a.out, { timeout: 30_000 }).toContain('scorer ready');
    const team = await h.competition();
    const id = await h.trigger(team, await h.upload(team, suite.bundles.good));
    await expect.poll(async () => (await h.row(id)).status, { timeout: 30_000 }).toBe('running');
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.out()).toMatch(/SIGTERM, stopping \(1 job\(s\) running\)/);
    expect(await h.row(id)).toMatchObject({ status: 'scored', attempt: 1 });
  }, 60_000);
});
