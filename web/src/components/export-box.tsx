// "Take the model away": the command that writes the backbone and the current head as one ONNX graph,
// validated against the trainer's own predictions (works with or without the trainer running). Shown,
// not run: an export decodes and runs images for its validation, which is a job for the CLI, not the server.
import { Show } from 'solid-js';

export async function copyExport(command: string, notify: (t: string) => void): Promise<void> {
  document.querySelector('[data-testid=export-box]')?.scrollIntoView({ block: 'nearest' });
  const code = document.querySelector('[data-testid=export-command]');
  if (code) {
    const r = document.createRange();
    r.selectNodeContents(code);
    const s = getSelection();
    s?.removeAllRanges();
    s?.addRange(r);
  }
  const ok = await navigator.clipboard?.writeText(command).then(
    () => true,
    () => false,
  );
  notify(ok ? `Copied: ${command}` : 'The export command is selected: copy it with Ctrl+C.');
}

export function ExportBox(props: { info: { modelVersion: number | null; command: string }; keyHint: string }) {
  return (
    <section class="card export-box" data-testid="export-box">
      <h2>Take the model away</h2>
      <Show
        when={props.info.modelVersion !== null}
        fallback={
          <p class="muted small">
            No trained head saved yet: label at least two classes while the trainer runs; its head is saved after the
            fit (within about 20 s while images are still being embedded) and can then be exported as one ONNX file.
          </p>
        }
      >
        <p class="small">
          Model v{props.info.modelVersion} as one ONNX graph (backbone + head, <code>pixel_values</code> → class
          probabilities), with its preprocessing, labels and a validation report (onnxruntime must reproduce the
          trainer's predictions). Run in the folder you started hilt from:
        </p>
        <code class="export-command" data-testid="export-command">
          {props.info.command}
        </code>
        <p class="small">
          then <code>npx hilt predict --model {props.info.command.split('--out ').pop()} IMAGES…</code> writes one JSON
          line (or CSV row) per image.
        </p>
        <button
          data-testid="export-button"
          onClick={(e) => {
            void copyExport(props.info.command, () => {});
            e.currentTarget.blur();
          }}
        >
          Copy the export command <kbd>{props.keyHint}</kbd>
        </button>
      </Show>
    </section>
  );
}
