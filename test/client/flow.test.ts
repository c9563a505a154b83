// Participant CLI against a real in-process server: register → submit → score → leaderboard → finals, then the end.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SketchboardClient } from '../../core/client/client.js';
import { cli, type Harness, startHarness, tokenOf } from './harness.js';

const SLUG = 'cli-flow';
let h: Harness;
let token: string;
const ids: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  await h.competition(SLUG, 'CLI flow', { dailyLimit: 3, finals: 1 });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('participant CLI, happy path', () => {
  it('registers a team and prints its token once, with the export line', async () => {
    const run = await cli(['register', SLUG, '--team', 'Alpha', '--member', 'ann', '--member', 'bob'], {
      server: h.url,
    });
    expect(run.code).toBe(0);
    token = tokenOf(run);
    expect(token).toMatch(/^sb_/);
    expect(run.out).toContain('registered team "Alpha" (ann, bob)');
    expect(run.out).toContain(`export SKETCHBOARD_TOKEN=${token}`);
    expect(run.out).toContain(`export SKETCHBOARD_SERVER=${h.url}`);
  });

  it('submits the baseline bundle: upload bar, spinner, public score and rank', async () => {
    const run = await cli(['submit', h.baseline, '--competition', SLUG], { server: h.url, token });
    // The plan path sends the files the server lacks (all but the manifest, which rides in the plan request).
    const planned = /the server lacks (\d+) file\(s\), ([\d.]+ [KMG]?i?B) of ([\d.]+ [KMG]?i?B)/.exec(
      run.out,
    );
    expect(Number(planned?.[1])).toBeGreaterThan(0);
    expect(run.err).toContain(`upload [########################] ${planned?.[2]}/${planned?.[2]} 100%`);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/scoring [0-9a-f]{8}: queued/);
    expect(run.err).toMatch(/scoring [0-9a-f]{8}: scored/);
    const id = /submission ([0-9a-f-]{36}) created: queued/.exec(run.out)?.[1];
    expect(id).toBeDefined();
    ids.push(id as string);
    const mine = await new SketchboardClient({ server: h.url, token }).submission(id as string);
    expect(mine.status).toBe('scored');
    expect(run.out).toContain(
      `public accuracy ${mine.public?.accuracy.toFixed(4)} (${mine.public?.correct}/`,
    );
    expect(run.out).toContain('rank 1 of 1 on the public leaderboard as Alpha');
    // Where the members came from: all inferred on a first scoring.
    const leaves = mine.inference?.leaves.length ?? 0;
    expect(leaves).toBeGreaterThan(0);
    expect(run.out).toMatch(
      new RegExp(`\\n0 of ${leaves} members? from cache, ${leaves} inferred over [\\d,]+ images\\n`),
    );
  });

  it('finds its own rank among ties: a second team with the same bundle ranks 2nd (the earlier one wins)', async () => {
    const bravo = tokenOf(
      await cli(['register', SLUG, '--team', 'Bravo', '--member', 'cy'], { server: h.url }),
    );
    const run = await cli(['submit', h.baseline, '--competition', SLUG, '--server', h.url, '--token', bravo]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('rank 2 of 2 on the public leaderboard as Bravo');
  });

  it('submits the same bytes again: the stored bundle is reused, a new submission is scored', async () => {
    const run = await cli(['submit', h.baseline, '--competition', SLUG], { server: h.url, token });
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/bundle [0-9a-f-]{36} already uploaded/);
    ids.push(/submission ([0-9a-f-]{36}) created/.exec(run.out)?.[1] as string);
    expect(new Set(ids).size).toBe(2);
    // The same models again: every member comes from the prediction cache (on by default).
    expect(run.out).toMatch(/\n(\d+) of \1 members? from cache, no images inferred\n/);
  });

  it('prints the leaderboard as an aligned table, and the server CSV with --csv', async () => {
    const run = await cli(['leaderboard', SLUG], { server: h.url });
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${SLUG}: public leaderboard (open)`);
    expect(lines[1]).toMatch(/^rank {2}team {3}members {3}public accuracy {2}entries {2}last submission$/);
    expect(lines[3]).toMatch(
      /^ {3}1 {2}Alpha {2}ann, bob {2}\s+0\.\d{4} {8}2 {2}\d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(lines[4]).toMatch(/^ {3}2 {2}Bravo {2}cy /);
    // Right-aligned numbers end in the same column as their header.
    const accuracyEnd = lines[1].indexOf('public accuracy') + 'public accuracy'.length;
    expect(lines[3].slice(0, accuracyEnd)).toMatch(/0\.\d{4}$/);
    const csv = await cli(['leaderboard', SLUG, '--csv'], { server: h.url });
    const direct = await fetch(`${h.url}/api/competitions/${SLUG}/leaderboard`, {
      headers: { accept: 'text/csv' },
    });
    expect(csv.code).toBe(0);
    expect(csv.out).toBe(await direct.text());
    expect(csv.out.split('\n')[0]).toBe('rank,team,members,accuracy,submissions,last_submission_at');
  });

  it('selects, refuses a second final over the limit (409), swaps, and lists the flags', async () => {
    const [first, second] = ids;
    const sel = await cli(['finals', SLUG, '--select', first], { server: h.url, token });
    expect(sel.code).toBe(0);
    expect(sel.out).toContain(`selected ${first} as final`);
    expect(sel.out).toContain('1 of 1 finals selected (open)');
    const over = await cli(['finals', SLUG, '--select', second], { server: h.url, token });
    expect(over.code).toBe(1);
    expect(over.err).toBe('sketchboard finals: at most 1 finals; unselect one first (HTTP 409 conflict)\n');
    const swap = await cli(['finals', SLUG, '--unselect', first, '--select', second], {
      server: h.url,
      token,
    });
    expect(swap.code).toBe(0);
    const rows = swap.out.split('\n').filter((l) => /^[0-9a-f]{8}-/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows.find((l) => l.startsWith(second))).toMatch(/scored\s+0\.\d{4}\s+hidden\s+yes/);
    expect(rows.find((l) => l.startsWith(first))).not.toMatch(/\byes\b/);
    const client = new SketchboardClient({ server: h.url, token });
    expect((await client.submission(first)).selectedFinal).toBe(false);
    expect((await client.submission(second)).selectedFinal).toBe(true);
  });

  it('queues with --no-wait, then hits the daily limit (429 with the server message)', async () => {
    const queued = await cli(['submit', h.baseline, '--competition', SLUG, '--no-wait'], {
      server: h.url,
      token,
    });
    expect(queued.code).toBe(0);
    expect(queued.out).toContain(`not waiting; see its status with: sketchboard finals ${SLUG}`);
    const limited = await cli(['submit', h.baseline, '--competition', SLUG], { server: h.url, token });
    expect(limited.code).toBe(1);
    expect(limited.err).toMatch(/^sketchboard submit: .*daily.* \(HTTP 429 limit_exceeded\)\n$/m);
  });

  it('keeps the private board closed before the end, except for the host', async () => {
    const anon = await cli(['leaderboard', SLUG, '--private'], { server: h.url });
    expect(anon.code).toBe(1);
    expect(anon.err).toContain('(HTTP 403 forbidden)');
    const host = await cli(['leaderboard', SLUG, '--private', '--token', h.service.hostToken.token], {
      server: h.url,
    });
    expect(host.code).toBe(0);
    expect(host.out.split('\n')[1]).toMatch(/^rank {2}public {2}change {2}team/);
  });

  it('closes the competition over HTTP: private board opens, submissions and finals are refused', async () => {
    const ended = await h.host.close(SLUG);
    expect(ended.phase).toBe('ended');
    expect((await h.host.competition(SLUG)).phase).toBe('ended');
    await expect(h.host.close(SLUG)).rejects.toThrow(/already ended.*\(HTTP 409 conflict\)/);
    const board = await cli(['leaderboard', SLUG, '--private'], { server: h.url });
    expect(board.code).toBe(0);
    expect(board.out).toContain(`${SLUG}: private leaderboard (ended)`);
    const late = await cli(['submit', h.baseline, '--competition', SLUG], { server: h.url, token });
    expect(late.code).toBe(1);
    expect(late.err).toContain('(HTTP 409 competition_closed)');
    const finals = await cli(['finals', SLUG, '--unselect', ids[1]], { server: h.url, token });
    expect(finals.err).toContain('(HTTP 409 competition_closed)');
  });
});

describe('streamed upload', () => {
  it('reports progress chunk by chunk and the server stores exactly the file bytes', async () => {
    const client = new SketchboardClient({ server: h.url, token });
    const bytes = await readFile(h.baseline);
    const seen: [number, number][] = [];
    const chunkSize = 8 * 1024;
    // A closed competition still refuses; upload to the open demo competition with a team of its own.
    const reg = await h.host.register('sketch-demo', 'Uploader', ['u']);
    const up = await client.withToken(reg.token).uploadBundle('sketch-demo', h.baseline, {
      chunkSize,
      onProgress: (sent, total) => seen.push([sent, total]),
    });
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(bytes.length / chunkSize) + 1);
    expect(seen[0]).toEqual([0, bytes.length]);
    expect(seen.at(-1)).toEqual([bytes.length, bytes.length]);
    for (let i = 1; i < seen.length; i++) {
      const step = seen[i][0] - seen[i - 1][0];
      expect(step).toBeGreaterThan(0);
      expect(step).toBeLessThanOrEqual(chunkSize);
    }
    expect(up.bundle.sizeBytes).toBe(bytes.length);
    expect(up.bundle.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
