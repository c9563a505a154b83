// `sketchboard evaluate`: accuracy of an output.csv against labels, overall and per split, with 95% CIs.
import { formatEvaluation } from '../metrics/accuracy.js';
import { evaluate } from '../metrics/evaluate.js';
import { type Command, parse, required, UsageError } from './args.js';

const usage = `Usage: sketchboard evaluate output.csv --labels test_labels.csv

Prints the accuracy of output.csv (ID,image_path,target) against the labels, joined by ID, with a
Wilson 95% confidence interval; per split too when the labels have a split column (public/private).

  --labels FILE   the host's labels: ID,image_path,target[,split]`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { labels: { type: 'string' } });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'missing output.csv' : `unexpected argument "${positionals[1]}"`,
    );
  }
  const labels = required(values.labels, 'labels');
  const result = await evaluate(positionals[0], labels);
  process.stdout.write(`${formatEvaluation(result).join('\n')}\n`);
  return 0;
}

export const command: Command = {
  name: 'evaluate',
  summary: 'accuracy of an output.csv against labels, per split, with confidence intervals',
  usage,
  run,
};
