// A modal yes/no that is answered by key (Enter / y, Esc / n) as well as by click.
import type { JSX } from 'solid-js';
import { useApp } from '../context.ts';

export function ConfirmDialog(props: {
  title: string;
  children: JSX.Element;
  confirm: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { keys } = useApp();
  keys.use('confirm', { yes: () => props.onConfirm(), no: () => props.onCancel() }, () => props.onCancel());
  return (
    <div
      class="modal-backdrop top"
      onClick={(e) => {
        if (e.target === e.currentTarget) props.onCancel();
      }}
    >
      <div class="modal" role="alertdialog" aria-label={props.title} data-testid="confirm-dialog">
        <h2>{props.title}</h2>
        <div class="modal-body">{props.children}</div>
        <div class="row end">
          <button onClick={() => props.onCancel()}>
            Cancel <kbd>Esc</kbd>
          </button>
          <button class={props.danger ? 'danger' : 'primary'} onClick={() => props.onConfirm()}>
            {props.confirm} <kbd>Enter</kbd>
          </button>
        </div>
      </div>
    </div>
  );
}
