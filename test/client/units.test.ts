// Client pieces without a server: own-row matching, tables, server URL rules, polling backoff, spinner, file body.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type {
  ApiLeaderboardRow as LeaderboardRow,
  ApiSubmission as Submission,
} from '../../core/api/index.js';
import { DEFAULT_SERVER, serverUrl } from '../../core/cli/connection.js';
import { spinner } from '../../core/cli/spinner.js';
import { alignTable, leaderboardLines, rankChange } from '../../core/cli/table.js';
import { ownRow } from '../../core/client/standing.js';
import { fileBody } from '../../core/client/upload.js';
import { waitForScore } from '../../core/client/wait.js';

const at = (m: number) => new Date(Date.UTC(2026, 4, 1, 12, m)).toISOString();

function sub(
  status: Submission['status'],
  accuracy: number | null,
  minute: number,
  infra = false,
): Submission {
  return {
    id: randomUUID(),
    kind: 'bundle',
    bundleId: randomUUID(),
    status,
    attempt: 1,
    createdAt: at(minute),
    startedAt: null,
    finishedAt: null,
    error: status === 'failed' ? { code: 'x', message: 'm', infrastructure: infra } : null,
    public: accuracy === null ? null : { accuracy, correct: 0, total: 100 },
    private: null,
    privateHidden: true,
    memberScores: null,
    selectedFinal: false,
    imagesPerSecond: null,
    runtime: null,
    hasOutput: false,
  };
}

function row(
  rank: number,
  team: string,
  accuracy: number,
  submissions: number,
  minute: number,
): LeaderboardRow {
  return { rank, team, members: ['m'], accuracy, kind: 'bundle', submissions, lastSubmissionAt: at(minute) };
}

describe('ownRow', () => {
  it('tells apart two teams tied on accuracy by entry count and last submission', () => {
    const rows = [row(1, 'First', 0.62, 1, 1), row(2, 'Second', 0.62, 2, 5)];
    expect(ownRow(rows, [sub('scored', 0.62, 5), sub('scored', 0.5, 3)])?.team).toBe('Second');
    expect(ownRow(rows, [sub('scored', 0.62, 1)])?.team).toBe('First');
  });

  it('counts failures except infrastructure faults, as the server does, and rounds to 4 decimals', () => {
    const rows = [row(1, 'T', 0.6667, 2, 9)];
    const mine = [sub('scored', 2 / 3, 2), sub('failed', null, 9), sub('failed', null, 10, true)];
    expect(ownRow(rows, mine)?.team).toBe('T');
  });

  it('is null before a score or when nothing fits', () => {
    expect(ownRow([row(1, 'T', 0.5, 1, 1)], [sub('queued', null, 1)])).toBeNull();
    expect(ownRow([row(1, 'T', 0.5, 1, 1)], [sub('scored', 0.7, 1)])).toBeNull();
  });
});

describe('tables', () => {
  it('pads columns to the widest cell, numbers to the right', () => {
    expect(
      alignTable(
        ['n', 'name'],
        [
          ['10', 'a'],
          ['2', 'long name'],
        ],
        [true, false],
      ),
    ).toEqual([' n  name', '--  ---------', '10  a', ' 2  long name']);
  });

  it('shows public ranks and their change on the private board', () => {
    const pub = {
      competition: 'c',
      split: 'public' as const,
      phase: 'ended' as const,
      total: 2,
      limit: 100,
      offset: 0,
      rows: [row(1, 'A', 0.8, 1, 1), row(2, 'B', 0.7, 1, 1)],
    };
    const priv = {
      ...pub,
      split: 'private' as const,
      rows: [row(1, 'B', 0.75, 1, 1), row(2, 'A', 0.74, 1, 1)],
    };
    const lines = leaderboardLines(priv, pub);
    expect(lines[0]).toBe('c: private leaderboard (ended)');
    expect(lines[3]).toMatch(/^ {3}1 {7}2 {6}\+1 {2}B /);
    expect(lines[4]).toMatch(/^ {3}2 {7}1 {6}-1 {2}A /);
    expect(rankChange(3, 3)).toBe('=');
    expect(leaderboardLines({ ...pub, total: 0, rows: [] })).toEqual([
      'c: public leaderboard (ended)',
      '(no scored submissions yet)',
    ]);
  });
});

describe('serverUrl', () => {
  it('takes the flag, then SKETCHBOARD_SERVER, then the default; drops a trailing slash', () => {
    expect(serverUrl('http://h:1/', { SKETCHBOARD_SERVER: 'http://e:2' })).toBe('http://h:1');
    expect(serverUrl(undefined, { SKETCHBOARD_SERVER: 'https://e:2/base/' })).toBe('https://e:2/base');
    expect(serverUrl(undefined, {})).toBe(DEFAULT_SERVER);
  });

  it('refuses what is not an http(s) base URL', () => {
    expect(() => serverUrl('localhost:8787', {})).toThrow(/http:\/\/ or https:\/\//);
    expect(() => serverUrl('http://h/?x=1', {})).toThrow(/without \?query/);
  });
});

describe('waitForScore', () => {
  it('backs off ×1.5 up to the cap and stops at a final status', async () => {
    const statuses: Submission['status'][] = ['queued', 'queued', 'running', 'running', 'running', 'scored'];
    const sleeps: number[] = [];
    let i = 0;
    const client = { submission: async () => sub(statuses[i++], 0.5, 1) };
    const seen: string[] = [];
    const result = await waitForScore(client, 'id', {
      timeoutMs: 60_000,
      intervalMs: 400,
      maxIntervalMs: 1000,
      onStatus: (s) => seen.push(s.status),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(result.done).toBe(true);
    expect(seen).toEqual(statuses);
    expect(sleeps).toEqual([400, 600, 900, 1000, 1000]);
  });
});

describe('spinner', () => {
  it('off a TTY prints one line per status change, then the final line', () => {
    let text = '';
    let now = 0;
    const spin = spinner('scoring ab', { write: (s: string) => (text += s), isTTY: false }, () => now);
    spin.set('queued');
    spin.set('queued');
    now = 2000;
    spin.set('running');
    now = 5000;
    spin.stop('scored');
    expect(text).toBe('scoring ab: queued (0s)\nscoring ab: running (2s)\nscoring ab: scored (5s)\n');
  });
});

describe('fileBody', () => {
  it('streams the file in chunks of at most chunkSize and reports each', async () => {
    const path = join(tmpdir(), `sb-body-${randomUUID()}`);
    const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    await writeFile(path, bytes);
    const progress: number[] = [];
    const file = await fileBody(path, { chunkSize: 4096, onProgress: (sent) => progress.push(sent) });
    const chunks: Uint8Array[] = [];
    for await (const chunk of file.body) chunks.push(chunk);
    expect(chunks.map((c) => c.byteLength)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(progress).toEqual([0, 4096, 8192, 10_000]);
    await file.close();
  });

  it('refuses a folder', async () => {
    await expect(fileBody(tmpdir())).rejects.toThrow(/not a regular file|is a folder/);
  });
});
