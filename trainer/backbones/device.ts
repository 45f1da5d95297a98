// Execution-provider selection. `auto` tries CUDA, then WebGPU, then CPU and records why each one
// failed. GPU probes run in a child process: a broken driver can abort the native library, and the
// EP's own stderr noise (Dawn/ORT logs) stays out of our log; we keep a one-line reason instead.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ElemType, Graph } from '../onnx/graph.ts';

export type DeviceName = 'cuda' | 'webgpu' | 'cpu';
export type DeviceRequest = 'auto' | DeviceName;
export interface DeviceAttempt {
  device: DeviceName;
  ok: boolean;
  reason: string;
}
export interface DeviceChoice {
  device: DeviceName;
  tried: DeviceAttempt[];
}

export class DeviceUnavailableError extends Error {
  constructor(readonly attempt: DeviceAttempt) {
    super(`${attempt.device}: ${attempt.reason}`);
    this.name = 'DeviceUnavailableError';
  }
}

/** Images per inference call: GPUs need larger batches to be busy, CPU gains nothing past ~8. */
export function batchSizeFor(device: DeviceName): number {
  return device === 'cpu' ? 8 : 32;
}

const require = createRequire(import.meta.url);
const ORT_MAIN = require.resolve('onnxruntime-node');
const ORT_BIN = path.join(path.dirname(ORT_MAIN), '..', 'bin', 'napi-v6', process.platform, process.arch);

function probeModelBase64(): string {
  const g = new Graph();
  const x = g.input('pixel_values', ElemType.float, ['b', 3, 'h', 'w']);
  g.op('Conv', [x, g.f32('w', [4, 3, 16, 16], new Float32Array(4 * 768).fill(0.01))], { strides: [16, 16] }, 'y');
  g.output('y', ElemType.float, ['b', 4, 'h16', 'w16']);
  return Buffer.from(g.toModel('probe')).toString('base64');
}

const CHILD = `
const ort = require(process.env.HILT_ORT);
(async () => {
  try {
    const s = await ort.InferenceSession.create(Buffer.from(process.env.HILT_MODEL, 'base64'),
      { executionProviders: [process.env.HILT_EP], logSeverityLevel: 4 });
    await s.run({ pixel_values: new ort.Tensor('float32', new Float32Array(3 * 32 * 32), [1, 3, 32, 32]) });
    process.stdout.write(JSON.stringify({ ok: true }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
  }
})();`;

function runChildProbe(ep: 'cuda' | 'webgpu'): Promise<{ ok: boolean; error?: string }> {
  const env = { ...process.env, HILT_ORT: ORT_MAIN, HILT_MODEL: probeModelBase64(), HILT_EP: ep };
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', CHILD], { env, timeout: 60_000 }, (err, stdout) => {
      try {
        resolve(JSON.parse(stdout));
      } catch {
        resolve({
          ok: false,
          error: err ? `probe process died (${err.signal ?? err.code ?? err.message})` : 'no answer',
        });
      }
    });
  });
}

/** Shortens native error text ("/onnxruntime_src/…cc:136 … was false. Failed to get …") to its last sentence. */
function tidy(msg: string): string {
  const m = msg.split('\n')[0].replace(/^.*\.cc:\d+ .*? was false\.\s*/, '');
  return m.length > 200 ? m.slice(0, 200) + '…' : m;
}

function findVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true; // Dawn uses Metal / D3D12 elsewhere
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

async function probeCuda(): Promise<DeviceAttempt> {
  const fail = (reason: string): DeviceAttempt => ({ device: 'cuda', ok: false, reason });
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return fail(`onnxruntime-node ships the CUDA EP for linux/x64 only (this is ${process.platform}/${process.arch})`);
  }
  const noDriver = !fs.existsSync('/proc/driver/nvidia/version');
  if (!fs.existsSync(path.join(ORT_BIN, 'libonnxruntime_providers_cuda.so'))) {
    return fail(
      'libonnxruntime_providers_cuda.so not installed — run scripts/install-cuda-provider' +
        (noDriver ? ' (and no NVIDIA driver found: /proc/driver/nvidia missing)' : ''),
    );
  }
  if (noDriver) return fail('no NVIDIA driver found (/proc/driver/nvidia missing)');
  const r = await runChildProbe('cuda');
  if (r.ok) return { device: 'cuda', ok: true, reason: 'CUDA EP created a session and ran' };
  const hint = /load shared library|cannot open shared object/i.test(r.error ?? '')
    ? ' (CUDA 12 runtime / cuDNN 9 libraries not on LD_LIBRARY_PATH?)'
    : '';
  return fail(tidy(r.error ?? 'unknown error') + hint);
}

async function probeWebgpu(): Promise<DeviceAttempt> {
  const fail = (reason: string): DeviceAttempt => ({ device: 'webgpu', ok: false, reason });
  if (!findVulkanLoader()) return fail('no Vulkan adapter (libvulkan.so.1 not found; install a Vulkan driver)');
  const r = await runChildProbe('webgpu');
  if (r.ok) return { device: 'webgpu', ok: true, reason: 'WebGPU EP created a session and ran' };
  const e = r.error ?? 'unknown error';
  return fail(/no supported adapters/i.test(e) ? 'no WebGPU/Vulkan adapter (Dawn found none)' : tidy(e));
}

const cache = new Map<DeviceName, Promise<DeviceAttempt>>();

/** Probes one device once per process. */
export function probeDevice(device: DeviceName): Promise<DeviceAttempt> {
  let p = cache.get(device);
  if (!p) {
    p =
      device === 'cuda'
        ? probeCuda()
        : device === 'webgpu'
          ? probeWebgpu()
          : Promise.resolve({ device: 'cpu' as const, ok: true, reason: 'always available' });
    cache.set(device, p);
  }
  return p;
}

/** auto: first of cuda → webgpu → cpu that works. An explicit device that fails throws DeviceUnavailableError. */
export async function selectDevice(request: DeviceRequest = 'auto'): Promise<DeviceChoice> {
  if (request !== 'auto') {
    const a = await probeDevice(request);
    if (!a.ok) throw new DeviceUnavailableError(a);
    return { device: request, tried: [a] };
  }
  const tried: DeviceAttempt[] = [];
  for (const d of ['cuda', 'webgpu', 'cpu'] as const) {
    const a = await probeDevice(d);
    tried.push(a);
    if (a.ok) return { device: d, tried };
  }
  throw new Error('unreachable: cpu is always available');
}

export function describeChoice(c: DeviceChoice): string {
  const others = c.tried.filter((t) => !t.ok).map((t) => `${t.device}: ${t.reason}`);
  return `device ${c.device}` + (others.length ? ` (${others.join('; ')})` : '');
}
