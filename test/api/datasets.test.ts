// Competition test images: a server-owned, content-addressed folder of the listed images alone (no labels
// within the runner's reach), shared by competitions on the same test set, published only on success.
import {
  appendFile,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitions } from '../../functions/db/schema.js';
import { imagesDirOf, linkOrCopy, withTestImages } from '../../functions/intake/test-images.js';
import { drivers } from '../helpers/db.js';
import { type Harness, HOST, openHarness, zipDir } from './fixtures.js';
import { call, createCompetition, expectError, slug } from './flow.js';

/** Every file under `dir`, relative and sorted ([] when it does not exist). */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** test.csv's image paths, sorted. */
async function listedImages(datasetDir: string): Promise<string[]> {
  const rows = (await readFile(join(datasetDir, 'test.csv'), 'utf8')).trim().split('\n').slice(1);
  return rows.map((r) => r.split(',')[1]).sort();
}

/** A copy of the dataset whose first test image differs by one byte: another test set, another sha256. */
async function variant(h: Harness, name: string): Promise<string> {
  const dir = join(h.root, name);
  await cp(h.dataset.dir, dir, { recursive: true });
  await appendFile(join(dir, 'test', (await listedImages(dir))[0]), Buffer.from([0]));
  return dir;
}

describe.each(drivers())('competition test images over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  const row = async (s: string) =>
    (await h.database.db.select().from(competitions).where(eq(competitions.slug, s)))[0];

  it('JSON form: datasetDir is <datasetsDir>/<sha256>/images with the listed images alone, hard-linked', async () => {
    const c = await row(await createCompetition(h));
    expect(c.datasetDir).toBe(imagesDirOf(h.config.datasetsDir, c.datasetSha256));
    expect(await files(c.datasetDir)).toEqual(await listedImages(h.dataset.dir));
    // Nothing else up to the datasets folder: no labels, no test.csv, no train set.
    expect(await readdir(dirname(c.datasetDir))).toEqual(['images']);
    expect(await files(h.config.datasetsDir)).toEqual(
      (await files(c.datasetDir)).map((f) => `${c.datasetSha256}/images/${f}`),
    );
    const first = (await listedImages(h.dataset.dir))[0];
    const [linked, source] = await Promise.all([
      stat(join(c.datasetDir, first)),
      stat(join(h.dataset.dir, 'test', first)),
    ]);
    expect(linked.ino).toBe(source.ino); // same filesystem: a hard link, not a copy
  });

  it('zip form: the same test set reuses the folder, another gets its own; extracted archives are gone', async () => {
    const c1 = await row(await createCompetition(h));
    const before = await files(h.config.datasetsDir);
    const post = async (dir: string) => {
      const form = new FormData();
      const s = slug('zip');
      for (const [k, v] of Object.entries({ slug: s, title: 't', endsAt: '2031-01-01T00:00:00Z' }))
        form.set(k, v);
      form.set('dataset', new Blob([await zipDir(dir, 'top')]), 'd.zip');
      const r = await call(h, 'POST', '/api/competitions', { headers: HOST, body: form });
      expect(r.status, r.text).toBe(201);
      return row(s);
    };
    const same = await post(h.dataset.dir);
    expect(same.datasetDir).toBe(c1.datasetDir);
    expect(await files(h.config.datasetsDir)).toEqual(before);
    const other = await post(await variant(h, 'zip-variant'));
    expect(other.datasetSha256).not.toBe(c1.datasetSha256);
    expect(other.datasetDir).toBe(imagesDirOf(h.config.datasetsDir, other.datasetSha256));
    expect(await files(other.datasetDir)).toEqual(await listedImages(h.dataset.dir));
    expect((await readdir(h.config.datasetsDir)).sort()).toEqual(
      [c1.datasetSha256, other.datasetSha256].sort(),
    );
  });

  it('a refused creation (taken slug) publishes nothing and leaves no staging folder', async () => {
    const taken = await createCompetition(h);
    const before = await files(h.config.datasetsDir);
    const dir = await variant(h, 'refused-variant');
    const reply = await call(h, 'POST', '/api/competitions', {
      headers: HOST,
      json: { slug: taken, title: 't', datasetPath: dir, endsAt: '2031-01-01T00:00:00Z' },
    });
    expectError(reply, 409, 'conflict');
    expect(await files(h.config.datasetsDir)).toEqual(before);
    expect((await readdir(h.config.datasetsDir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('withTestImages', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sb-images-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** A test folder with two listed images (one in a sub-folder), an unlisted one, and labels beside it. */
  async function source(name: string, sha: string) {
    const dir = join(root, name);
    await mkdir(join(dir, 'test', 'sub'), { recursive: true });
    await writeFile(join(dir, 'test', 'a.png'), 'A');
    await writeFile(join(dir, 'test', 'sub', 'b.png'), 'B');
    await writeFile(join(dir, 'test', 'unlisted.png'), 'U');
    await writeFile(join(dir, 'test_labels.csv'), 'ID,image_path,target\n');
    const items = [{ imagePath: 'a.png' }, { imagePath: 'sub/b.png' }, { imagePath: 'a.png' }];
    return { sha256: sha.repeat(64), testDir: join(dir, 'test'), items };
  }

  it('publishes nothing when the creation fails, and rethrows its error', async () => {
    const datasets = join(root, 'd1');
    const images = await source('s1', 'a');
    await expect(
      withTestImages(images, datasets, () => Promise.reject(new Error('slug taken'))),
    ).rejects.toThrow('slug taken');
    expect(await readdir(datasets)).toEqual([]);
  });

  it('lets concurrent creations on one test set share one folder', async () => {
    const datasets = join(root, 'd2');
    const images = await source('s2', 'b');
    const dirs = await Promise.all([1, 2, 3].map(() => withTestImages(images, datasets, async (d) => d)));
    expect(new Set(dirs)).toEqual(new Set([imagesDirOf(datasets, images.sha256)]));
    expect(await readdir(datasets)).toEqual(['b'.repeat(64)]);
    expect(await files(dirs[0])).toEqual(['a.png', 'sub/b.png']);
  });

  it('resolves a symlinked image to a regular file, so no link leads back to the dataset folder', async () => {
    const datasets = join(root, 'd3');
    const images = await source('s3', 'c');
    await rm(join(images.testDir, 'a.png'));
    await symlink(join(images.testDir, 'unlisted.png'), join(images.testDir, 'a.png'));
    const dir = await withTestImages(images, datasets, async (d) => d);
    expect((await lstat(join(dir, 'a.png'))).isFile()).toBe(true);
    expect(await readFile(join(dir, 'a.png'), 'utf8')).toBe('U');
  });

  // /dev/shm is a tmpfs on Linux: another filesystem than the temp folder, so link(2) fails with EXDEV.
  const otherFs = async () => (await stat('/dev/shm').catch(() => null))?.dev !== (await stat(tmpdir())).dev;
  it.skipIf(process.platform !== 'linux')('copies when the source is on another filesystem', async (ctx) => {
    if (!(await otherFs())) ctx.skip();
    const shm = await mkdtemp('/dev/shm/sb-images-');
    try {
      await writeFile(join(shm, 'x.png'), 'X');
      const dest = join(root, `copied-${basename(shm)}.png`);
      expect(await linkOrCopy(join(shm, 'x.png'), dest)).toBe('copied');
      expect(await readFile(dest, 'utf8')).toBe('X');
      expect(await linkOrCopy(dest, join(root, 'linked.png'))).toBe('linked');
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });
});
