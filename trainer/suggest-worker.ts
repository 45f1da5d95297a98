// Worker-thread entry (trainer/suggest-thread.ts starts it): computes the suggestion lists of one refit
// off the trainer's event loop, so sorting a million rows and k-center never delay a focused prediction.
import { parentPort } from 'node:worker_threads';
import { computeSuggestions, type SuggestionInput } from './suggestions.ts';

parentPort!.on('message', (m: { job: number; input: SuggestionInput }) => {
  try {
    parentPort!.postMessage({ job: m.job, lists: computeSuggestions(m.input) });
  } catch (e) {
    parentPort!.postMessage({ job: m.job, error: (e as Error).stack ?? String(e) });
  }
});
