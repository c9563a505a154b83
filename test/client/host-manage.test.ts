// `sketchboard host create|update|close|reopen|disqualify|labels` against a real in-process server (API + scorer).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipIfFolder } from '../../core/client/dataset-upload.js';
import { cli, type Harness, startHarness, tokenOf } from './harness.js';

describe('sketchboard host management against a real server', () => {
  let h: Harness;
  let env: { server: string; hostToken: string };
  let work: string;
  const SLUG = 'cli-hosted';
  beforeAll(async () => {
    h = await startHarness();
    env = { server: h.url, hostToken: h.service.hostToken.token };
    work = await mkdtemp(join(h.dir, 'host-'));
  }, 120_000);
  afterAll(() => h?.close());

  const host = (args: string[]) => cli(['host', ...args], env);
  const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

  it('creates from a folder (zipped client-side) and from a zip; update sets markdown and limits', async () => {
    const created = await host([
      'create',
      h.dataDir,
      '--slug',
      SLUG,
      '--title',
      'CLI hosted',
      '--ends-at',
      future(3),
    ]);
    expect(created.err).toBe('');
    expect(created.out).toMatch(
      /^created cli-hosted: 10 classes, \d+ public \/ \d+ private test images, open until /,
    );
    const { zip, cleanup } = await zipIfFolder(h.dataDir);
    try {
      const fromZip = await host([
        'create',
        zip,
        '--slug',
        'cli-zipped',
        '--title',
        'Zipped',
        '--ends-at',
        future(3),
        '--finals',
        '1',
      ]);
      expect(fromZip.code, fromZip.err).toBe(0);
      expect((await h.host.competition('cli-zipped')).finals).toBe(1);
    } finally {
      await cleanup();
    }
    const description = join(work, 'overview.md');
    await writeFile(description, '# Welcome\n\nSketch **well**.');
    const updated = await host([
      'update',
      SLUG,
      '--description-file',
      description,
      '--daily-limit',
      '7',
      '--title',
      'Renamed',
    ]);
    expect(updated.out).toBe(
      `updated ${SLUG} (title, description, dailyLimit): open until ${(await h.host.competition(SLUG)).endsAt}, 7 a day, 2 finals\n`,
    );
    expect(await h.host.competition(SLUG)).toMatchObject({
      title: 'Renamed',
      description: '# Welcome\n\nSketch **well**.',
      dailyLimit: 7,
    });
    const nothing = await host(['update', SLUG]);
    expect([nothing.code, nothing.err]).toEqual([2, expect.stringMatching(/nothing to update/)]);
    const refused = await host(['update', SLUG, '--daily-limit', '0']);
    expect(refused.code).toBe(2);
    expect(await h.host.competition(SLUG)).toMatchObject({ autoFinals: true });
    const off = await host(['update', SLUG, '--auto-finals', 'off']);
    expect(off.out).toMatch(/\(autoFinals\)/);
    expect(await h.host.competition(SLUG)).toMatchObject({ autoFinals: false });
    const bad = await host(['update', SLUG, '--auto-finals', 'maybe']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--auto-finals: on or off/)]);
  }, 120_000);

  it('disqualifies a team by name and relabels: rescored counts and per-team old → new best', async () => {
    const reg = await cli(['register', SLUG, '--team', 'Sketchers', '--member', 'ann'], { server: h.url });
    const token = tokenOf(reg);
    const submit = await cli(['submit', h.baseline, '--competition', SLUG], { server: h.url, token });
    expect(submit.code, submit.err).toBe(0);
    const before = (await h.host.leaderboard(SLUG, 'public', {}, { fresh: true })).rows[0].accuracy;

    const dq = await host(['disqualify', SLUG, '--team', 'Sketchers', '--reason', 'shared tokens']);
    expect(dq.out).toBe(`disqualified team Sketchers of ${SLUG}: shared tokens\n`);
    expect((await h.host.leaderboard(SLUG, 'public', {}, { fresh: true })).total).toBe(0);
    expect((await host(['disqualify', SLUG, '--team', 'Nobody', '--reason', 'x'])).err).toMatch(
      /no team named "Nobody"/,
    );
    expect((await host(['disqualify', SLUG, '--reason', 'x'])).code).toBe(2);
    const undo = await host(['disqualify', SLUG, '--team', 'Sketchers', '--undo']);
    expect(undo.out).toBe(`requalified team Sketchers of ${SLUG}\n`);

    // Every label becomes class 0: the baseline's public accuracy is then the share of its 0 predictions.
    const [header, ...rows] = (await readFile(join(h.dataDir, 'test_labels.csv'), 'utf8')).trim().split('\n');
    const labels = join(work, 'test_labels.csv');
    await writeFile(labels, `${[header, ...rows.map((r) => r.replace(/,\d+$/, ',0'))].join('\n')}\n`);
    const run = await host(['labels', SLUG, labels]);
    expect(run.code, run.err).toBe(0);
    const [summary, team] = run.out.trimEnd().split('\n');
    expect(summary).toMatch(
      new RegExp(
        `^rescored 1 submission\\(s\\) of ${SLUG} from their stored predictions \\([01] changed\\); board version \\d+$`,
      ),
    );
    const after = (await h.host.leaderboard(SLUG, 'public', {}, { fresh: true })).rows[0].accuracy;
    expect(team).toBe(
      `  Sketchers: best public ${before.toFixed(4)} → ${after.toFixed(4)}, private ${team.split('private ')[1]}`,
    );
  }, 180_000);

  it('closes and reopens; a refused reopen prints the server reason', async () => {
    expect((await host(['close', SLUG])).code).toBe(0);
    const past = await host(['reopen', SLUG, '--ends-at', '2001-01-01T00:00:00Z']);
    expect([past.code, past.err]).toEqual([1, expect.stringMatching(/endsAt must be in the future/)]);
    const ends = future(2);
    const reopened = await host(['reopen', SLUG, '--ends-at', ends]);
    expect(reopened.out).toBe(`reopened ${SLUG}: open until ${ends}\n`);
    expect((await host(['reopen', SLUG])).err).toMatch(/missing required option --ends-at/);
  });
});
