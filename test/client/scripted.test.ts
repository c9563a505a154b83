// The submit flow against a scripted HTTP server: a failed score, a dropped trigger retried with the same key, a timeout.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { goodBundle } from '../api/fixtures.js';
import { cli } from './harness.js';
import { fakeSubmission, json, type Route, requests, scripted, stopScripted } from './scripted-server.js';

afterEach(stopScripted);

const BUNDLE_ID = randomUUID();
const SUB_ID = randomUUID();

const submission = (status: string, extra: Record<string, unknown> = {}) =>
  fakeSubmission(SUB_ID, BUNDLE_ID, status, extra);

/** The pre-upload check of token and competition: the team's (empty) list. */
const listRoute: Route = (_req, res) => json(res, 200, { total: 0, limit: 1, offset: 0, submissions: [] });

/** The upload plan of a server that has every file already: it answers with the bundle (nothing to send). */
const uploadRoute: Route = (_req, res) =>
  json(res, 200, {
    plan: {
      id: randomUUID(),
      sha256: 'a'.repeat(64),
      totalBytes: 5000,
      missingBytes: 0,
      missing: [],
      uploadUrl: '/api/competitions/c/bundles/uploads',
      commitUrl: '/api/competitions/c/bundles/plan/x/commit',
    },
    bundle: {
      id: BUNDLE_ID,
      sha256: 'a'.repeat(64),
      sizeBytes: 5000,
      name: 'b',
      manifest: {},
      createdAt: new Date().toISOString(),
    },
  });

/** A real (tiny) bundle zip: submit digests it locally before it asks for the plan. */
async function zip(): Promise<string> {
  const path = join(tmpdir(), `sb-scripted-${randomUUID()}.zip`);
  await writeFile(path, await goodBundle());
  return path;
}

describe('submit against a scripted server', () => {
  it('prints the scorer reason of a failed submission and exits 1', async () => {
    let polls = 0;
    const url = await scripted({
      'GET /api/competitions/c/submissions': listRoute,
      'POST /api/competitions/c/bundles/plan': uploadRoute,
      'POST /api/competitions/c/submissions': (_q, res) =>
        json(res, 202, { submission: submission('queued'), created: true }),
      [`GET /api/submissions/${SUB_ID}`]: (_q, res) => {
        polls++;
        const failed = {
          code: 'model_output',
          message: 'model cnn/fold0.onnx produced NaN',
          infrastructure: false,
        };
        json(res, 200, {
          submission: polls < 2 ? submission('running') : submission('failed', { error: failed }),
        });
      },
    });
    const run = await cli(['submit', await zip(), '--competition', 'c'], { server: url, token: 't' });
    expect(run.code).toBe(1);
    expect(run.err).toContain(`scoring ${SUB_ID.slice(0, 8)}: running`);
    expect(run.err).toContain(
      `submission ${SUB_ID} failed: model cnn/fold0.onnx produced NaN (model_output)\n`,
    );
    expect(run.out).not.toContain('public accuracy');
  });

  it('retries a trigger whose connection dropped with the same Idempotency-Key', async () => {
    let triggers = 0;
    const url = await scripted({
      'GET /api/competitions/c/submissions': listRoute,
      'POST /api/competitions/c/bundles/plan': uploadRoute,
      'POST /api/competitions/c/submissions': (req, res) => {
        triggers++;
        if (triggers === 1) req.socket.destroy();
        else json(res, 202, { submission: submission('queued'), created: false });
      },
    });
    const run = await cli(['submit', await zip(), '--competition', 'c', '--no-wait'], {
      server: url,
      token: 't',
    });
    expect(run.code).toBe(0);
    const keys = requests
      .filter((r) => r.method === 'POST' && r.url === '/api/competitions/c/submissions')
      .map((r) => r.key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(run.out).toContain(`submission ${SUB_ID} found: queued`);
  }, 20_000);

  it('gives up at --timeout with the last status, exit 1, saying scoring goes on', async () => {
    const url = await scripted({
      'GET /api/competitions/c/submissions': listRoute,
      'POST /api/competitions/c/bundles/plan': uploadRoute,
      'POST /api/competitions/c/submissions': (_q, res) =>
        json(res, 202, { submission: submission('queued'), created: true }),
      [`GET /api/submissions/${SUB_ID}`]: (_q, res) => json(res, 200, { submission: submission('queued') }),
    });
    const run = await cli(['submit', await zip(), '--competition', 'c', '--timeout', '1'], {
      server: url,
      token: 't',
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain('still queued after 1s');
    expect(run.err).toContain(
      `submission ${SUB_ID} is not scored yet (queued); it keeps going on the server`,
    );
    const polls = requests.filter((r) => r.url === `/api/submissions/${SUB_ID}`).length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(4); // 500 ms, then 750 ms: backoff, not a busy loop
  });

  it('names a non-Sketchboard answer instead of crashing on it', async () => {
    const url = await scripted({
      'GET /api/competitions/c/leaderboard': (_q, res) => json(res, 200, { hello: 'world' }),
    });
    const run = await cli(['leaderboard', 'c'], { server: url });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /^sketchboard leaderboard: public leaderboard: the server's answer is not what this client expects \(competition: /,
    );
  });
});
