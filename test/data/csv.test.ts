// readCsv / writeCsv: header checks, file:line errors, quoting round trips, atomic writes.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv, writeCsv } from '../../core/data/csv.js';
import { useTempDir } from '../helpers/temp.js';
import { expectDataError, put } from './fixtures.js';

const tmp = useTempDir('sb-csv-');

const SPEC = { required: ['ID', 'image_path'], optional: ['split'] } as const;

async function read(text: string) {
  await put(tmp.dir, 'f.csv', text);
  return readCsv(path.join(tmp.dir, 'f.csv'), SPEC);
}

describe('readCsv', () => {
  it('reads rows with line numbers, quoted fields, a BOM, CRLF and blank lines', async () => {
    const { columns, rows } = await read('\ufeffimage_path,ID\r\n"a,1.png",1\r\n\r\n"say ""hi"".png",2\r\n');
    expect(columns).toEqual(['image_path', 'ID']);
    expect(rows).toEqual([
      { line: 2, values: { ID: '1', image_path: 'a,1.png' } },
      { line: 4, values: { ID: '2', image_path: 'say "hi".png' } },
    ]);
  });

  it('accepts an optional column and a header without rows', async () => {
    expect((await read('ID,image_path,split\n1,a.png,public\n')).rows[0].values.split).toBe('public');
    expect((await read('ID,image_path\n')).rows).toEqual([]);
  });

  it('names an unknown column with the expected ones', async () => {
    await expectDataError(
      read('ID,image_path,colour\n1,a.png,red\n'),
      /f\.csv line 1: unknown column "colour" \(expected columns: ID, image_path, optional: split\)/,
    );
  });

  it('names a missing column', async () => {
    await expectDataError(read('ID\n1\n'), /f\.csv line 1: missing column "image_path"/);
  });

  it('names a duplicate column', async () => {
    await expectDataError(read('ID,image_path,ID\n1,a.png,1\n'), /line 1: duplicate column "ID"/);
  });

  it('refuses an empty file', async () => {
    await expectDataError(read(''), /f\.csv: file is empty/);
    await expectDataError(read('\n\n'), /file is empty/);
  });

  it('names the line of a row with the wrong field count', async () => {
    await expectDataError(
      read('ID,image_path\n1,a.png\n2,b.png,extra\n'),
      /f\.csv line 3: expected 2 fields, got 3/,
    );
    await expectDataError(read('ID,image_path\n1,a.png\n\n3\n'), /line 4: expected 2 fields, got 1/);
  });

  it('reports malformed quoting with its line', async () => {
    await expectDataError(read('ID,image_path\n1,"a.png\n'), /f\.csv line \d+: malformed CSV/);
  });

  it('reports a missing file', async () => {
    await expectDataError(readCsv(path.join(tmp.dir, 'nope.csv'), SPEC), /nope\.csv: file not found/);
  });
});

describe('writeCsv', () => {
  it('round-trips values that need quoting', async () => {
    const file = path.join(tmp.dir, 'out.csv');
    const rows = [
      { ID: '1', image_path: 'a,b.png' },
      { ID: '2', image_path: 'quote "x".png' },
      { ID: '3', image_path: 'new\nline.png' },
    ];
    await writeCsv(file, ['ID', 'image_path'], rows);
    const back = await readCsv(file, SPEC);
    expect(back.rows.map((r) => r.values)).toEqual(rows);
  });

  it('writes numbers, a header for zero rows, and replaces the file atomically', async () => {
    const file = path.join(tmp.dir, 'out.csv');
    await writeCsv(file, ['ID', 'target'], [{ ID: 'x', target: 3 }]);
    expect(await readFile(file, 'utf8')).toBe('ID,target\nx,3\n');
    await writeCsv(file, ['ID', 'target'], []);
    expect(await readFile(file, 'utf8')).toBe('ID,target\n');
    expect(await readdir(tmp.dir)).toEqual(['out.csv']);
  });
});
