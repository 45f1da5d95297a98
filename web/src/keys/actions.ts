// Every action the UI has, with its default keys. Pure data: the settings page, the `?`
// overlay and the dispatcher all read this list, so a new action shows up everywhere at once.
// Escape (close / cancel) and Enter/Space on a focused button are fixed and not listed here.

import { WEB_TASK_LIST } from '../tasks/index.ts';

/** `modal` scopes take over the keyboard while open (only their actions run). */
export const SCOPES = {
  global: { label: 'Everywhere', modal: false },
  home: { label: 'Home', modal: false },
  projects: { label: 'Projects (the sessions list)', modal: false },
  classify: { label: 'Classification', modal: false },
  segment: { label: 'Segmentation', modal: false },
  browse: { label: 'Browse', modal: false },
  review: { label: 'Browse: likely label errors', modal: false },
  evaluation: { label: 'Evaluation', modal: false },
  settings: { label: 'Settings', modal: false },
  classes: { label: 'Classes panel', modal: true },
  pickClass: { label: 'Choosing the class for “by class”', modal: true },
  confirm: { label: 'Confirmation', modal: true },
  help: { label: 'Key list', modal: true },
} as const;
export type Scope = keyof typeof SCOPES;

export interface ActionDef {
  id: string;
  scope: Scope;
  label: string;
  keys: string[];
  /** fire again while the key is held (navigation, sizes); labelling keys never repeat */
  repeat?: boolean;
  /** the class digit this action picks (keys/class-keys.ts): the key list shows it only while that class exists */
  classDigit?: number;
  /** its label once the class is known, e.g. "Paint with circle" */
  classLabel?: (name: string) => string;
}

const a = (scope: Scope, id: string, label: string, keys: string[], repeat = false): ActionDef => ({
  id: `${scope}.${id}`,
  scope,
  label,
  keys,
  repeat,
});
const nine = (scope: Scope, id: string, label: (k: number) => string) =>
  Array.from({ length: 9 }, (_, i) => a(scope, `${id}${i + 1}`, label(i + 1), [String(i + 1)]));
/** one action per class digit: `0` the background class, `1`–`9` the others in order (keys/class-keys.ts) */
const ten = (scope: Scope, id: string, label: (k: string) => string) =>
  Array.from({ length: 10 }, (_, d): ActionDef => ({
    ...a(scope, `${id}${d}`, label(nth(d)), [String(d)]),
    classDigit: d,
    classLabel: (name) => label(`“${name}”`),
  }));
const nth = (d: number) => (d === 0 ? 'the background class' : `class ${d}`);

export const ACTIONS: ActionDef[] = [
  a('global', 'help', 'Show all keys', ['?']),
  a('global', 'jump', 'Jump to an image id', ['g']),
  a('global', 'classes', 'Open the classes panel', ['c']),
  a('global', 'strategyNext', 'Next image strategy', ['n']),
  a('global', 'strategyPrev', 'Previous image strategy', ['Shift+n']),
  a('global', 'goHome', 'Go home', ['Shift+h']),
  a('global', 'goLabel', 'Go to the labelling view', ['Shift+l']),
  a('global', 'goBrowse', 'Go to browse', ['Shift+b']),
  a('global', 'goStats', 'Go to stats', ['Shift+s']),
  a('global', 'goEval', 'Go to evaluation', ['Shift+e']),
  a('global', 'goSettings', 'Go to settings', ['Shift+p']),
  a('global', 'name', 'Set your name (who labels)', ['Shift+a']),
  a('global', 'goProjects', 'Go to the projects (every session)', ['Shift+o']),

  ...WEB_TASK_LIST.map((t) => a('home', t.name, `Open ${t.name}`, [t.homeKey])),
  a('home', 'open', 'Open the current task', ['Enter']),

  a('projects', 'down', 'Next session', ['ArrowDown', 'j'], true),
  a('projects', 'up', 'Previous session', ['ArrowUp', 'k'], true),
  a('projects', 'open', 'Open the session', ['Enter']),
  a('projects', 'create', 'Add a session (name, task, import)', ['a']),
  a('projects', 'rename', 'Rename the session', ['r']),
  a('projects', 'reset', 'Reset the session (the folder is renamed; nothing is deleted)', ['Shift+r']),

  ...ten('classify', 'label', (k) => `Label with ${k} and advance`),
  a('classify', 'accept', 'Accept the prediction and advance', ['Enter']),
  a('classify', 'skip', 'Skip this image', ['s']),
  a('classify', 'next', 'Next image', ['ArrowRight', 'd'], true),
  a('classify', 'prev', 'Previous image', ['ArrowLeft', 'a'], true),
  a('classify', 'undo', 'Undo the last label', ['z', '$mod+z']),
  a('classify', 'windowDown', 'Live accuracy: smaller window', ['-'], true),
  a('classify', 'windowUp', 'Live accuracy: larger window', ['='], true),

  ...ten('segment', 'class', (k) => `Paint with ${k}`),
  a('segment', 'accept', 'Accept the prediction as the mask (closes a polygon)', ['Enter']),
  a('segment', 'advance', 'Save and go to the next image by strategy', ['s']),
  a('segment', 'next', 'Next image (saves)', ['ArrowRight', 'd'], true),
  a('segment', 'prev', 'Previous image (saves)', ['ArrowLeft', 'a'], true),
  a('segment', 'undo', 'Undo', ['z', '$mod+z'], true),
  a('segment', 'redo', 'Redo', ['Shift+z', '$mod+Shift+z', '$mod+y'], true),
  a('segment', 'brush', 'Brush', ['b']),
  a('segment', 'superpixel', 'Superpixel brush on/off: brush and eraser paint whole superpixels', ['r']),
  a('segment', 'eraser', 'Eraser', ['e']),
  a('segment', 'point', 'Point tool', ['p']),
  a('segment', 'polygon', 'Polygon fill', ['f']),
  a(
    'segment',
    'region',
    'Region tool: a click, or a class key with the pointer on it, recolours that predicted region',
    ['t'],
  ),
  a('segment', 'sizeDown', 'Smaller brush', ['['], true),
  a('segment', 'sizeUp', 'Larger brush', [']'], true),
  a('segment', 'overlay', 'Toggle the prediction overlay', ['o']),
  a('segment', 'uncertainty', 'Toggle the uncertainty heat-map', ['u']),
  a('segment', 'opacityDown', 'Prediction more transparent', [','], true),
  a('segment', 'opacityUp', 'Prediction more opaque', ['.'], true),
  a('segment', 'maskOpacityDown', 'Your mask more transparent', ['<'], true),
  a('segment', 'maskOpacityUp', 'Your mask more opaque', ['>'], true),
  a('segment', 'hide', 'Hide your mask and the prediction (the bare image)', ['h']),
  a('segment', 'diff', 'Show only where your mask and the prediction disagree', ['x']),
  a('segment', 'zoomIn', 'Zoom in', ['='], true),
  a('segment', 'zoomOut', 'Zoom out', ['-'], true),
  a('segment', 'zoomFit', 'Fit the image', ['v']),
  a('segment', 'panLeft', 'Pan left', ['Shift+ArrowLeft'], true),
  a('segment', 'panRight', 'Pan right', ['Shift+ArrowRight'], true),
  a('segment', 'panUp', 'Pan up', ['Shift+ArrowUp'], true),
  a('segment', 'panDown', 'Pan down', ['Shift+ArrowDown'], true),
  a('segment', 'clear', 'Clear this image’s mask and points', ['Delete']),

  a('browse', 'left', 'Move left', ['ArrowLeft', 'a'], true),
  a('browse', 'right', 'Move right', ['ArrowRight', 'd'], true),
  a('browse', 'up', 'Move up', ['ArrowUp', 'w'], true),
  a('browse', 'down', 'Move down', ['ArrowDown', 's'], true),
  a('browse', 'open', 'Open the selected image', ['Enter']),
  a('browse', 'pagePrev', 'Previous page', ['['], true),
  a('browse', 'pageNext', 'Next page', [']'], true),
  a('browse', 'filter', 'Next filter', ['f']),
  a('browse', 'sort', 'Next sort order', ['r']),

  a('review', 'keep', 'Keep the given label (it is right)', ['k']),
  ...ten('review', 'relabel', (k) => `Relabel with ${k}`),
  a('review', 'accept', 'Relabel with the model’s suggestion', ['y']),

  a('evaluation', 'cellLeft', 'Confusion matrix: cell left', ['ArrowLeft', 'a'], true),
  a('evaluation', 'cellRight', 'Confusion matrix: cell right', ['ArrowRight', 'd'], true),
  a('evaluation', 'cellUp', 'Confusion matrix: cell up', ['ArrowUp', 'w'], true),
  a('evaluation', 'cellDown', 'Confusion matrix: cell down', ['ArrowDown', 's'], true),
  a('evaluation', 'openCell', 'Open the cell’s images in Browse', ['Enter']),
  a('evaluation', 'rowNext', 'Per-image table: next row', ['j'], true),
  a('evaluation', 'rowPrev', 'Per-image table: previous row', ['k'], true),
  a('evaluation', 'openRow', 'Open the selected image', ['o']),
  a('evaluation', 'sort', 'Per-image table: next sort (loss ↓, loss ↑, id)', ['r']),
  a('evaluation', 'pagePrev', 'Per-image table: previous page', ['['], true),
  a('evaluation', 'pageNext', 'Per-image table: next page', [']'], true),
  a('evaluation', 'review', 'Review likely label errors (Browse)', ['v']),
  a('evaluation', 'export', 'Take the model away: the export command', ['x']),
  ...nine('evaluation', 'hint', (k) => `Open the images of hint ${k}`),

  a('settings', 'up', 'Previous action', ['ArrowUp', 'k'], true),
  a('settings', 'down', 'Next action', ['ArrowDown', 'j'], true),
  a('settings', 'remap', 'Add a key to the selected action', ['Enter']),
  a('settings', 'removeKey', 'Remove the selected action’s last key', ['Delete']),
  a('settings', 'restore', 'Restore the selected action’s default keys', ['Backspace']),

  a('classes', 'up', 'Select previous class', ['ArrowUp', 'k'], true),
  a('classes', 'down', 'Select next class', ['ArrowDown', 'j'], true),
  a('classes', 'moveUp', 'Move the class up (keys follow order)', ['Shift+ArrowUp', 'Shift+k']),
  a('classes', 'moveDown', 'Move the class down', ['Shift+ArrowDown', 'Shift+j']),
  a('classes', 'add', 'Add a class', ['n', 'a']),
  a('classes', 'rename', 'Rename the class', ['r']),
  a('classes', 'remove', 'Remove the class', ['Delete', 'x']),
  a('classes', 'close', 'Close the panel', ['c']),

  ...ten('pickClass', 'class', (k) => `Look for ${k}`),
  a('pickClass', 'keep', 'Keep the class already chosen', ['Enter']),
  a('pickClass', 'skip', 'Skip “by class”: the next strategy', ['n']),
  a('pickClass', 'skipBack', 'Skip “by class”: the previous strategy', ['Shift+n']),

  a('confirm', 'yes', 'Confirm', ['Enter', 'y']),
  a('confirm', 'no', 'Cancel', ['n']),

  a('help', 'close', 'Close the key list', ['?']),
];

export const ACTION_BY_ID: Record<string, ActionDef> = Object.fromEntries(ACTIONS.map((x) => [x.id, x]));
