// CSV in and out for datasets: csv-parse / csv-stringify with checked headers and file:line errors.
import { readFile } from 'node:fs/promises';
import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { SketchboardError } from '../errors.js';
import { writeFileAtomic } from './io.js';

/** The columns a CSV file must have, and those it may have. Any other column is an error. */
export type CsvSpec<R extends string, O extends string> = {
  required: readonly R[];
  optional?: readonly O[];
};

/** One data row: its 1-based line number in the file and its values by column name. */
export type CsvRow<R extends string, O extends string = never> = {
  line: number;
  values: Record<R, string> & Partial<Record<O, string>>;
};

type ParsedRecord = { record: string[]; info: { lines: number } };

function dataError(message: string, cause?: unknown): SketchboardError {
  return new SketchboardError('invalid_data', message, cause === undefined ? undefined : { cause });
}

function checkHeader(
  file: string,
  header: string[],
  required: readonly string[],
  optional: readonly string[],
) {
  const known = new Set([...required, ...optional]);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) problems.push(`duplicate column "${name}"`);
    else if (!known.has(name)) problems.push(`unknown column "${name}"`);
    seen.add(name);
  }
  for (const name of required) if (!seen.has(name)) problems.push(`missing column "${name}"`);
  if (problems.length > 0) {
    const opt = optional.length > 0 ? `, optional: ${optional.join(', ')}` : '';
    throw dataError(
      `${file} line 1: ${problems.join('; ')} (expected columns: ${required.join(', ')}${opt})`,
    );
  }
}

/**
 * Read a CSV file with a header line. Checks the header against `spec` (unknown, missing and duplicate
 * columns) and every row's field count; errors are SketchboardError('invalid_data') naming file and line.
 * A header with no rows is valid (rows is empty). Empty lines are skipped; a UTF-8 BOM is ignored.
 *
 * @example
 * const { rows } = await readCsv('data/test.csv', { required: ['ID', 'image_path'] });
 * rows[0]; // { line: 2, values: { ID: '0', image_path: '0.png' } }
 */
export async function readCsv<R extends string, O extends string = never>(
  file: string,
  spec: CsvSpec<R, O>,
): Promise<{ columns: string[]; rows: CsvRow<R, O>[] }> {
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : 'cannot be read';
    throw dataError(`${file}: ${why}`, err);
  }
  let records: ParsedRecord[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    const line = err instanceof CsvError && typeof err.lines === 'number' ? ` line ${err.lines}` : '';
    throw dataError(
      `${file}${line}: malformed CSV: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  const optional = spec.optional ?? [];
  if (records.length === 0) {
    throw dataError(`${file}: file is empty (expected a header line: ${spec.required.join(',')})`);
  }
  const header = records[0].record;
  checkHeader(file, header, spec.required, optional);
  const rows: CsvRow<R, O>[] = [];
  for (let k = 1; k < records.length; k++) {
    const { record, info } = records[k];
    if (record.length !== header.length) {
      throw dataError(`${file} line ${info.lines}: expected ${header.length} fields, got ${record.length}`);
    }
    const values: Record<string, string> = {};
    header.forEach((name, i) => {
      values[name] = record[i];
    });
    rows.push({ line: info.lines, values: values as CsvRow<R, O>['values'] });
  }
  return { columns: header, rows };
}

/**
 * Write a header line and rows to `file` atomically (temp file + rename). Quoting is left to
 * csv-stringify, so commas, quotes and newlines in values survive a round trip through readCsv.
 *
 * @example
 * await writeCsv('out/test.csv', ['ID', 'image_path'], [{ ID: '0', image_path: '0.png' }]);
 */
export async function writeCsv<C extends string>(
  file: string,
  columns: readonly C[],
  rows: readonly Record<C, string | number>[],
): Promise<void> {
  const body = stringify(
    rows.map((row) => columns.map((c) => row[c])),
    { header: true, columns: [...columns] },
  );
  await writeFileAtomic(file, body);
}
