// The full demo's orchestration at a tiny size: real server, training (in-process and --parallel), pack, submit, close, boards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SubmitIo } from '../../core/cli/submit-flow.js';
import { type FullDemoResult, runFullDemo } from '../../functions/cli/demo-flow.js';
import { DEMO_TEAMS, type DemoTeam } from '../../functions/cli/demo-teams.js';

let dir: string;
let result: FullDemoResult;
const said: string[] = [];
let printed = '';

/** Team A as in the demo, and a 2-fold version of team B (still trained with --parallel 2). */
const teams: DemoTeam[] = [
  DEMO_TEAMS[0],
  { ...DEMO_TEAMS[1], flags: ['--folds', '2', '--curriculum', 'none'] },
];

const quietIo: SubmitIo = {
  out: (line) => said.push(line),
  err: (line) => said.push(`ERR ${line}`),
  progress: () => ({ tick() {}, update() {}, done() {} }),
  spinner: () => ({ set() {}, stop() {} }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-demo-flow-'));
  // train and pack print on the process's own streams: captured here to keep the test output readable.
  const write = (chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  };
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(write);
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(write);
  try {
    result = await runFullDemo({
      out: dir,
      data: { classes: 3, trainPerClass: 10, testPerClass: 4, imageSize: 32, seed: 2 },
      training: { epochs: 1, size: 16, parallel: 2, seed: 2 },
      timeoutMs: 120_000,
      teams,
      say: (line) => said.push(line),
      io: quietIo,
    });
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runFullDemo (tiny)', () => {
  it('prints the nine steps in order', () => {
    const steps = said.filter((l) => l.startsWith('\n== ')).map((l) => /== (\d)\/9/.exec(l)?.[1]);
    expect(steps).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(said.join('\n')).toMatch(
      /the host creates competition demo-\d{8}-\d{6} \(POST \/api\/competitions\)/,
    );
  });

  it('trains team A in this process and team B in two fold processes, then packs both', () => {
    expect(printed).toContain(`run saved in ${join(dir, 'runs', 'single-fold')}`);
    expect(printed).toContain(`trained folds 0, 1 in 2 processes into ${join(dir, 'runs', 'soft-five')}`);
    expect(result.outcomes.map((o) => o.outcome.bundle.name)).toEqual([
      'single-fold-1fold-soft',
      'soft-five-2fold-soft',
    ]);
  });

  it('scores every submission through the participant client and ranks both teams', () => {
    for (const { outcome } of result.outcomes) {
      expect(outcome.exitCode).toBe(0);
      expect(outcome.submission.status).toBe('scored');
      expect(outcome.submission.public?.total).toBe(6); // 3 classes × 4 test images, half public
    }
    expect(said.filter((l) => l.startsWith('ERR '))).toEqual([]);
    expect(said.some((l) => /^rank [12] of 2 on the public leaderboard as Soft Five$/.test(l))).toBe(true);
    expect(result.publicBoard.rows.map((r) => r.team).sort()).toEqual(['Single Fold', 'Soft Five']);
  });

  it('ends the competition, so the private board is open to anyone, and prints both boards', () => {
    expect(result.privateBoard.split).toBe('private');
    expect(result.privateBoard.phase).toBe('ended');
    expect(result.privateBoard.rows).toHaveLength(2);
    const text = said.join('\n');
    expect(text).toContain(`${result.slug}: public leaderboard (ended)`);
    expect(text).toContain(`${result.slug}: private leaderboard (ended)`);
    expect(text).toMatch(/rank {2}public {2}change {2}team/);
  });

  it('stops the server before returning', async () => {
    await expect(fetch(`${result.url}/healthz`)).rejects.toThrow();
  });
});
