// Scale-out on one machine: PostgreSQL, one API and three scorer processes, 30 submissions from 5 teams, one scorer SIGKILLed mid-job.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { goodBundle } from '../api/fixtures.js';
import { slowBundle } from './bundles.js';
import { type Cluster, openCluster } from './cluster.js';
import { type Proc, runningOn, scoredBy, scoreLogs } from './procs.js';

const PG = process.env.TEST_DATABASE_URL;
const SKIP = PG ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run it)';

const TEAMS = 5;
const PER_TEAM = 6;
/** The last team's bundle is slow (~2 s a run), so a scorer can be killed while one of its runs is surely mid-way. */
const SLOW_LAYERS = 600;

describe.skipIf(!PG)(`scale-out: 1 API + 3 scorer processes on PostgreSQL${SKIP}`, () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await openCluster({ maxActive: PER_TEAM });
    await Promise.all(['scorer-1', 'scorer-2', 'scorer-3'].map((name) => c.startScorer(name)));
    await c.fastQueue();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
  });

  it('scores 30 submissions exactly once each, spread over the scorers, and loses none when a scorer is killed mid-job', async () => {
    const slug = await c.createCompetition('scale-out', PER_TEAM * 2);
    const teams: { token: string; bundleId: string; slow: boolean }[] = [];
    for (let t = 0; t < TEAMS; t++) {
      const { token } = await c.registerTeam(slug, `team-${t}`);
      const slow = t === TEAMS - 1;
      const bytes = slow ? await slowBundle(SLOW_LAYERS, t % 4) : await goodBundle(t % 4);
      teams.push({ token, bundleId: await c.upload(slug, token, bytes), slow });
    }
    // Round robin over the teams, so slow jobs sit all along the queue.
    const subs: { id: string; team: number }[] = [];
    for (let round = 0; round < PER_TEAM; round++) {
      for (const [t, team] of teams.entries()) {
        subs.push({ id: await c.trigger(slug, team.token, team.bundleId), team: t });
      }
    }
    expect(subs).toHaveLength(30);
    const slowIds = new Set(subs.filter((s) => teams[s.team].slow).map((s) => s.id));
    const [s1, s2, s3] = c.scorers;
    const logs = () => c.scorers.map((s) => `--- ${s.name}\n${s.out()}`).join('\n');

    // Every scorer has scored something, then one is killed (with its runner) while it runs a slow job.
    await vi.waitFor(
      () =>
        expect(
          c.scorers.map((s) => scoredBy(s.out()).length > 0),
          logs(),
        ).toEqual([true, true, true]),
      { timeout: 90_000, interval: 100 },
    );
    let victim: Proc | undefined;
    let lostId = '';
    await vi.waitFor(
      () => {
        for (const s of c.scorers) {
          const id = runningOn(s.out()).find((r) => slowIds.has(r));
          if (id) [victim, lostId] = [s, id];
        }
        expect(victim, `a scorer running a slow job\n${logs()}`).toBeDefined();
      },
      { timeout: 90_000, interval: 50 },
    );
    if (!victim) throw new Error('unreachable');
    victim.killGroup('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const [lost] = await c.sql<{ status: string; attempt: number }[]>`
      select status, attempt from submissions where id = ${lostId}`;
    expect(lost, 'the killed job was mid-run').toEqual({ status: 'running', attempt: 1 });

    const ids = subs.map((s) => s.id);
    const scoredCount = async () => {
      const [{ n }] = await c.sql<{ n: number }[]>`
        select count(*)::int as n from submissions where id = any(${ids}::uuid[]) and status = 'scored'`;
      return n;
    };
    await vi.waitFor(async () => expect(await scoredCount(), logs()).toBe(ids.length), {
      timeout: 150_000,
      interval: 250,
    });

    // Exactly once: one `scored` line per submission over all scorers (the killed one's output included).
    // Each line is written just after its row, so wait until every id has one.
    const scoredIds = () => [...new Set(c.scorers.flatMap((s) => scoredBy(s.out())))].sort();
    await vi.waitFor(() => expect(scoredIds(), logs()).toEqual([...ids].sort()), { timeout: 30_000 });
    const scoredLines = c.scorers.flatMap((s) =>
      scoreLogs(s.out())
        .filter((l) => l.event === 'scored')
        .map((l) => ({ ...l, scorer: s.name })),
    );
    expect(scoredLines.map((l) => l.submissionId).sort()).toEqual([...ids].sort());
    const finisher = scoredLines.find((l) => l.submissionId === lostId);
    expect(finisher?.scorer).not.toBe(victim.name);
    expect(finisher?.attempt).toBe(2);
    expect(logs()).not.toMatch(/stale lease|scoring infra fault|bundle failed/);

    // Spread: every scorer, the killed one included, scored at least one.
    const perScorer = [s1, s2, s3].map((s) => scoredBy(s.out()).length);
    expect(
      perScorer.every((n) => n >= 1),
      `scored per scorer: ${perScorer}`,
    ).toBe(true);

    // The database and the queue agree: one attempt each, two for the killed job; every job completed.
    const rows = await c.sql<{ id: string; status: string; attempt: number; output_key: string | null }[]>`
      select id::text, status, attempt, output_key from submissions where id = any(${ids}::uuid[])`;
    for (const r of rows) {
      const attempt = r.id === lostId ? 2 : 1;
      expect(r).toEqual({
        id: r.id,
        status: 'scored',
        attempt,
        output_key: `outputs/${r.id}-a${attempt}.csv`,
      });
    }
    // The workers complete each job right after they record its score.
    const completed = async () => (await c.jobs(ids)).filter((j) => j.state === 'completed').length;
    await expect.poll(completed, { timeout: 30_000 }).toBe(ids.length);
    const jobs = await c.jobs(ids);
    expect(jobs).toHaveLength(30);
    for (const j of jobs) expect(j.state).toBe('completed');
    expect(jobs.map((j) => j.retry_count).sort()).toEqual([...new Array<number>(29).fill(0), 1]);

    // Each team sees its submissions scored through the API; one bundle, one score, whichever scorer ran it.
    const scores = new Map<number, string>();
    for (const s of subs) {
      const view = await c.submission(s.id, teams[s.team].token);
      expect(view).toMatchObject({ status: 'scored', hasOutput: true, error: null });
      const score = JSON.stringify(view.public);
      expect(scores.get(s.team) ?? score).toBe(score);
      scores.set(s.team, score);
    }
    console.info(`scale-out: 30 scored, per scorer ${perScorer.join('/')}, killed ${victim.name} mid-job`);
  }, 240_000);
});
