// Checking a prediction file (output.csv) against a competition's test items: pure, no I/O; a refusal names the lines at fault.
import { CsvError, parse } from 'csv-parse/sync';
import { OUTPUT_COLUMNS } from '../../core/predict/output.js';
import { ServiceError } from '../services/errors.js';

/** A test item as test.csv lists it (its label never comes here). */
export type PredictionItem = { id: string; imagePath: string };

/** Faults a refusal lists before it only counts the rest. */
export const MAX_LISTED_FAULTS = 10;

/** Missing IDs a refusal names before it only counts the rest. */
const MAX_LISTED_MISSING = 5;

/** Bytes a line may spend beyond twice its ID and path (target digits, commas, quotes, CRLF). */
const LINE_ALLOWANCE = 64;
/** Bytes of a whole file beyond its lines (header, BOM, blank lines). */
const FILE_SLACK = 64 * 1024;

/**
 * The largest prediction file worth reading for these test items: per line 64 bytes plus twice the item's
 * ID and image path (room for RFC 4180 quoting), and 64 KiB of slack. A bigger body is refused (413) before
 * it is parsed.
 *
 * @example
 * predictionBytesLimit([{ id: '0', imagePath: 'test/0.png' }]); // 65_623
 */
export function predictionBytesLimit(items: readonly PredictionItem[]): number {
  let bytes = FILE_SLACK;
  for (const item of items) {
    bytes += LINE_ALLOWANCE + 2 * (Buffer.byteLength(item.id) + Buffer.byteLength(item.imagePath));
  }
  return bytes;
}

/** One problem on one line of the file (1-based, as an editor numbers them). */
type Fault = { line: number; problem: string };

function refuse(message: string): ServiceError {
  return new ServiceError('invalid_predictions', `output.csv was refused: ${message}`);
}

const quoted = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/** The first line of a record: where it ends, less the line breaks inside its quoted fields. */
function firstLine(fields: string[], lastLine: number): number {
  const inner = fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
  return lastLine - inner;
}

/** The refusal of a file with faults: the first MAX_LISTED_FAULTS lines, a count of the rest, the missing IDs. */
function refusal(faults: Fault[], missing: PredictionItem[]): ServiceError {
  const parts: string[] = [];
  if (faults.length > 0) {
    const listed = faults.slice(0, MAX_LISTED_FAULTS).map((f) => `line ${f.line}: ${f.problem}`);
    const rest = faults.length - listed.length;
    parts.push(`${listed.join('; ')}${rest > 0 ? `; and ${rest} more line(s) at fault` : ''}`);
  }
  if (missing.length > 0) {
    const named = missing.slice(0, MAX_LISTED_MISSING).map((m) => quoted(m.id));
    const rest = missing.length - named.length;
    parts.push(
      `${missing.length} test ID(s) missing: ${named.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`,
    );
  }
  return refuse(parts.join('. '));
}

/** A target as written: a non-negative decimal integer below `classes`, or the problem with it. */
function target(text: string, classes: number): number | string {
  if (!/^\d{1,10}$/.test(text)) return `target ${quoted(text)} is not an integer`;
  const value = Number(text);
  if (value >= classes) return `target ${value} is outside [0, ${classes})`;
  return value;
}

/**
 * Checks a prediction file against the test items and returns the predicted class of each item, in the
 * items' (test.csv) order. The file is RFC 4180 CSV (a UTF-8 BOM, CRLF line ends and blank lines are
 * tolerated): the header exactly `ID,image_path,target`, then every test ID exactly once with the item's
 * image path and an integer target in `[0, classes)`, in any order. Any fault refuses the whole file with
 * `invalid_predictions` (HTTP 422), naming the first 10 lines at fault, a count of the rest, and the
 * missing IDs.
 *
 * @example
 * checkPredictions('ID,image_path,target\n0,0.png,3\n', [{ id: '0', imagePath: '0.png' }], 5); // Int32Array [3]
 */
export function checkPredictions(
  text: string,
  items: readonly PredictionItem[],
  classes: number,
): Int32Array {
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw refuse(
      `the file is empty; expected the header ${OUTPUT_COLUMNS.join(',')} and one line per test image`,
    );
  }
  const records: { record: string[]; lastLine: number }[] = [];
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], context) => {
        records.push({ record, lastLine: context.lines });
        return null; // kept above, with its line
      },
    });
  } catch (err) {
    if (err instanceof CsvError) throw refuse(`line ${err.lines}: malformed CSV (${err.message})`);
    throw err;
  }
  const [head, ...rows] = records;
  if (head.record.length !== OUTPUT_COLUMNS.length || head.record.some((f, i) => f !== OUTPUT_COLUMNS[i])) {
    const got = head.record.map((f) => quoted(f)).join(',');
    const line = firstLine(head.record, head.lastLine);
    throw refuse(`line ${line}: the header must be exactly ${OUTPUT_COLUMNS.join(',')}, got ${got}`);
  }

  const index = new Map(items.map((item, i) => [item.id, i]));
  const seenOn = new Map<string, number>();
  const predictions = new Int32Array(items.length);
  const faults: Fault[] = [];
  for (const { record, lastLine } of rows) {
    const line = firstLine(record, lastLine);
    const fault = (problem: string) => faults.push({ line, problem });
    if (record.length !== OUTPUT_COLUMNS.length) {
      fault(`expected 3 fields (ID,image_path,target), got ${record.length}`);
      continue;
    }
    const [id, imagePath, targetText] = record;
    const at = index.get(id);
    if (at === undefined) {
      fault(`unknown ID ${quoted(id)} (not in test.csv)`);
      continue;
    }
    const earlier = seenOn.get(id);
    if (earlier !== undefined) {
      fault(`duplicate ID ${quoted(id)} (first on line ${earlier})`);
      continue;
    }
    seenOn.set(id, line);
    const expected = items[at].imagePath;
    if (imagePath !== expected)
      fault(`image_path ${quoted(imagePath)} of ID ${quoted(id)}: expected ${quoted(expected)}`);
    const value = target(targetText, classes);
    if (typeof value === 'string') fault(value);
    else predictions[at] = value;
  }
  const missing = seenOn.size === items.length ? [] : items.filter((item) => !seenOn.has(item.id));
  if (faults.length > 0 || missing.length > 0) throw refusal(faults, missing);
  return predictions;
}
