import type { FeedbackVote } from '../http/api-types.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { postJson } from './console-api.ts';

/**
 * Votes in the diagnosis view: "Right cause?" on each cause card (a "no" asks why) and "This
 * fixed it" / "Didn't help" on each step. The server keeps one vote per session and item, a
 * later one replacing the earlier; the tab remembers its choices so a cause shown again shows them.
 */

type Reason = NonNullable<FeedbackVote['reason']>;

const REASONS: ReadonlyArray<[Reason, string]> = [
  ['wrong-cause', 'Wrong cause'],
  ['steps-unclear', 'Steps unclear'],
  ['tried-failed', 'Tried it and it failed'],
  ['other', 'Other'],
];
const REASON_WORDS = new Map(REASONS);
const VOTES_KEY = 'fixpath-console-votes';
const COMMENT_MAX = 500;

interface Choice {
  helpful: boolean;
  reason?: Reason;
}

/** A cause's votes are keyed by its id, a step's by `cause#step`, as the event store keys them. */
const itemKey = (cause: string, step?: string): string => (step === undefined ? cause : `${cause}#${step}`);

function rememberedChoices(): Record<string, Choice> {
  try {
    return JSON.parse(sessionStorage.getItem(VOTES_KEY) ?? '{}') as Record<string, Choice>;
  } catch {
    return {};
  }
}

function remember(key: string, choice: Choice): void {
  sessionStorage.setItem(VOTES_KEY, JSON.stringify({ ...rememberedChoices(), [key]: choice }));
}

const pressed = (choice: Choice | undefined, helpful: boolean): string =>
  String(choice !== undefined && choice.helpful === helpful);

const stepNote = (choice: Choice | undefined): string =>
  choice === undefined ? '' : choice.helpful ? 'Counted: it fixed it.' : "Counted: it didn't help.";

function causeNote(choice: Choice | undefined): string {
  if (!choice) return '';
  if (choice.helpful) return 'Thanks: counted as the right cause.';
  const reason = choice.reason ? ` (${REASON_WORDS.get(choice.reason)?.toLowerCase()})` : '';
  return `Thanks: counted as not the right cause${reason}.`;
}

/** "Right cause?" for the cause card at `index`. */
export function causeVoteHtml(cause: string, index: number): string {
  const choice = rememberedChoices()[itemKey(cause)];
  const reasons = REASONS.map(
    ([value, words]) =>
      `<label><input type="radio" name="reason-${index}" value="${value}"${choice?.reason === value ? ' checked' : ''}> ${words}</label>`,
  ).join('');
  return `<div class="vote cause-vote" data-cause="${escapeHtml(cause)}">
<div class="vote-buttons" role="group" aria-labelledby="vote-${index}"><span id="vote-${index}">Right cause?</span> <button type="button" data-vote="yes" aria-pressed="${pressed(choice, true)}">Yes</button><button type="button" data-vote="no" aria-pressed="${pressed(choice, false)}">No</button></div>
<form class="vote-reason" aria-label="Why it is not the right cause" hidden>
<fieldset><legend>Why not?</legend>${reasons}</fieldset>
<label for="vote-comment-${index}">Anything to add? (optional)</label>
<textarea id="vote-comment-${index}" rows="2" maxlength="${COMMENT_MAX}"></textarea>
<p><button type="submit" class="primary">Submit</button></p>
</form>
<p class="vote-note meta" role="status">${causeNote(choice)}</p>
</div>`;
}

/** "This fixed it" / "Didn't help" for one step of a cause. */
export function stepVoteHtml(cause: string, step: { id: string; title: string }): string {
  const choice = rememberedChoices()[itemKey(cause, step.id)];
  return `<div class="vote step-vote" role="group" aria-label="Did “${escapeHtml(step.title)}” work?" data-cause="${escapeHtml(cause)}" data-step="${escapeHtml(step.id)}"><button type="button" data-vote="yes" aria-pressed="${pressed(choice, true)}">This fixed it</button><button type="button" data-vote="no" aria-pressed="${pressed(choice, false)}">Didn't help</button> <span class="vote-note meta" role="status">${stepNote(choice)}</span></div>`;
}

function showChoice(vote: HTMLElement, choice: Choice): void {
  for (const button of vote.querySelectorAll<HTMLButtonElement>('[data-vote]'))
    button.setAttribute('aria-pressed', String((button.dataset.vote === 'yes') === choice.helpful));
  const note = vote.querySelector('.vote-note');
  if (note) note.textContent = vote.dataset.step === undefined ? causeNote(choice) : stepNote(choice);
}

/**
 * Handle every vote inside `root` (the diagnosis, redrawn for each answer). `signature` is the
 * shown diagnosis's signature id, so a "no" counts against that error's gap; `report` hears
 * a vote the server refused.
 */
export function handleVotes(
  root: HTMLElement,
  signature: () => string | undefined,
  report: (message: string, error?: boolean) => void,
): void {
  const send = async (vote: HTMLElement, choice: Choice, comment?: string): Promise<void> => {
    const cause = vote.dataset.cause!;
    const step = vote.dataset.step;
    const id = signature();
    const body: FeedbackVote = {
      helpful: choice.helpful,
      cause,
      ...(step !== undefined ? { step } : {}),
      ...(choice.reason ? { reason: choice.reason } : {}),
      ...(comment ? { comment } : {}),
      ...(id ? { signature: id } : {}),
    };
    try {
      await postJson('/v1/feedback', body);
      remember(itemKey(cause, step), choice);
      showChoice(vote, choice);
    } catch (error) {
      report(`The vote was not counted: ${(error as Error).message}`, true);
    }
  };

  root.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-vote]');
    const vote = button?.closest<HTMLElement>('.vote');
    if (!button || !vote) return;
    const helpful = button.dataset.vote === 'yes';
    const reasons = vote.querySelector<HTMLFormElement>('.vote-reason');
    if (reasons && !helpful) {
      reasons.hidden = false;
      reasons.querySelector<HTMLInputElement>('input')?.focus();
      return;
    }
    if (reasons) reasons.hidden = true;
    void send(vote, { helpful });
  });

  root.addEventListener('submit', (event) => {
    const form = (event.target as HTMLElement).closest<HTMLFormElement>('.vote-reason');
    const vote = form?.closest<HTMLElement>('.vote');
    if (!form || !vote) return;
    event.preventDefault();
    const reason = form.querySelector<HTMLInputElement>('input[type=radio]:checked')?.value as Reason | undefined;
    const comment = form.querySelector('textarea')?.value.trim().slice(0, COMMENT_MAX);
    form.hidden = true;
    void send(vote, { helpful: false, ...(reason ? { reason } : {}) }, comment);
  });
}
