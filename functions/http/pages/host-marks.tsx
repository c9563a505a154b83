// What the host's actions leave on a team's pages: a disqualification notice, and rescored scores as old → new.
import type { Score, SubmissionView } from '../../services/index.js';
import type { Disqualification } from '../../services/views.js';
import { accuracy, when } from './format.js';

/**
 * A disqualification notice (the host's reason and when), or nothing.
 *
 * @example
 * <DisqualifiedNote what="This submission" d={s.disqualification} />
 */
export function DisqualifiedNote(props: { what: string; d: Disqualification | null }) {
  if (props.d === null) return null;
  return (
    <p class="card error" role="note">
      <strong>{props.what} is disqualified</strong> and off both leaderboards: {props.d.reason}{' '}
      <span class="muted">({when(props.d.at)})</span>
    </p>
  );
}

/**
 * A score with its value before a label replacement when that differs: `0.5000 → 0.6250`; a dash when none.
 *
 * @example
 * <Rescored now={s.public} before={s.previousScores?.public} />
 */
export function Rescored(props: { now: Score | null; before?: Score | null }) {
  const { now, before } = props;
  if (now === null) return <>—</>;
  if (!before || before.correct === now.correct) return <>{accuracy(now.accuracy)}</>;
  return (
    <span title="rescored after the host corrected the test labels">
      <del>{accuracy(before.accuracy)}</del> → {accuracy(now.accuracy)}
    </span>
  );
}

/** One line saying that the labels were corrected and the member scores are from the labels before. */
export function RescoredNote(props: { s: SubmissionView }) {
  const p = props.s.previousScores;
  if (p === null) return null;
  return (
    <p class="muted">
      Rescored from its stored predictions when the host corrected the test labels ({when(p.replacedAt)});
      ensemble member scores are from the labels before.
    </p>
  );
}
