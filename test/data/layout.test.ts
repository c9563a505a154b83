// Competition-layout loaders: the happy path and every refusal, each with its message.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCompetitionDir } from '../../core/data/competition.js';
import { loadTestLabels, loadTestSet, loadTrainSet } from '../../core/data/layout.js';
import { useTempDir } from '../helpers/temp.js';
import { type CompetitionFiles, expectDataError, VALID, writeCompetition } from './fixtures.js';

const tmp = useTempDir('sb-layout-');

const TRAIN_HEAD = 'class_name,image_path,target\n';

async function loadWith(parts: CompetitionFiles) {
  await writeCompetition(tmp.dir, parts);
  return loadCompetitionDir(tmp.dir, { labels: true });
}

describe('loadCompetitionDir', () => {
  it('loads train, test and labels (in test.csv order) with absolute image paths', async () => {
    const c = await loadWith({});
    expect(c.classes).toBe(2);
    expect(c.classNames).toEqual(['cat', 'dog']);
    expect(c.train[2]).toEqual({
      className: 'dog',
      relPath: 'dog/1.png',
      imagePath: path.join(path.resolve(tmp.dir), 'train', 'dog/1.png'),
      target: 1,
    });
    expect(c.test.map((t) => t.id)).toEqual(['10', '11', '12']);
    expect(c.test[0].imagePath).toBe(path.join(path.resolve(tmp.dir), 'test', 'a.png'));
    expect(c.labels).toEqual([
      { id: '10', relPath: 'a.png', target: 0, split: 'private' },
      { id: '11', relPath: 'b.png', target: 1, split: 'public' },
      { id: '12', relPath: 'c.png', target: 1, split: 'public' },
    ]);
  });

  it('leaves labels out unless asked', async () => {
    await writeCompetition(tmp.dir);
    expect((await loadCompetitionDir(tmp.dir)).labels).toBeUndefined();
  });

  it('names missing images with their lines, and can skip the check', async () => {
    await writeCompetition(tmp.dir, { images: VALID.images.filter((f) => f !== 'train/dog/1.png') });
    await expectDataError(
      loadTrainSet(tmp.dir),
      /train\.csv: 1 image file\(s\) missing: line 4: .*train\/dog\/1\.png/,
    );
    expect((await loadTrainSet(tmp.dir, { checkImages: false })).items).toHaveLength(4);
    const other = path.join(tmp.dir, 'other');
    await writeCompetition(other, { images: ['train/cat/1.png'] });
    await expectDataError(
      loadTestSet(other),
      /test\.csv: 3 image file\(s\) missing: line 2: .*a\.png; line 3.*; line 4/,
    );
  });

  it('refuses an unknown column', async () => {
    await expectDataError(
      loadWith({ train: 'class,image_path,target\ncat,cat/1.png,0\n' }),
      /train\.csv line 1: unknown column "class"; missing column "class_name"/,
    );
    await expectDataError(
      loadWith({ test: 'ID,image_path,target\n10,a.png,0\n' }),
      /test\.csv line 1: unknown column "target"/,
    );
  });

  it.each([
    ['x', /line 2: target "x" is not a non-negative integer/],
    ['-1', /target "-1" is not a non-negative integer/],
    ['1.5', /target "1\.5" is not a non-negative integer/],
    ['', /target "" is not a non-negative integer/],
  ])('refuses the bad target %j', async (target, message) => {
    await expectDataError(loadWith({ train: `${TRAIN_HEAD}cat,cat/1.png,${target}\n` }), message);
  });

  it('refuses targets inconsistent with class_name, and gaps in targets', async () => {
    await expectDataError(
      loadWith({ train: `${TRAIN_HEAD}cat,cat/1.png,0\ndog,dog/1.png,0\n` }),
      /train\.csv line 3: target 0 is class "cat" elsewhere, not "dog"/,
    );
    await expectDataError(
      loadWith({ train: `${TRAIN_HEAD}cat,cat/1.png,0\ncat,cat/2.png,1\n` }),
      /line 3: class "cat" has target 0 elsewhere, not 1/,
    );
    await expectDataError(
      loadWith({ train: `${TRAIN_HEAD}cat,cat/1.png,0\ndog,dog/1.png,2\n` }),
      /targets must be 0\.\.1 without gaps, but no row has target 1/,
    );
  });

  it('refuses duplicate IDs in test.csv and in the labels, and duplicate train images', async () => {
    await expectDataError(
      loadWith({ test: 'ID,image_path\n10,a.png\n10,b.png\n' }),
      /test\.csv line 3: duplicate ID "10" \(first on line 2\)/,
    );
    await expectDataError(
      loadWith({ labels: 'ID,image_path,target\n10,a.png,0\n10,a.png,0\n' }),
      /test_labels\.csv line 3: duplicate ID "10"/,
    );
    await expectDataError(
      loadWith({ train: `${TRAIN_HEAD}cat,cat/1.png,0\ncat,./cat/1.png,0\n` }),
      /line 3: duplicate image_path "cat\/1\.png"/,
    );
  });

  it.each([
    ['../secret.png', /escapes the folder/],
    ['cat/../../x.png', /escapes the folder/],
    ['/etc/passwd', /is absolute/],
    ['C:/x.png', /is absolute/],
    ['cat\\1.png', /backslash/],
    ['', /is empty/],
  ])('refuses the unsafe image_path %j', async (rel, message) => {
    await expectDataError(
      loadWith({ test: `ID,image_path\n10,"${rel}"\n` }),
      new RegExp(`test\\.csv line 2: image_path .*${message.source}`),
    );
  });

  it('refuses labels whose IDs do not match test.csv', async () => {
    await expectDataError(
      loadWith({ labels: 'ID,image_path,target\n10,a.png,0\n11,b.png,1\n' }),
      /test_labels\.csv: IDs do not match test\.csv: no label for test ID\(s\) 12/,
    );
    await expectDataError(
      loadWith({ labels: `${VALID.labels}99,z.png,0,public\n` }),
      /ID\(s\) not in test\.csv: 99/,
    );
  });

  it('refuses labels with another image_path, a target beyond the classes, or a bad split', async () => {
    await expectDataError(
      loadWith({ labels: 'ID,image_path,target\n10,b.png,0\n11,b.png,1\n12,c.png,1\n' }),
      /ID "10" has image_path "b\.png" but test\.csv says "a\.png"/,
    );
    await expectDataError(
      loadWith({ labels: 'ID,image_path,target\n10,a.png,2\n11,b.png,1\n12,c.png,1\n' }),
      /ID "10" has target 2, but train\.csv has only 2 classes/,
    );
    await expectDataError(loadTestLabels(path.join(tmp.dir, 'nope.csv')), /nope\.csv: file not found/);
    await writeCompetition(tmp.dir, { labels: 'ID,image_path,target,split\n10,a.png,0,secret\n' });
    await expectDataError(
      loadTestLabels(path.join(tmp.dir, 'test_labels.csv')),
      /line 2: split "secret" must be "public" or "private"/,
    );
  });

  it('refuses a train.csv or test.csv without rows, and a missing train.csv', async () => {
    await expectDataError(loadWith({ train: TRAIN_HEAD }), /train\.csv: no rows/);
    await expectDataError(loadWith({ test: 'ID,image_path\n' }), /test\.csv: no rows/);
    await expectDataError(loadTrainSet(path.join(tmp.dir, 'elsewhere')), /train\.csv: file not found/);
  });
});
