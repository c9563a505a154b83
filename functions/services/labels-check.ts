// A corrected test_labels.csv checked against the competition's test items, and stored predictions counted against labels.
import { CsvError, parse } from 'csv-parse/sync';
import type { Split } from '../../core/api/common.js';
import { SketchboardError } from '../../core/errors.js';

/** A test item as the database holds it: what a corrected labels file must match. */
export type KnownItem = { id: string; imagePath: string; label: number; split: Split };

/** Problems named in one refusal: the first ones, then how many more. */
const SHOWN = 8;

type Parsed = { record: string[]; info: { lines: number } };

function refuse(source: string, problems: string[]): never {
  const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : '';
  throw new SketchboardError(
    'invalid_data',
    `${source}: ${problems.slice(0, SHOWN).join('; ')}${more}; nothing was changed`,
  );
}

function records(text: string, source: string): Parsed[] {
  try {
    return parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as Parsed[];
  } catch (err) {
    const line = err instanceof CsvError && typeof err.lines === 'number' ? `line ${err.lines}: ` : '';
    refuse(source, [`${line}malformed CSV: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

/**
 * The new label of every test item from a corrected `test_labels.csv` (`ID,image_path,target`, an optional
 * `split` column is ignored: the split stays as created). Every ID of `items` exactly once, no other ID, each
 * image path as in test.csv, each target an integer in `[0, classes)`. A refusal is `invalid_data` (422)
 * naming the lines at fault.
 *
 * @example
 * const labels = checkLabels(text, items, 10); // Map { 'img-001' => 3, ... }
 */
export function checkLabels(
  text: string,
  items: readonly KnownItem[],
  classes: number,
  source = 'test_labels.csv',
): Map<string, number> {
  const rows = records(text, source);
  if (rows.length === 0) refuse(source, ['the file is empty; expected the header ID,image_path,target']);
  const header = rows[0].record;
  const col = (name: string) => header.indexOf(name);
  const unknown = header.filter((h) => !['ID', 'image_path', 'target', 'split'].includes(h));
  if (col('ID') < 0 || col('image_path') < 0 || col('target') < 0 || unknown.length > 0) {
    refuse(source, [`line 1: header must be ID,image_path,target, got ${header.join(',')}`]);
  }
  const byId = new Map(items.map((i) => [i.id, i]));
  const labels = new Map<string, number>();
  const firstLine = new Map<string, number>();
  const problems: string[] = [];
  for (const { record, info } of rows.slice(1)) {
    const at = `line ${info.lines}`;
    if (record.length !== header.length) {
      problems.push(`${at}: expected ${header.length} fields, got ${record.length}`);
      continue;
    }
    const [id, path, target] = [record[col('ID')], record[col('image_path')], record[col('target')]];
    const item = byId.get(id);
    if (!item) problems.push(`${at}: ID "${id}" is not in test.csv`);
    else if (firstLine.has(id)) problems.push(`${at}: ID "${id}" again (first on line ${firstLine.get(id)})`);
    else if (path !== item.imagePath)
      problems.push(`${at}: image_path "${path}" of ID "${id}" is "${item.imagePath}" in test.csv`);
    firstLine.set(id, firstLine.get(id) ?? info.lines);
    const label = /^\d+$/.test(target.trim()) ? Number(target) : Number.NaN;
    if (!(Number.isInteger(label) && label < classes))
      problems.push(`${at}: target "${target}" is not a class in [0, ${classes})`);
    else if (item) labels.set(id, label);
  }
  const missing = items.filter((i) => !firstLine.has(i.id)).map((i) => i.id);
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    problems.push(`${missing.length} ID(s) of test.csv missing: ${shown}${missing.length > 5 ? ', …' : ''}`);
  }
  if (problems.length > 0) refuse(source, problems);
  return labels;
}

/** Correct predictions out of each split's items. */
export type SplitCounts = {
  public: { correct: number; total: number };
  private: { correct: number; total: number };
};

/**
 * Counts a stored output.csv (`ID,image_path,target`) against labels by ID, per split; an item the file
 * does not predict counts as wrong. Throws when the file is not an output.csv at all (a server fault).
 *
 * @example
 * countCorrect('ID,image_path,target\na,a.png,1\n', [{ id: 'a', imagePath: 'a.png', label: 1, split: 'public' }]);
 * // { public: { correct: 1, total: 1 }, private: { correct: 0, total: 0 } }
 */
export function countCorrect(
  csv: string,
  items: readonly Pick<KnownItem, 'id' | 'label' | 'split'>[],
): SplitCounts {
  const rows = parse(csv, { bom: true, skip_empty_lines: true }) as string[][];
  const header = rows[0] ?? [];
  const [idCol, targetCol] = [header.indexOf('ID'), header.indexOf('target')];
  if (idCol < 0 || targetCol < 0)
    throw new Error(`stored predictions have no ID/target header: ${header.join(',')}`);
  const predicted = new Map<string, number>();
  for (const row of rows.slice(1)) {
    const target = row[targetCol]?.trim() ?? '';
    if (/^\d+$/.test(target)) predicted.set(row[idCol], Number(target));
  }
  const counts: SplitCounts = { public: { correct: 0, total: 0 }, private: { correct: 0, total: 0 } };
  for (const item of items) {
    const c = counts[item.split];
    c.total++;
    if (predicted.get(item.id) === item.label) c.correct++;
  }
  return counts;
}
