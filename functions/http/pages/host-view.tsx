// The host's page of a competition: forms to update, close, reopen, disqualify and correct the labels (no scripts).
import type { CompetitionView, TeamView } from '../../services/index.js';
import { CompetitionTabs, KeyFacts } from './competition-tabs.js';
import { type HeaderInfo, Layout } from './layout.js';

/** Props of the host's page. */
export type HostPageProps = {
  header: HeaderInfo;
  competition: CompetitionView;
  teams: TeamView[];
  /** What the last action did (shown once, after a form). */
  notice?: string;
};

function Csrf(props: { header: HeaderInfo }) {
  return <input type="hidden" name="csrf" value={props.header.csrf} />;
}

function Field(props: { name: string; label: string; value?: string | number; type?: string }) {
  return (
    <p>
      <label for={`f-${props.name}`}>{props.label}</label>
      <input id={`f-${props.name}`} name={props.name} type={props.type ?? 'text'} value={props.value} />
    </p>
  );
}

/** The host's page: the key facts, then one form per action. */
export function HostPage(props: HostPageProps) {
  const { competition: c, teams, header } = props;
  const action = (verb: string) => `/c/${encodeURIComponent(c.slug)}/host/${verb}`;
  return (
    <Layout title={`Host · ${c.title}`} header={header}>
      <h1>{c.title}: host</h1>
      <CompetitionTabs slug={c.slug} current="leaderboard" />
      {props.notice !== undefined && (
        <p class="card" role="status">
          {props.notice}
        </p>
      )}
      <KeyFacts c={c} />
      <h2>Update</h2>
      <form method="post" action={action('update')} class="card">
        <Csrf header={header} />
        <Field name="title" label="Title" value={c.title} />
        <p>
          <label for="f-description">Description (markdown, the Overview tab)</label>
          <textarea id="f-description" name="description" rows={8} cols={80}>
            {c.description}
          </textarea>
        </p>
        <p>
          <label for="f-rules">Rules (markdown, the Rules tab)</label>
          <textarea id="f-rules" name="rules" rows={8} cols={80}>
            {c.rules}
          </textarea>
        </p>
        <Field name="endsAt" label="Ends at (ISO 8601, UTC)" value={c.endsAt.toISOString()} />
        <Field name="dailyLimit" label="Submissions a day" value={c.dailyLimit} type="number" />
        <Field name="finals" label="Finals per team" value={c.finals} type="number" />
        <button type="submit">Save</button>
      </form>
      <h2>{c.phase === 'ended' ? 'Reopen' : 'Close'}</h2>
      {c.phase === 'ended' ? (
        <form method="post" action={action('reopen')} class="card">
          <Csrf header={header} />
          <Field name="endsAt" label="New end (ISO 8601, in the future)" />
          <button type="submit">Reopen</button>
        </form>
      ) : (
        <form method="post" action={action('close')} class="card">
          <Csrf header={header} />
          <p>Ends the competition now: submissions stop and the private leaderboard opens.</p>
          <button type="submit">Close now</button>
        </form>
      )}
      <h2>Disqualify</h2>
      <form method="post" action={action('disqualify')} class="card">
        <Csrf header={header} />
        <Field name="submission" label="Submission id (or leave empty and name the team)" />
        <Field name="team" label="Team name" />
        <Field name="reason" label="Reason (shown to the team)" />
        <button type="submit">Disqualify</button>
      </form>
      <div class="scroll">
        <table>
          <caption>Teams</caption>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Members</th>
              <th scope="col">Disqualified</th>
            </tr>
          </thead>
          <tbody>
            {teams.map((t) => (
              <tr>
                <th scope="row">{t.name}</th>
                <td class="wrap">{t.members.join(', ')}</td>
                <td class="wrap">
                  {t.disqualification ? (
                    <form method="post" action={action('requalify')}>
                      {t.disqualification.reason} <Csrf header={header} />
                      <input type="hidden" name="team" value={t.name} />
                      <button type="submit" class="secondary">
                        Requalify
                      </button>
                    </form>
                  ) : (
                    'no'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Correct the test labels</h2>
      <form method="post" action={action('labels')} enctype="multipart/form-data" class="card">
        <Csrf header={header} />
        <p>
          <label for="f-labels">Corrected test_labels.csv (same IDs and image paths)</label>
          <input id="f-labels" name="labels" type="file" accept=".csv,text/csv" required />
        </p>
        <p class="muted">
          Every scored submission is rescored from its stored predictions; nothing is run again.
        </p>
        <button type="submit">Replace and rescore</button>
      </form>
    </Layout>
  );
}
