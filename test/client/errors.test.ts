// Participant CLI errors: usage (exit 2), unreachable server, and the server's 401/403/404/409/413/422 as one line (exit 1).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle } from '../../core/bundle/open.js';
import { generateSketchDataset } from '../../core/data/generate.js';
import { buildBaselineBundle } from '../../core/train/baseline.js';
import { goodBundle } from '../api/fixtures.js';
import { cli, closedPort, type Harness, startHarness, tokenOf } from './harness.js';

const LIMIT = 256 * 1024;
const UUID = '0b7f9f0e-6a54-4f5e-9d55-7e0c2a5b8a11';
let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startHarness(LIMIT);
  token = tokenOf(
    await cli(['register', 'sketch-demo', '--team', 'Errs', '--member', 'e'], { server: h.url }),
  );
}, 180_000);

afterAll(async () => {
  await h?.close();
});

/** First line of stderr (the error; the usage follows it). */
const first = (err: string) => err.split('\n')[0];

describe('usage errors exit 2 with the reason, then the usage', () => {
  const cases: [string[], string, { token?: string }?][] = [
    [['register'], 'missing SLUG (the competition)'],
    [['register', 'c'], 'missing required option --team'],
    [['register', 'c', '--team', 'T'], 'give at least one --member NAME'],
    [['register', 'c', 'd', '--team', 'T', '--member', 'm'], 'unexpected argument "d"'],
    [
      ['register', 'c', '--team', 'T', '--member', 'm', '--server', 'ftp://h'],
      '--server must be an http:// or https:// URL, got "ftp://h"',
    ],
    [['submit'], 'missing BUNDLE (the bundle zip or folder, or an output.csv, to submit)'],
    [['submit', 'b.zip'], 'missing required option --competition', { token: 't' }],
    [
      ['submit', 'b.zip', '--competition', 'c', '--timeout', 'soon'],
      '--timeout must be an integer, got "soon"',
      { token: 't' },
    ],
    [
      ['submit', 'b.zip', '--competition', 'c'],
      'no team token: pass --token TOKEN or set SKETCHBOARD_TOKEN (`sketchboard register` prints it)',
    ],
    [['leaderboard'], 'missing SLUG (the competition)'],
    [['leaderboard', 'a', 'b'], 'unexpected argument "b"'],
    [['leaderboard', 'a', '--bogus'], "Unknown option '--bogus'"],
    [
      ['finals', 'c', '--select', 'nope'],
      '--select takes a submission id (a UUID), got "nope"',
      { token: 't' },
    ],
    [
      ['finals', 'c', '--select', UUID, '--unselect', UUID],
      `submission ${UUID} is given to both --select and --unselect`,
      { token: 't' },
    ],
    [
      ['finals', 'c'],
      'no team token: pass --token TOKEN or set SKETCHBOARD_TOKEN (`sketchboard register` prints it)',
    ],
  ];
  it.each(cases)('sketchboard %j', async (args, message, env) => {
    const run = await cli(args, env);
    expect(run.code).toBe(2);
    expect(first(run.err)).toContain(`sketchboard ${args[0]}: ${message}`);
    expect(run.err).toContain(`Usage: sketchboard ${args[0]}`);
    expect(run.out).toBe('');
  });
});

describe('an unreachable server', () => {
  it.each([
    [['leaderboard', 'sketch-demo']],
    [['register', 'sketch-demo', '--team', 'T', '--member', 'm']],
    [['finals', 'sketch-demo', '--token', 'sb_x']],
  ])('is named with its URL in one line, exit 1: %j', async (args) => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const run = await cli(args, { server });
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `sketchboard ${args[0]}: cannot reach the Sketchboard server at ${server} (ECONNREFUSED): is it running? ` +
        'Point the CLI at it with --server URL or SKETCHBOARD_SERVER\n',
    );
  });
});

describe("the server's refusals, one line with message, status and code (exit 1)", () => {
  const submit = (file: string, t = token) =>
    cli(['submit', file, '--competition', 'sketch-demo'], { server: h.url, token: t });

  it('401 for an unknown token', async () => {
    const run = await submit(h.baseline, 'sb_not-a-real-token');
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^sketchboard submit: .+ \(HTTP 401 unauthenticated\)\n$/);
    expect(run.err).not.toContain('upload ['); // refused before the upload started
  });

  it("403 for another competition's team", async () => {
    await h.competition('other', 'Other');
    const run = await cli(['submit', h.baseline, '--competition', 'other'], { server: h.url, token });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^sketchboard submit: .+ \(HTTP 403 forbidden\)\n$/);
    expect(run.err).not.toContain('upload [');
  });

  it('404 for an unknown competition', async () => {
    const run = await cli(['leaderboard', 'no-such'], { server: h.url });
    expect(run.code).toBe(1);
    expect(run.err).toBe('sketchboard leaderboard: no competition no-such (HTTP 404 not_found)\n');
  });

  it('409 for a taken team name', async () => {
    const run = await cli(['register', 'sketch-demo', '--team', 'Errs', '--member', 'x'], { server: h.url });
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      'sketchboard register: team name "Errs" is taken in sketch-demo (HTTP 409 conflict)\n',
    );
  });

  it('413 for a bundle over the size limit, refused by the upload plan before any file is sent', async () => {
    // A valid bundle folder plus a file that takes it over the server's limit (the plan counts every file).
    const zipPath = join(h.dir, 'good.zip');
    await writeFile(zipPath, await goodBundle());
    const opened = await openBundle(zipPath, { workDir: h.dir });
    try {
      await writeFile(join(opened.dir, 'padding.bin'), Buffer.alloc(LIMIT + 1));
      const run = await submit(opened.dir);
      expect(run.code).toBe(1);
      expect(run.err).toMatch(
        /^sketchboard submit: the bundle is [\d.]+ KiB; the limit is 256\.0 KiB \(HTTP 413 payload_too_large\)\n/m,
      );
      expect(run.err).not.toMatch(/upload(ing|ed) /i);
    } finally {
      await opened.dispose();
    }
  });

  it('422 for a bundle with the wrong class count: the server message, no submission made', async () => {
    const data = join(h.dir, 'three');
    await generateSketchDataset({
      out: data,
      classes: 3,
      trainPerClass: 4,
      testPerClass: 2,
      size: 32,
      seed: 3,
    });
    const { bundlePath } = await buildBaselineBundle(data, join(h.dir, 'three-bundle'));
    const run = await submit(bundlePath);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'sketchboard submit: the bundle predicts 3 classes; this competition has 10 (HTTP 422 invalid_bundle)\n',
    );
    expect(run.out).toBe('');
    const list = await cli(['finals', 'sketch-demo'], { server: h.url, token });
    expect(list.out).toContain('(no submissions yet)');
  });

  it('a missing bundle file is named before anything is sent', async () => {
    const run = await submit(join(h.dir, 'nope.zip'));
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `sketchboard submit: cannot read ${join(h.dir, 'nope.zip')}: no such file or folder\n`,
    );
  });
});
