// Graceful shutdown of real processes on PostgreSQL: scorer SIGTERM idle, mid-job, past its grace; `serve` draining HTTP.
import { readdir, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleResponse } from '../../core/api/bundles.js';
import { slowBundle } from './bundles.js';
import { type Cluster, openCluster } from './cluster.js';
import { freePort, type Proc, portOpen, runningOn, scoredBy, scoreLogs } from './procs.js';

const PG = process.env.TEST_DATABASE_URL;
const SKIP = PG ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run it)';

/** ~2.5 s a run on two loaded cores: long enough to be stopped mid-way, far inside the default 30 s grace. */
const MID_LAYERS = 800;
/** ~7 s a run: far longer than a 1 s grace. */
const LONG_LAYERS = 2500;

type Row = { status: string; attempt: number; error_is_infra: boolean };

/**
 * Preloaded into the draining `serve` (NODE_OPTIONS): a keep-alive timeout of an hour, so a server that
 * waited out a kept-alive connection would never exit within the test, and a stderr line whenever the
 * server force-closes connections (what its drain grace does when connections linger).
 */
const DRAIN_PROBE = `import http from 'node:http';
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...a) { this.keepAliveTimeout = 3600000; return listen.apply(this, a); };
const closeAll = http.Server.prototype.closeAllConnections;
http.Server.prototype.closeAllConnections = function () { process.stderr.write('[probe] closeAllConnections\\n'); return closeAll.call(this); };`;

/** Bounded wait for a process's exit (the bound is generous: it only keeps a hung process from hanging the suite). */
const exitOf = async (p: Proc) => {
  await vi.waitFor(() => expect(p.done, `${p.name} still running:\n${p.out()}`).toBe(true), {
    timeout: 60_000,
    interval: 100,
  });
  return p.exited;
};

/** Index of the first line of `out` matching `m` (-1 when none): to assert the order of log lines. */
const lineOf = (out: string, m: RegExp | string) =>
  out.split('\n').findIndex((l) => (typeof m === 'string' ? l.includes(m) : m.test(l)));

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
    vi.waitFor(
      async () => {
        const logs = c.scorers.map((s) => `--- ${s.name}\n${s.out()}`).join('\n');
        expect(scoredBy(by.out()), logs).toContain(id);
        expect((await row(id)).status, logs).toBe('scored');
      },
      { timeout: 120_000, interval: 100 },
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

  it('a scorer SIGTERMed while idle exits 0 without waiting out its grace', async () => {
    // A grace of an hour: an idle scorer that waited for it would never reach the exit waited for below.
    const s = await c.startScorer('idle', { SKETCHBOARD_SCORER_STOP_GRACE_SECONDS: '3600' });
    s.signal('SIGTERM');
    expect((await exitOf(s)).code, s.out()).toBe(0);
    const out = s.out();
    const stopping = lineOf(out, /SIGTERM, stopping \(0 job\(s\) running\)/);
    expect(stopping, out).toBeGreaterThanOrEqual(0);
    expect(lineOf(out, /^\[info\] scorer stopped/), out).toBeGreaterThan(stopping);
    expect(scoreLogs(out)).toEqual([]);
    expect(out).not.toMatch(/infra fault|\[error\]/);
  }, 90_000);

  it('a scorer SIGTERMed mid-job stops claiming, finishes the job, exits 0; the next job waits for another scorer', async () => {
    const a = await c.startScorer('finisher');
    const trigger = await slowTeam(MID_LAYERS);
    const first = await trigger();
    const second = await trigger();
    await vi.waitFor(() => expect(runningOn(a.out()), a.out()).toContain(first), { timeout: 60_000 });
    a.signal('SIGTERM');
    expect((await exitOf(a)).code, a.out()).toBe(0);
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
    expect((await exitOf(b)).code, b.out()).toBe(0);
  }, 180_000);

  it('with a grace shorter than the job, the run is killed and the job handed back; another scorer finishes it', async () => {
    const a = await c.startScorer('short-grace', { SKETCHBOARD_SCORER_STOP_GRACE_SECONDS: '1' });
    await c.fastQueue(); // no retry delay for the jobs triggered from now on
    const trigger = await slowTeam(LONG_LAYERS);
    const id = await trigger();
    await vi.waitFor(() => expect(runningOn(a.out()), a.out()).toContain(id), { timeout: 60_000 });
    a.signal('SIGTERM');
    // The run (~7 s) outlasts the 1 s grace: a scorer that waited for it would have logged it `scored`.
    expect((await exitOf(a)).code, a.out()).toBe(0);
    expect(scoreLogs(a.out())).toEqual([{ event: 'scoring', submissionId: id, attempt: 1 }]);
    const out = a.out();
    const fault = `[warn] scoring infra fault {"submissionId":"${id}","attempt":1,"last":false`;
    expect(out).toContain(fault);
    // Stop, then the run killed and the job handed back, then the worker closed.
    const stopping = lineOf(out, /SIGTERM, stopping \(1 job\(s\) running\)/);
    const handedBack = lineOf(out, fault);
    expect(stopping, out).toBeGreaterThanOrEqual(0);
    expect(handedBack, out).toBeGreaterThan(stopping);
    expect(lineOf(out, /^\[info\] scorer stopped/), out).toBeGreaterThan(handedBack);
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
    await expect
      .poll(() => c.jobs([id]), { timeout: 30_000 })
      .toEqual([{ id: job.id, state: 'completed', retry_count: 1 }]);
    b.signal('SIGTERM');
    expect((await exitOf(b)).code, b.out()).toBe(0);
  }, 180_000);

  it('`serve` SIGTERMed stops listening, finishes an upload in flight, closes its kept-alive connection, exits 0', async () => {
    const port = await freePort();
    const api = c.start('api-2', ['serve', '--host', '127.0.0.1'], {
      PORT: String(port),
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(DRAIN_PROBE)}`,
    });
    await expect.poll(api.out, { timeout: 60_000 }).toContain('Sketchboard is running at');
    const { token } = await c.registerTeam(slug, `team-${++team}`);
    const bytes = await slowBundle(3, 1);
    const half = bytes.length >> 1;
    // An upload whose body arrives in two halves, with the SIGTERM in between, on a keep-alive connection
    // (which the server must close once the reply is sent rather than wait out its keep-alive timeout).
    const agent = new Agent({ keepAlive: true });
    let closedByServer = false;
    let finish: (rest: Uint8Array) => void = () => {};
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
      // 'end': the server closed the connection (we never do before agent.destroy() below).
      req.on('socket', (socket) => socket.once('end', () => (closedByServer = true)));
      req.write(bytes.subarray(0, half));
      finish = (rest) => req.end(rest);
    });
    reply.catch(() => {}); // awaited below; a failure before then must not surface as unhandled
    // The first half has reached the server: its upload file in the data folder holds it.
    const tmp = join(c.env.SKETCHBOARD_DATA_DIR, 'tmp');
    const partSizes = async () => {
      const parts = (await readdir(tmp)).filter((f) => f.startsWith('upload-'));
      return Promise.all(parts.map(async (f) => (await stat(join(tmp, f))).size));
    };
    await expect.poll(partSizes, { timeout: 30_000 }).toEqual([half]);
    api.signal('SIGTERM');
    await expect.poll(() => portOpen(port), { timeout: 30_000, message: api.out() }).toBe(false);
    finish(bytes.subarray(half));
    const { status, body } = await reply;
    expect(status, body).toBe(201);
    expect(bundleResponse.parse(JSON.parse(body)).bundle.sizeBytes).toBe(bytes.length);
    // With an hour's keep-alive timeout, the exit shows the drain closed the idle connection itself...
    expect((await exitOf(api)).code, api.out()).toBe(0);
    await vi.waitFor(() => expect(closedByServer, 'the server closed the kept-alive connection').toBe(true));
    // ...and not its grace's force-close of lingering connections.
    expect(api.out()).not.toContain('[probe] closeAllConnections');
    agent.destroy();
    expect(api.out()).toMatch(/SIGTERM: stopping/);
    expect(await portOpen(port)).toBe(false);
  }, 120_000);
});
