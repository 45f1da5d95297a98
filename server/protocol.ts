// The WebSocket protocol between server, trainer and browser: the one file all three import.
// Rules are numbered in docs/PROTOCOL.md; tests in tests/protocol.test.ts are named after them.
//  P1 the first frame a client sends is `hello` with PROTOCOL_VERSION and its role;
//  P2 a version mismatch closes the socket with CLOSE.incompatible and a reason naming both versions;
//  P3 a trainer must present the session token when the server is not bound to loopback (CLOSE.unauthorised);
//  P4 every frame is validated; an invalid frame gets an `error` frame back and the socket stays open;
//  P5 the server answers `hello` with `welcome`, and a trainer then gets a `snapshot`;
//  P6 what a trainer sends is persisted before it is rebroadcast to browsers.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export const CLOSE = { incompatible: 4001, unauthorised: 4003, badHello: 4002, replaced: 4004 } as const;

const id = z.number().int().nonnegative();
export const taskSchema = z.enum(['classification', 'segmentation']);
export const classSchema = z.object({ id, name: z.string(), color: z.string(), position: z.number().int() });
export const pointSchema = z.object({ classId: id, x: z.number(), y: z.number() });

/** An annotation as the trainer and browsers see it. `mask` is a base64 class-index PNG (pixel = class id). */
export const annotationSchema = z.object({
  imageId: id,
  kind: z.enum(['label', 'skip', 'mask']),
  classId: id.nullable(),
  points: z.array(pointSchema).nullable().optional(),
  hasMask: z.boolean().optional(),
  annotator: z.string().optional(),
  updatedAt: z.number().optional(),
});
export const imageRefSchema = z.object({
  id, path: z.string(), sha256: z.string(), width: z.number().int(), height: z.number().int(),
});

export const trainerStatusSchema = z.object({
  phase: z.enum(['starting', 'loading', 'embedding', 'fitting', 'ready', 'idle', 'error']),
  message: z.string().default(''),
  embedded: z.number().int().nonnegative().default(0),
  total: z.number().int().nonnegative().default(0),
  device: z.string().default(''),
  backbone: z.string().default(''),
  /** e.g. "tiny random-weight backbone (DINOv3 unavailable offline)" */
  backboneNote: z.string().default(''),
  modelVersion: z.number().int().nonnegative().default(0),
});

export const classificationPrediction = z.object({
  imageId: id,
  classId: id,
  /** probabilities by class id */
  probs: z.record(z.string(), z.number()),
  uncertainty: z.number(),
});
export const segmentationPrediction = z.object({
  imageId: id,
  classId: id.nullable(),
  classIds: z.array(id),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** base64 of uint8 probabilities, layout [C, height, width] in classIds order (0..255) */
  map: z.string(),
  uncertainty: z.number(),
});
export const predictionSchema = z.union([classificationPrediction, segmentationPrediction]);

// ---- client -> server ----
export const helloSchema = z.object({
  type: z.literal('hello'),
  version: z.number().int(),
  role: z.enum(['browser', 'trainer']),
  token: z.string().optional(),
  annotator: z.string().max(64).optional(),
});
export const browserToServer = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('focus'), imageId: id }),
  z.object({ type: z.literal('ping') }),
]);
export const trainerToServer = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('status'), status: trainerStatusSchema }),
  z.object({ type: z.literal('predictions'), modelVersion: z.number().int(), items: z.array(predictionSchema).max(10000) }),
  z.object({ type: z.literal('suggestions'), modelVersion: z.number().int(), lists: z.record(z.string(), z.array(id)) }),
  z.object({ type: z.literal('metric'), name: z.string().max(64), step: z.number().int(), value: z.number() }),
  z.object({ type: z.literal('model'), version: z.number().int(), labelled: z.number().int(), counts: z.record(z.string(), z.number()) }),
  /** classification: confusion matrix on the val split, rows = true class, columns = predicted, in classIds order */
  z.object({ type: z.literal('confusion'), classIds: z.array(id), matrix: z.array(z.array(z.number().int().nonnegative())) }),
  /** the answer to a `predict` request (POST /api/predict): null with an error when there is no model */
  z.object({ type: z.literal('predicted'), requestId: z.string().max(64), prediction: predictionSchema.nullable(), error: z.string().optional() }),
  /** the current head after a refit, persisted in the session's models/ so `hilt export --format onnx` works
   *  without the trainer: A [d, C] row-major and b [C], little-endian float32 in base64 (standardisation folded in) */
  z.object({
    type: z.literal('head'), task: taskSchema, version: z.number().int(), classIds: z.array(id).max(1000),
    d: z.number().int().positive().max(16384), C: z.number().int().min(2).max(1000),
    A: z.string().max(64 * 1024 * 1024), b: z.string().max(8000),
    backbone: z.object({
      name: z.string().max(1000), dir: z.string().max(4096).optional(),
      patchSize: z.number().int().positive().max(1024), registers: z.number().int().min(0).max(64),
      resolution: z.number().int().positive().max(8192), segShortSide: z.number().int().positive().max(8192),
    }),
  }),
  z.object({ type: z.literal('ping') }),
]);

// ---- server -> client ----
export const welcomeSchema = z.object({ type: z.literal('welcome'), version: z.number().int(), session: z.string(), role: z.enum(['browser', 'trainer']) });
export const errorFrame = z.object({ type: z.literal('error'), code: z.string(), message: z.string() });
export const serverToTrainer = z.discriminatedUnion('type', [
  welcomeSchema,
  errorFrame,
  z.object({
    type: z.literal('snapshot'), session: z.string(), task: taskSchema.nullable(), classes: z.array(classSchema),
    images: z.array(imageRefSchema), annotations: z.array(annotationSchema),
    /** where the trainer keeps its cache when it runs on the same host */
    sessionDir: z.string().nullable(),
  }),
  z.object({ type: z.literal('annotation'), imageId: id, annotation: annotationSchema.nullable() }),
  z.object({ type: z.literal('classes'), classes: z.array(classSchema), reset: z.boolean() }),
  z.object({ type: z.literal('images'), images: z.array(imageRefSchema) }),
  z.object({ type: z.literal('focus'), imageId: id }),
  z.object({ type: z.literal('reset'), reason: z.string() }),
  /** predict an uploaded image (base64 bytes) with the current head; answered by `predicted` */
  z.object({ type: z.literal('predict'), requestId: z.string(), image: z.string() }),
  z.object({ type: z.literal('pong') }),
]);
export const serverToBrowser = z.discriminatedUnion('type', [
  welcomeSchema,
  errorFrame,
  z.object({ type: z.literal('prediction'), modelVersion: z.number().int(), prediction: predictionSchema }),
  z.object({ type: z.literal('suggestions'), modelVersion: z.number().int(), strategies: z.array(z.string()) }),
  z.object({ type: z.literal('trainer'), online: z.boolean(), status: trainerStatusSchema.nullable() }),
  z.object({ type: z.literal('annotation'), imageId: id, annotation: annotationSchema.nullable() }),
  z.object({ type: z.literal('classes'), classes: z.array(classSchema) }),
  z.object({ type: z.literal('session'), reason: z.string() }),
  z.object({ type: z.literal('metric'), name: z.string(), step: z.number().int(), value: z.number() }),
  z.object({ type: z.literal('pong') }),
]);

export type Hello = z.infer<typeof helloSchema>;
export type BrowserToServer = z.infer<typeof browserToServer>;
export type TrainerToServer = z.infer<typeof trainerToServer>;
export type ServerToTrainer = z.infer<typeof serverToTrainer>;
export type ServerToBrowser = z.infer<typeof serverToBrowser>;
export type TrainerStatus = z.infer<typeof trainerStatusSchema>;
export type Prediction = z.infer<typeof predictionSchema>;
export type ClassificationPrediction = z.infer<typeof classificationPrediction>;
export type SegmentationPrediction = z.infer<typeof segmentationPrediction>;
export type AnnotationMsg = z.infer<typeof annotationSchema>;
export type ClassMsg = z.infer<typeof classSchema>;
export type ImageRef = z.infer<typeof imageRefSchema>;
export type Task = z.infer<typeof taskSchema>;

/** Parse a raw frame; returns the message or a human-readable error. */
export function parseFrame<T extends z.ZodTypeAny>(schema: T, raw: unknown): { ok: true; msg: z.infer<T> } | { ok: false; error: string } {
  let data: unknown;
  try { data = typeof raw === 'string' ? JSON.parse(raw) : JSON.parse(String(raw)); } catch { return { ok: false, error: 'frame is not valid JSON' }; }
  const r = schema.safeParse(data);
  if (!r.success) return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 500) };
  return { ok: true, msg: r.data };
}
