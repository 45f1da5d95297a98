// Mounts the segmentation editor on a canvas that fills its box (device-pixel sharp).
import { onCleanup, onMount } from 'solid-js';
import { SegEditor } from '../seg/editor.ts';
import { attachInput } from '../seg/editor-input.ts';
import { renderEditor } from '../seg/render.ts';

export function SegCanvas(props: {
  onReady: (ed: SegEditor) => void;
  onEdit: (kind: 'stroke' | 'done') => void;
  cursor: string;
}) {
  let box!: HTMLDivElement;
  let canvas!: HTMLCanvasElement;
  onMount(() => {
    const ed = new SegEditor(canvas, (k) => props.onEdit(k), renderEditor);
    const detach = attachInput(ed);
    const ro = new ResizeObserver(() => ed.resize(box.clientWidth, box.clientHeight));
    ro.observe(box);
    ed.resize(box.clientWidth, box.clientHeight);
    props.onReady(ed);
    onCleanup(() => {
      ro.disconnect();
      detach();
      ed.dispose();
    });
  });
  return (
    <div class="seg-box" ref={box}>
      <canvas ref={canvas} class="seg-canvas" data-testid="seg-canvas" tabindex="-1" style={{ cursor: props.cursor }} />
    </div>
  );
}
