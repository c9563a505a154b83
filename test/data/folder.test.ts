// Folder-per-class loader, and the io helpers it shares with the layout loaders (mapLimit, safe paths).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFolderDataset } from '../../core/data/folder.js';
import { mapLimit, safeRelativePath } from '../../core/data/io.js';
import { useTempDir } from '../helpers/temp.js';
import { expectDataError, put } from './fixtures.js';

const tmp = useTempDir('sb-folder-');

describe('loadFolderDataset', () => {
  it('numbers classes by sorted name and lists their images by name', async () => {
    for (const rel of [
      'zebra/b.PNG',
      'zebra/a.jpg',
      'Ant/1.webp',
      'ant/x.tiff',
      'ant/notes.txt',
      'ant/.hidden.png',
    ]) {
      await put(tmp.dir, rel, 'img');
    }
    await put(tmp.dir, 'ant/deeper/y.png', 'img');
    await put(tmp.dir, '.cache/z.png', 'img');
    await put(tmp.dir, 'README.md', 'text');
    const { items, classNames } = await loadFolderDataset(tmp.dir);
    expect(classNames).toEqual(['Ant', 'ant', 'zebra']);
    expect(items.map((i) => [i.relPath, i.target, i.className])).toEqual([
      ['Ant/1.webp', 0, 'Ant'],
      ['ant/x.tiff', 1, 'ant'],
      ['zebra/a.jpg', 2, 'zebra'],
      ['zebra/b.PNG', 2, 'zebra'],
    ]);
    expect(items[0].imagePath).toBe(path.join(path.resolve(tmp.dir), 'Ant', '1.webp'));
  });

  it('refuses a missing root, a root without class folders, and a class folder without images', async () => {
    await expectDataError(
      loadFolderDataset(path.join(tmp.dir, 'nope')),
      /dataset folder .*nope does not exist/,
    );
    await put(tmp.dir, 'loose.png', 'img');
    await expectDataError(loadFolderDataset(tmp.dir), /has no class folders/);
    await expectDataError(loadFolderDataset(path.join(tmp.dir, 'loose.png')), /is not a folder/);
    await put(tmp.dir, 'cat/1.png', 'img');
    await put(tmp.dir, 'dog/readme.txt', 'text');
    await expectDataError(loadFolderDataset(tmp.dir), /class folder .*dog has no images/);
  });
});

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (x, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, x * 2));
      inFlight--;
      return x * 10 + i;
    });
    expect(out).toEqual([50, 11, 42, 23, 34, 5, 66]);
    expect(peak).toBe(3);
  });

  it('rethrows the first error and starts no new calls after it', async () => {
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await new Promise((r) => setTimeout(r, 1));
      if (x === 1) throw new Error('boom 1');
      return x;
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(started.length).toBeLessThan(6);
  });
});

describe('safeRelativePath', () => {
  it('normalises harmless paths and refuses escaping ones', () => {
    expect(safeRelativePath('./cat//1.png')).toBe('cat/1.png');
    expect(safeRelativePath('a..b/c.png')).toBe('a..b/c.png');
    expect(() => safeRelativePath('a/b/../../../c.png')).toThrow(/escapes the folder/);
    expect(() => safeRelativePath('\\\\server\\share.png')).toThrow(/backslash/);
    expect(() => safeRelativePath('cat/')).toThrow(/does not name a file/);
  });
});
