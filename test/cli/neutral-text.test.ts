// Team-typed text where it lands: terminal tables strip control and format characters, CSV cells never start a formula.
import { describe, expect, it } from 'vitest';
import type { ApiLeaderboard } from '../../core/api/index.js';
import { leaderboardLines } from '../../core/cli/table.js';
import { csvSafe, terminalSafe } from '../../core/text.js';

describe('terminalSafe', () => {
  it('replaces C0/C1 controls, bidi overrides, zero-width and other format characters, and keeps the rest', () => {
    const hostile = 'a\u001b[2Jb\u0007c\rd\u0085e\u202ef\u2066g\u200bh\ufeffi\u2028j';
    expect(terminalSafe(hostile)).toBe('a\ufffd[2Jb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj');
    expect(terminalSafe('Équipe 東京 ✓ — ok')).toBe('Équipe 東京 ✓ — ok');
  });

  it('leaves no escape sequence in a printed leaderboard', () => {
    const board: ApiLeaderboard = {
      competition: 'c',
      split: 'public',
      phase: 'open',
      total: 1,
      limit: 100,
      offset: 0,
      rows: [
        {
          rank: 1,
          team: 'Team\u001b]0;owned\u0007',
          members: ['m\u001b[31mred', 'b\u202eevil'],
          accuracy: 0.5,
          submissions: 1,
          lastSubmissionAt: null,
        },
      ],
    } as ApiLeaderboard;
    const printed = leaderboardLines(board).join('\n');
    for (const c of ['\u001b', '\u0007', '\u202e']) expect(printed).not.toContain(c);
    expect(printed).toContain('Team\ufffd]0;owned\ufffd');
  });
});

describe('csvSafe (OWASP CSV injection)', () => {
  it('prefixes a quote to cells starting with = + - @ tab or CR, and leaves other text alone', () => {
    for (const cell of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      expect(csvSafe(cell)).toBe(`'${cell}`);
    }
    for (const cell of ['Team A', 'a=b', '', "'quoted"]) expect(csvSafe(cell)).toBe(cell);
  });
});
