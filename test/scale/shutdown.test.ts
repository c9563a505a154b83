// Graceful shutdown of real processes on PostgreSQL: scorer SIGTERM idle, mid-job, past its grace; `serve` draining HTTP.
import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleResponse } from '../../core/api/bundles.js';
import { slowBundle } from './bundles.js';
import { type Cluster, openCluster } from './cluster.js';
import { freePort, type Proc, portOpen, runningOn, scoredBy, scoreLogs, until } from './procs.js';

const PG = process.env.TEST_DATABASE_URL;
const SKIP = PG ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run it)';

/** ~2.5 s a run on two loaded cores: long enough to be stopped mid-way, far inside the default 30 s grace. */
const MID_LAYERS = 800;
/** ~7 s a run: far longer than a 1 s grace. */
const LONG_LAYERS = 2500;

type Row = { status: string; attempt: number; error_is_infra: boolean };

describe.skipIf(!PG)(`graceful shutdown of scorer and API processes${SKIP}`, () => {
  let c: Cluster;
  let slug: string;
  let team = 0;
  const row = async (id: string): Promise<Row> => {
    const [r] = await c.sql<Row[]>`select status, attempt, error_is_infra from submissions where id = ${id}`;
    return r;
  };
  /** A new team with a slow bundle of `layers`; returns a trigger for it. */
  const slowTeam = async (layers: number) => {
    const { token } = await c.registerTeam(slug, `team-${++team}`);
    const bundleId = await c.upload(slug, token, await slowBundle(layers));
    return () => c.trigger(slug, token, bundleId);
  };
  /** Wait until `by` has scored `id`: the row says so, and so does its log (written just after the row). */
  const waitScored = (id: string, by: Proc) =>
    until(
      `${by.name} scored ${id}`,
      async () => scoredBy(by.out()).includes(id) && (await row(id)).status === 'scored',
      120_000,
      () => c.scorers.map((s) => `--- ${s.name}\n${s.out()}`).join('\n'),
    );

  beforeAll(async () => {
    c = await openCluster({ maxActive: 5 });
    slug = await c.createCompetition('shutdown', 50);
  }, 120_000);
  afterEach(async () => {
    await c?.killScorers();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('a scorer SIGTERMed while idle exits 0 promptly', async () => {
    const s = await c.startScorer('idle');
    const t = Date.now();
    s.signal('SIGTERM');
    expect((await s.exited).code, s.out()).toBe(0);
    const seconds = (Date.now() - t) / 1000;
    expect(s.out()).toMatch(/SIGTERM, stopping \(0 job\(s\) running\)/);
    expect(seconds).toBeLessThan(10);
    console.info(`idle scorer stopped in ${seconds.toFixed(1)} s`);
  }, 90_000);

  it('a scorer SIGTERMed mid-job stops claiming, finishes the job, exits 0; the next job waits for another scorer', async () => {
    const a = await c.startScorer('finisher');
    const trigger = await slowTeam(MID_LAYERS);
    const first = await trigger();
    const second = await trigger();
    await until('first job running on the scorer', () => runningOn(a.out()).includes(first), 60_000, a.out);
    a.signal('SIGTERM');
    expect((await a.exited).code, a.out()).toBe(0);
    expect(a.out()).toMatch(/SIGTERM, stopping \(1 job\(s\) running\)/);
    expect(scoreLogs(a.out())).toEqual([
      { event: 'scoring', submissionId: first, attempt: 1 },
      { event: 'scored', submissionId: first, attempt: 1 },
    ]);
    expect(await row(first)).toEqual({ status: 'scored', attempt: 1, error_is_infra: false });
    expect(await row(second), 'never claimed by the stopping scorer').toEqual({
      status: 'queued',
      attempt: 0,
      error_is_infra: false,
    });

    const b = await c.startScorer('next');
    await waitScored(second, b);
    expect(scoreLogs(b.out()).filter((l) => l.event === 'scored')).toEqual([
      { event: 'scored', submissionId: second, attempt: 1 },
    ]);
    b.signal('SIGTERM');
    expect((await b.exited).code, b.out()).toBe(0);
  }, 180_000);

  it('with a grace shorter than the job, the run is killed and the job handed back; another scorer finishes it', async () => {
    const a = await c.startScorer('short-grace', { SKETCHBOARD_SCORER_STOP_GRACE_SECONDS: '1' });
    await c.fastQueue(); // no retry delay for the jobs triggered from now on
    const trigger = await slowTeam(LONG_LAYERS);
    const id = await trigger();
    await until('job running on the scorer', () => runningOn(a.out()).includes(id), 60_000, a.out);
    const t = Date.now();
    a.signal('SIGTERM');
    expect((await a.exited).code, a.out()).toBe(0);
    const stopSeconds = (Date.now() - t) / 1000;
    expect(stopSeconds, 'grace + handing back + closing').toBeLessThan(15);
    expect(scoreLogs(a.out())).toEqual([{ event: 'scoring', submissionId: id, attempt: 1 }]);
    expect(a.out()).toContain(`[warn] scoring infra fault {"submissionId":"${id}","attempt":1,"last":false`);
    // Handed back: queued again, the infra fault noted (not counted against the team).
    expect(await row(id)).toEqual({ status: 'queued', attempt: 1, error_is_infra: true });
    const [job] = await c.jobs([id]);
    expect(job.state).toMatch(/^(retry|created)$/);

    const b = await c.startScorer('taker');
    await waitScored(id, b);
    expect(scoreLogs(b.out())).toEqual([
      { event: 'scoring', submissionId: id, attempt: 2 },
      { event: 'scored', submissionId: id, attempt: 2 },
    ]);
    expect(await row(id)).toEqual({ status: 'scored', attempt: 2, error_is_infra: false });
    // The worker completes the job right after it records the score.
    await until('job completed', async () => (await c.jobs([id]))[0]?.state === 'completed', 10_000);
    expect(await c.jobs([id])).toEqual([{ id: job.id, state: 'completed', retry_count: 1 }]);
    b.signal('SIGTERM');
    expect((await b.exited).code, b.out()).toBe(0);
    console.info(`scorer with a 1 s grace stopped in ${stopSeconds.toFixed(1)} s mid-job`);
  }, 180_000);

  it('`serve` SIGTERMed stops listening, finishes an upload in flight, exits 0 and frees the port', async () => {
    const port = await freePort();
    const api = c.start('api-2', ['serve', '--host', '127.0.0.1'], { PORT: String(port) });
    await until('second API ready', () => api.out().includes('Sketchboard is running at'), 60_000, api.out);
    const { token } = await c.registerTeam(slug, `team-${++team}`);
    const bytes = await slowBundle(3, 1);
    // An upload whose body arrives in two halves, with the SIGTERM in between, on a keep-alive connection
    // (which the server must close once the reply is sent rather than wait out its keep-alive timeout).
    const agent = new Agent({ keepAlive: true });
    let signalledAt = 0;
    const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          agent,
          method: 'POST',
          path: `/api/competitions/${slug}/bundles`,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/zip',
            'Content-Length': bytes.length,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(bytes.subarray(0, bytes.length >> 1));
      setTimeout(() => {
        api.signal('SIGTERM');
        signalledAt = Date.now();
        until('API stopped listening', async () => !(await portOpen(port)), 15_000, api.out).then(
          () => req.end(bytes.subarray(bytes.length >> 1)),
          reject,
        );
      }, 500);
    });
    const { status, body } = await reply;
    const repliedAt = Date.now();
    expect(status, body).toBe(201);
    expect(bundleResponse.parse(JSON.parse(body)).bundle.sizeBytes).toBe(bytes.length);
    expect((await api.exited).code, api.out()).toBe(0);
    agent.destroy();
    const afterReply = (Date.now() - repliedAt) / 1000;
    expect(api.out()).toMatch(/SIGTERM: stopping/);
    expect(afterReply, 'exit after the last reply (keep-alive timeout is 5 s)').toBeLessThan(3);
    expect(await portOpen(port)).toBe(false);
    console.info(
      `API replied ${((repliedAt - signalledAt) / 1000).toFixed(1)} s after its SIGTERM, exited ${afterReply.toFixed(1)} s later`,
    );
  }, 120_000);
});
