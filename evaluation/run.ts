import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CaseKind, type CaseResult, EVAL_DIR, HOLDOUT_DIRS, metricsOf, runEvaluation } from './cases.ts';
import { runCorpusConversations, runDialogues, runSimulations } from './chat.ts';
import { CORPUS_DIR, evaluateCorpus } from './corpus.ts';

/**
 * `npm run eval`: diagnosis quality, overall and per kind, on the real-world corpus
 * (evaluation/corpus: reports from public issue trackers), as it is and vendor-held-out; on the
 * labelled development cases (../shared/eval/dev); and on the project's own written held-out
 * cases (evaluation/holdout*), which no longer decide anything.
 */
const kinds: CaseKind[] = ['text', 'error', 'har'];
const verbose = process.argv.includes('--verbose');

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function report(results: CaseResult[]): void {
  const rows: Array<[string, CaseResult[]]> = [
    ['all', results],
    ...kinds.map((kind): [string, CaseResult[]] => [kind, results.filter((result) => result.kind === kind)]),
  ];
  const shown = rows.filter(([, subset]) => subset.length > 0);
  console.log('kind    cases  top-1   top-3   false alarms  (not auth)  abstained wrongly');
  for (const [name, subset] of shown) {
    const metrics = metricsOf(subset);
    console.log(
      `${name.padEnd(7)} ${String(metrics.cases).padStart(5)}  ${percent(metrics.top1).padStart(6)}  ${percent(metrics.top3).padStart(6)}  ${percent(metrics.falseAlarms).padStart(12)}  ${percent(metrics.notAuthAlarms).padStart(10)}  ${percent(metrics.wrongAbstentions).padStart(17)}`,
    );
  }
  const misses = results.filter((result) => !result.top1);
  if (misses.length === 0) return;
  console.log(`${misses.length} cases missed at top-1${verbose ? ':' : ' (--verbose lists them)'}`);
  if (verbose)
    for (const miss of misses)
      console.log(`  ${miss.id}: expected ${miss.expect.join(' | ')}, got ${miss.got.join(', ') || '(no cause)'}`);
}

const corpus = await evaluateCorpus();
const inSample = metricsOf(corpus.inSample);
const heldOut = metricsOf(corpus.vendorHeldOut);
console.log(
  `\nreal-world corpus (${CORPUS_DIR}): ${corpus.inSample.length} reports, ${new Set(corpus.inSample.map((result) => result.vendor)).size} vendors`,
);
console.log('as it is:');
report(corpus.inSample);
console.log(
  `vendor-held-out (each vendor's cases without the ${corpus.heldOutSignals} phrases, codes and words that only one vendor's reports contain, ${corpus.heldOutVendors} vendors affected):`,
);
report(corpus.vendorHeldOut);
console.log(
  `memorised: top-1 ${percent(inSample.top1)} as it is, ${percent(heldOut.top1)} vendor-held-out, a gap of ${((inSample.top1 - heldOut.top1) * 100).toFixed(1)} points`,
);

const sets: Array<[string, string]> = [
  ['development set', EVAL_DIR],
  ...HOLDOUT_DIRS.map((directory, index): [string, string] => [`held-out set ${index + 1}`, directory]),
];
for (const [name, directory] of sets) {
  console.log(`\n${name} (${directory})`);
  // The development set lives in ../shared, beside the project; a fresh clone has none.
  if (!existsSync(join(directory, 'cases.jsonl'))) console.log('not present: skipped');
  else report(await runEvaluation(kinds, directory));
}

// The chat: scripted dialogues (from ../shared, when present) and a simulated customer for every cause.
console.log('\nchat: scripted dialogues (../shared/eval/dev/dialogs.jsonl)');
if (!existsSync(join(EVAL_DIR, 'dialogs.jsonl'))) console.log('not present: skipped');
else {
  const dialogues = await runDialogues();
  const vague = dialogues.filter((result) => result.vague);
  console.log(
    `top-1 after the last turn: ${percent(dialogues.filter((result) => result.top1).length / dialogues.length)} (${dialogues.filter((result) => result.top1).length}/${dialogues.length})`,
  );
  console.log(
    `vague openings answered with a question: ${percent(vague.filter((result) => result.askedFirst).length / vague.length)} (${vague.filter((result) => result.askedFirst).length}/${vague.length}); presented no cause as the answer: ${vague.filter((result) => !result.guessedFirst).length}/${vague.length}`,
  );
  if (verbose)
    for (const miss of dialogues.filter((result) => !result.top1 || (result.vague && !result.askedFirst)))
      console.log(
        `  ${miss.id}: expected ${miss.expect.join(' | ')}, got ${miss.got}${miss.vague && !miss.askedFirst ? ', no question first' : ''}`,
      );
}
const simulations = await runSimulations();
const questions = simulations.map((result) => result.questions);
console.log("\nchat: a simulated customer for every cause, answering from the articles' declared answers");
console.log(
  `right cause reached: ${simulations.filter((result) => result.reached).length}/${simulations.length}; questions asked: average ${(questions.reduce((sum, value) => sum + value, 0) / questions.length).toFixed(2)}, worst ${Math.max(...questions)}`,
);
if (verbose)
  for (const result of simulations)
    console.log(`  ${result.cause}: ${result.questions} questions${result.reached ? '' : ', not reached'}`);

const conversations = await runCorpusConversations();
const reachedCount = conversations.filter((result) => result.reached).length;
const asked = conversations.map((result) => result.questions);
console.log('\nchat: every corpus report that names a cause, as a conversation with a customer who has that cause');
const firstOffer = conversations.filter((result) => result.reached && result.wrongOffers === 0).length;
console.log(
  `the first steps offered were the right cause's: ${percent(firstOffer / conversations.length)} (${firstOffer}/${conversations.length}); reached at all, after turning down other causes' steps: ${percent(reachedCount / conversations.length)}; questions asked: average ${(asked.reduce((sum, value) => sum + value, 0) / asked.length).toFixed(2)}, worst ${Math.max(...asked)}`,
);
if (verbose)
  for (const result of conversations.filter((candidate) => !candidate.reached))
    console.log(`  ${result.id}: ${result.cause} not reached after ${result.questions} questions`);
