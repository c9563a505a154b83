// Fixture of the prediction-file route tests: the API harness, test.csv's items, and output.csv bodies built from them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { bearer, type Harness, openHarness } from '../api/fixtures.js';
import { call, type Reply } from '../api/flow.js';

/** A test item as test.csv lists it. */
export type Item = { id: string; path: string };

/** The API harness over PGlite, with test.csv's items in order. */
export class PredictionFixture {
  private constructor(
    readonly h: Harness,
    readonly items: Item[],
  ) {}

  static async open(): Promise<PredictionFixture> {
    const h = await openHarness('pglite');
    const [, ...lines] = (await readFile(join(h.dataset.dir, 'test.csv'), 'utf8')).trim().split('\n');
    const items = lines.map((line) => {
      const [id, path] = line.split(',');
      return { id, path };
    });
    return new PredictionFixture(h, items);
  }

  /** output.csv predicting `target(id)` for every item of `rows` (default: all, in test.csv order). */
  csvOf(target: (id: string) => number, rows: Item[] = this.items): string {
    return `ID,image_path,target\n${rows.map((r) => `${r.id},${r.path},${target(r.id)}`).join('\n')}\n`;
  }

  /** Right on every other item (by position), class 0 elsewhere. */
  readonly halfRight = (id: string): number =>
    this.items.findIndex((r) => r.id === id) % 2 === 0 ? (this.h.dataset.labels.get(id) ?? 0) : 0;

  /** POST a prediction file: a string as `text/csv`, or a multipart form. */
  send(
    s: string,
    token: string,
    body: string | FormData,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const type: Record<string, string> = typeof body === 'string' ? { 'Content-Type': 'text/csv' } : {};
    return call(this.h, 'POST', `/api/competitions/${s}/submissions`, {
      headers: { ...bearer(token), ...type, ...headers },
      body,
    });
  }

  close(): Promise<void> {
    return this.h.close();
  }
}

/** Opens the fixture before the file's tests (handing it to `use`) and closes it after them. */
export function usePredictionFixture(use: (fixture: PredictionFixture) => void): void {
  let opened: PredictionFixture | undefined;
  beforeAll(async () => {
    opened = await PredictionFixture.open();
    use(opened);
  });
  afterAll(() => opened?.close());
}
