// The small CLI commands: import, export, reset, sessions, fetch-model, dev.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { closeSession, listSessions, openSession, resetSession } from './session.ts';

export async function importCmd(
  source: string,
  o: { session: string; sessionsDir: string; copy?: boolean; format?: string },
) {
  const { importInto, progressBar } = await import('./import/import.ts');
  const s = openSession(o.sessionsDir, o.session, { create: true });
  try {
    const bar = progressBar();
    const scanning = (n: number) => {
      if (process.stderr.isTTY) process.stderr.write(`\rscanning: ${n} images found`);
    };
    const r = await importInto(s, source, {
      copy: !!o.copy,
      format: (o.format ?? 'auto') as 'auto',
      onProgress: bar.onProgress,
      onScan: scanning,
    });
    bar.stop();
    console.log(
      `imported ${r.added} new image(s) into "${o.session}" (${r.format}); ${r.alreadyPresent} already present, ${r.duplicates.length} duplicate(s), ${r.skipped.length} skipped`,
    );
    if (r.classesCreated.length) console.log(`classes created: ${r.classesCreated.join(', ')}`);
    if (r.labelsSet || r.masksSet) console.log(`labels: ${r.labelsSet}, masks: ${r.masksSet}`);
    for (const d of r.duplicates.slice(0, 20)) console.log(`  duplicate: ${d.file} (same as ${d.sameAs})`);
    for (const k of r.skipped.slice(0, 50)) console.log(`  skipped: ${k.file}: ${k.reason}`);
    if (r.skipped.length > 50) console.log(`  … and ${r.skipped.length - 50} more skipped`);
  } finally {
    closeSession(s);
  }
}

export async function exportCmd(o: { session: string; sessionsDir: string; format: string; out?: string }) {
  const { exportSession } = await import('./export.ts');
  const s = openSession(o.sessionsDir, o.session);
  try {
    if (o.format === 'onnx') {
      if (!o.out) throw new Error('--format onnx writes a folder: give --out <dir>');
      const { exportOnnxCmd } = await import('./export-onnx.ts');
      const r = await exportOnnxCmd(s, o.out);
      console.error(
        `wrote ${o.out}: onnx/model.onnx (backbone + head, model v${r.modelVersion}), preprocessor_config.json, labels.json, hilt.json, validation.json`,
      );
      console.error(
        r.passed
          ? `validated: ${r.samples} session images reproduce the trainer's predictions (max abs diff ${r.maxAbsDiff}${r.checks ? ` within the fp16-derived bound, at most ${(r.tolerance as { maxAllowed?: number }).maxAllowed}` : ''}, argmax agreement ${r.argmaxAgreement})`
          : `NOT validated: ${r.reason ?? `max abs diff ${r.maxAbsDiff}, argmax agreement ${r.argmaxAgreement} over ${r.samples} images, outside ${JSON.stringify(r.tolerance)}`}`,
      );
      if (!r.passed) process.exitCode = 1;
      return;
    }
    if (o.format === 'masks' && !o.out) throw new Error('--format masks writes a folder: give --out <dir>');
    const out = await exportSession(s, o.format as 'csv', o.out);
    if (!o.out && out !== undefined) process.stdout.write(out as string | Buffer);
    else if (o.out && out !== undefined && o.format !== 'masks') writeFileSync(o.out, out as string | Buffer);
    if (o.out) console.error(`wrote ${o.out}`);
  } finally {
    closeSession(s);
  }
}

export async function resetCmd(o: { session: string; sessionsDir: string }) {
  const r = resetSession(o.sessionsDir, o.session);
  console.log(
    `session "${r.name}" reset: the old one is kept as ${r.archivedAs} (nothing deleted); same images, no annotations, task unlocked`,
  );
}

export async function sessionsCmd(o: { sessionsDir: string; json?: boolean }) {
  const list = listSessions(o.sessionsDir);
  if (o.json) {
    console.log(JSON.stringify(list, null, 2));
    return;
  }
  if (!list.length) {
    console.log(`no sessions in ${o.sessionsDir}`);
    return;
  }
  console.log(['name'.padEnd(40), 'task'.padEnd(15), 'images'.padStart(8), 'labelled'.padStart(9)].join(' '));
  for (const s of list)
    console.log(
      [
        s.name.padEnd(40),
        (s.task ?? '-').padEnd(15),
        String(s.images).padStart(8),
        String(s.labelled).padStart(9),
      ].join(' ') + (s.archived ? '  (archived)' : ''),
    );
}

export async function fetchModelCmd(name: string, o: { out: string; from?: string; force?: boolean }) {
  const { fetchModel, MODELS_DIR } = await import('../trainer/backbones/registry.ts');
  const r = await fetchModel(name, { modelsDir: o.out, from: o.from, force: o.force });
  const byName = o.out === MODELS_DIR && !name.includes('/');
  console.log(`${r.dir}: ${r.detail}; use it with --backbone ${byName ? name : r.dir}`);
}

export async function tokenCmd(
  action: 'add' | 'remove' | 'list',
  name: string,
  o: { sessionsDir: string; sessions?: string[] },
) {
  const { addToken, listTokens, removeToken, tokensFile } = await import('./security/tokens.ts');
  const file = tokensFile(o.sessionsDir);
  if (action === 'add') {
    const token = addToken(file, name, o.sessions);
    console.log(`token for "${name}" (shown once; stored hashed in ${file}):\n  ${token}`);
    console.log(`sign-in link: http://<server>:<port>/?token=${token}   (or paste the token at /signin)`);
  } else if (action === 'remove') {
    if (!removeToken(file, name)) throw new Error(`no token for "${name}" in ${file}`);
    console.log(`token of "${name}" revoked`);
  } else {
    const list = listTokens(file);
    if (!list.length) console.log(`no per-annotator tokens in ${file}`);
    for (const t of list)
      console.log(
        `${t.name.padEnd(30)} created ${t.created}${t.sessions ? `  sessions: ${t.sessions.join(', ')}` : ''}`,
      );
  }
}

export async function devCmd(o: { session: string; sessionsDir: string }) {
  const children = [
    // Vite serves the app on :5173 and proxies /api and /ws here: that origin may write
    spawn(
      process.execPath,
      [
        new URL('../bin/hilt.js', import.meta.url).pathname,
        'start',
        '--session',
        o.session,
        '--sessions-dir',
        o.sessionsDir,
        '--allow-origin',
        'http://localhost:5173',
        '--allow-origin',
        'http://127.0.0.1:5173',
      ],
      { stdio: 'inherit' },
    ),
    spawn('npx', ['vite'], { stdio: 'inherit' }),
  ];
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
