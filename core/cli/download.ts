// `sketchboard download SLUG --out DIR`: fetch a competition's data (resumable, sha256-verified) and unpack it.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dataFileList, downloadDataFile } from '../client/download.js';
import { unpackDataZip } from '../data/unpack.js';
import { type Command, parse, required } from './args.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, oneArgument } from './connection.js';
import { type Progress, progress } from './progress.js';

const usage = `Usage: sketchboard download SLUG --out DIR [--server URL]

Downloads what competition SLUG offers (train.zip, test.zip, sample_submission.csv) into DIR with a
progress bar, verifies each file's sha256, and unpacks the zips there: DIR gets train.csv + train/ and
test.csv + test/, the layout \`sketchboard train --data DIR\` and \`sketchboard predict BUNDLE --data DIR\`
read. An interrupted download continues from DIR/<file>.part when run again (started over if the file
changed on the server); files already present and verified are not downloaded again. A file whose sha256
does not match is deleted and the command fails.

  --out DIR           where the files go (created if needed)
${CONNECTION_USAGE}`;

const options = { out: { type: 'string' }, ...CONNECTION_OPTIONS } as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options);
  const slug = oneArgument(positionals, 'SLUG (the competition)');
  const out = resolve(required(values.out, 'out'));
  const client = connect(values, { needToken: false });
  const { files, withheld } = await dataFileList(client, slug);
  await mkdir(out, { recursive: true });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  for (const file of files) {
    const dest = join(out, file.name);
    let bar: Progress | undefined;
    const outcome = await downloadDataFile(client, file, dest, (done, total) => {
      bar ??= progress(file.name, total, process.stderr, { unit: 'bytes' });
      bar.update(done, total);
    });
    if (outcome === 'present') say(`${file.name}: already here, sha256 verified`);
    else bar?.done(`${outcome === 'resumed' ? 'resumed; ' : ''}sha256 verified`);
    if (file.name.endsWith('.zip') && (await unpackDataZip(dest, out, file.sha256)))
      say(`${file.name}: unpacked into ${out}`);
  }
  for (const w of withheld) say(`${w.name}: not offered: ${w.reason}`);
  const test = files.some((f) => f.name === 'test.zip');
  process.stdout.write(
    `${out} is ready: sketchboard train --data ${out} --out runs/first` +
      `${test ? `; sketchboard predict BUNDLE --data ${out} --out output.csv` : ''}\n`,
  );
  return 0;
}

/** The `download` command. */
export const command: Command = {
  name: 'download',
  summary: "fetch a competition's data (resumable, sha256-verified) and unpack it",
  usage,
  run,
};
