// `sketchboard submit output.csv` against a real in-process server: scored at once, score and rank printed; a bad file names its lines.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SketchboardClient } from '../../core/client/client.js';
import { cli, type Harness, startHarness, tokenOf } from '../client/harness.js';

const SLUG = 'cli-predictions';
let h: Harness;
let token: string;
/** test_labels.csv of the demo data: ID, image path, true target, in test.csv order. */
let truth: string[][];

/** An output.csv with `target(i, label)` for the i-th test item. */
async function outputCsv(name: string, target: (i: number, label: number) => number): Promise<string> {
  const path = join(h.dir, name);
  const rows = truth.map(([id, imagePath, label], i) => `${id},${imagePath},${target(i, Number(label))}`);
  await writeFile(path, `ID,image_path,target\r\n${rows.join('\r\n')}\r\n`);
  return path;
}

beforeAll(async () => {
  h = await startHarness();
  await h.host.createCompetition({
    slug: SLUG,
    title: 'CLI predictions',
    datasetPath: h.dataDir,
    endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    submissionKinds: ['predictions'],
  });
  const [, ...lines] = (await readFile(join(h.dataDir, 'test_labels.csv'), 'utf8')).trim().split(/\r?\n/);
  truth = lines.map((line) => line.split(','));
  const run = await cli(['register', SLUG, '--team', 'Csv', '--member', 'ann'], { server: h.url });
  token = tokenOf(run);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('sketchboard submit output.csv', () => {
  it('sends the file, prints the public score it got at once and the rank', async () => {
    // Right on the first three quarters of the items, wrong (label + 1) on the rest.
    const cut = Math.floor((truth.length * 3) / 4);
    const path = await outputCsv('output.csv', (i, label) => (i < cut ? label : (label + 1) % 10));
    const run = await cli(['submit', path, '--competition', SLUG], { server: h.url, token });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const id = /submission ([0-9a-f-]{36}) created: scored/.exec(run.out)?.[1];
    expect(id, run.out).toBeDefined();
    const mine = await new SketchboardClient({ server: h.url, token }).submission(id as string);
    expect(mine).toMatchObject({ kind: 'predictions', status: 'scored', bundleId: null });
    const publicScore = mine.public;
    expect(publicScore?.correct).toBeLessThan(publicScore?.total ?? 0);
    expect(run.out).toContain(
      `public accuracy ${publicScore?.accuracy.toFixed(4)} (${publicScore?.correct}/${publicScore?.total})`,
    );
    expect(run.out).toContain('rank 1 of 1 on the public leaderboard as Csv');
    expect(run.out).not.toContain('upload');
  });

  it('exits 1 with the server’s refusal naming the lines at fault', async () => {
    const path = await outputCsv('bad.csv', (i, label) => (i === 1 ? 10 : label));
    const run = await cli(['submit', path, '--competition', SLUG], { server: h.url, token });
    expect(run.code).toBe(1);
    expect(run.err).toContain('line 3: target 10 is outside [0, 10)');
    expect(run.err).toContain('(HTTP 422 invalid_predictions)');
  });

  it('exits 1 when the competition does not take prediction files (HTTP 403)', async () => {
    const register = await cli(['register', 'sketch-demo', '--team', 'Bundles only', '--member', 'cy'], {
      server: h.url,
    });
    const path = await outputCsv('demo.csv', (_, label) => label);
    const run = await cli(['submit', path, '--competition', 'sketch-demo'], {
      server: h.url,
      token: tokenOf(register),
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain('does not take prediction files; it takes bundles (HTTP 403 forbidden)');
  });
});
