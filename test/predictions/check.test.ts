// The prediction-file check (pure): what it accepts (BOM, CRLF, RFC 4180 quoting, any order) and every refusal, with line numbers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPredictions,
  MAX_LISTED_FAULTS,
  type PredictionItem,
  predictionBytesLimit,
} from '../../functions/intake/predictions-check.js';
import { isServiceError } from '../../functions/services/errors.js';

const CLASSES = 3;
const ITEMS: PredictionItem[] = [
  { id: 'a', imagePath: 'test/a.png' },
  { id: 'b', imagePath: 'test/b.png' },
  { id: 'c,1', imagePath: 'test/c 1.png' },
  { id: 'd', imagePath: 'test/d.png' },
];
const HEADER = 'ID,image_path,target';
/** A correct file's rows, in test.csv order, predicting 2, 0, 1, 2. */
const ROWS = ['a,test/a.png,2', 'b,test/b.png,0', '"c,1",test/c 1.png,1', 'd,test/d.png,2'];
const file = (rows: string[], header = HEADER) => `${[header, ...rows].join('\n')}\n`;

/** The message of the refusal of `text`, checked to be a 422 `invalid_predictions`. */
function refusal(text: string, items: PredictionItem[] = ITEMS): string {
  try {
    checkPredictions(text, items, CLASSES);
  } catch (err) {
    expect(isServiceError(err, 'invalid_predictions'), String(err)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('checkPredictions accepts', () => {
  it('a correct file, returning each item’s target in test.csv order', () => {
    expect([...checkPredictions(file(ROWS), ITEMS, CLASSES)]).toEqual([2, 0, 1, 2]);
  });

  it('rows in any order, a UTF-8 BOM, CRLF line ends, quoted fields and blank lines', () => {
    const quoted = [
      '"d","test/d.png","2"',
      '"a",test/a.png,2',
      '',
      '"c,1","test/c 1.png",1',
      'b,test/b.png,0',
    ];
    const text = `\uFEFF${[HEADER, ...quoted].join('\r\n')}\r\n\r\n`;
    expect([...checkPredictions(text, ITEMS, CLASSES)]).toEqual([2, 0, 1, 2]);
  });

  it('any permutation with any line ends and quoting gives the same predictions (property)', () => {
    const quote = (v: string, q: boolean) => (q || v.includes(',') ? `"${v.replaceAll('"', '""')}"` : v);
    const rows = ITEMS.map((item, i) => [item.id, item.imagePath, String([2, 0, 1, 2][i])]);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        (order, eol, bom, quoting) => {
          const lines = order.map((r) => r.map((v, i) => quote(v, quoting[i])).join(','));
          const text = `${bom ? '\uFEFF' : ''}${[HEADER, ...lines].join(eol)}${eol}`;
          expect([...checkPredictions(text, ITEMS, CLASSES)]).toEqual([2, 0, 1, 2]);
        },
      ),
    );
  });
});

describe('checkPredictions refuses (422 invalid_predictions)', () => {
  it('an empty file, or one of a BOM and blank lines', () => {
    expect(refusal('')).toMatch(/the file is empty; expected the header ID,image_path,target/);
    expect(refusal('\uFEFF\r\n\r\n')).toMatch(/the file is empty/);
  });

  it('a header that is not exactly ID,image_path,target', () => {
    expect(refusal(file(ROWS, 'id,image_path,target'))).toMatch(
      /line 1: the header must be exactly ID,image_path,target, got "id"/,
    );
    expect(refusal(file(ROWS, 'ID,image_path'))).toMatch(/line 1: the header must be exactly/);
    expect(refusal(file(ROWS, 'ID,image_path,target,extra'))).toMatch(/line 1: the header/);
    expect(refusal(`\n\n${file(ROWS, 'ID,target,image_path')}`)).toMatch(/line 3: the header/);
  });

  it('a duplicate ID, naming both lines', () => {
    expect(refusal(file([...ROWS, 'b,test/b.png,1']))).toMatch(
      /line 6: duplicate ID "b" \(first on line 3\)/,
    );
  });

  it('a missing ID, by name, with the count', () => {
    const message = refusal(file([ROWS[0], ROWS[2], ROWS[3]]));
    expect(message).toMatch(/1 test ID\(s\) missing: "b"$/);
    expect(refusal(file([]))).toMatch(/4 test ID\(s\) missing: "a", "b", "c,1", "d"$/);
  });

  it('an unknown ID', () => {
    expect(refusal(file([...ROWS, 'zz,test/zz.png,1']))).toMatch(
      /line 6: unknown ID "zz" \(not in test.csv\)/,
    );
  });

  it('an image path that is not the item’s', () => {
    const rows = [ROWS[0], 'b,test/B.png,0', ROWS[2], ROWS[3]];
    expect(refusal(file(rows))).toMatch(/line 3: image_path "test\/B.png" of ID "b": expected "test\/b.png"/);
  });

  it('a target that is not an integer', () => {
    for (const target of ['1.0', 'x', '-1', '', ' 1', '1e0', '0x1']) {
      const rows = [ROWS[0], `b,test/b.png,${target}`, ROWS[2], ROWS[3]];
      expect(refusal(file(rows)), target).toContain(
        `line 3: target ${JSON.stringify(target)} is not an integer`,
      );
    }
  });

  it('a target outside [0, classes)', () => {
    const rows = [ROWS[0], ROWS[1], ROWS[2], 'd,test/d.png,3'];
    expect(refusal(file(rows))).toContain('line 5: target 3 is outside [0, 3)');
    expect(refusal(file([...ROWS.slice(0, 3), 'd,test/d.png,99999999999']))).toContain('is not an integer');
  });

  it('a line with the wrong number of fields, and malformed CSV', () => {
    expect(refusal(file([ROWS[0], 'b,test/b.png', ROWS[2], ROWS[3]]))).toMatch(/line 3: expected 3 fields/);
    expect(refusal(file([ROWS[0], 'b,"test/b.png,0', ROWS[2]]))).toMatch(/malformed CSV/);
  });

  it('numbers lines as in the file when a quoted field spans lines', () => {
    const text = file(['"a",test/a.png,2', '"b\nb",test/b.png,0', ROWS[2], 'd,test/d.png,7']);
    const message = refusal(text);
    expect(message).toContain('line 3: unknown ID "b\\nb"');
    expect(message).toContain('line 6: target 7 is outside');
  });

  it(`lists the first ${MAX_LISTED_FAULTS} lines at fault and counts the rest`, () => {
    const bad = Array.from({ length: 15 }, (_, i) => `x${i},test/x.png,0`);
    const message = refusal(file([...ROWS, ...bad]));
    expect(message.match(/line \d+: unknown ID/g)).toHaveLength(MAX_LISTED_FAULTS);
    expect(message).toContain('line 6: unknown ID "x0"');
    expect(message).toContain('line 15: unknown ID "x9"');
    expect(message).not.toContain('"x10"');
    expect(message).toContain('and 5 more line(s) at fault');
  });
});

describe('predictionBytesLimit', () => {
  it('leaves room for a quoted, CRLF file of the test items and refuses far larger bodies', () => {
    const limit = predictionBytesLimit(ITEMS);
    const quoted = `\uFEFF${[HEADER, ...ITEMS.map((i) => `"${i.id}","${i.imagePath}","2"`)].join('\r\n')}\r\n`;
    expect(Buffer.byteLength(quoted)).toBeLessThan(limit);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: String(i), imagePath: `test/${i}.png` }));
    const bound = predictionBytesLimit(many);
    expect(bound).toBe(64 * 1024 + many.reduce((n, i) => n + 64 + 2 * (i.id.length + i.imagePath.length), 0));
    expect(bound).toBeLessThan(2 * 1024 * 1024);
  });
});
