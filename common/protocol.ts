// The WebSocket protocol between server, trainer and browser: the one file all three import.
// Rules are numbered below; tests are named after them (P1–P6 in tests/protocol.test.ts, P7–P9 in
// tests/security-trainer.test.ts and tests/security-http.test.ts).
//  P1 the first frame a client sends is `hello` with PROTOCOL_VERSION and its role;
//  P2 a version mismatch closes the socket with CLOSE.incompatible and a reason naming both versions;
//  P3 a trainer must present the session token when the server is not bound to loopback (CLOSE.unauthorised);
//  P4 every frame is validated; an invalid frame gets an `error` frame back and the socket stays open;
//  P5 the server answers `hello` with `welcome`, and a trainer then gets a `snapshot`;
//  P6 what a trainer sends is persisted before it is rebroadcast to browsers;
//  P7 one trainer at a time: a second is closed with CLOSE.trainerBusy unless its hello says `replace`
//     (or names the connected trainer's own `instance`: a reconnect), which closes the first with
//     CLOSE.replaced; both reasons are final for the client (no retry loop);
//  P8 what a trainer sends is checked against the session: items naming unknown images or classes are
//     dropped and answered with an `error` frame (code `dropped`); frames over MAX_FRAME_BYTES close the socket;
//  P9 the upgrade is refused (CLOSE.forbidden) for a foreign Origin or Host; off loopback a browser needs a
//     credential (cookie, bearer or ?token=) and a trainer the server token (CLOSE.unauthorised);
//  P10 a snapshot is streamed: a `snapshot` header (task, classes, counts, an id), then pages of images and
//     of annotations (`snapshot-images`, `snapshot-annotations`, each at most SNAPSHOT_PAGE items and about
//     TARGET_FRAME_BYTES), then `snapshot-end`; a snapshot with a newer id replaces an unfinished one, and
//     changes sent meanwhile (`annotation`) apply to what the trainer has so far;
//  P11 after a refit the trainer sends full `predictions` only for what a client looks at (focused images,
//     a validation sample); the rest of the pool goes as compact `deltas` (images whose top class changed or
//     whose uncertainty moved past a threshold), at most MAX_DELTA_ITEMS a frame, which the server persists
//     in the background in short transactions, never holding its event loop for long
//     (tests in tests/scale-protocol.test.ts).
// Model quality: `evaluation`, `review` and `hints` follow P6 and P8 like the rest; each is kept
// (latest only) and browsers get a small `changed` frame, then read it over HTTP (tests/insights-*.test.ts).
import { z } from 'zod';

export const PROTOCOL_VERSION = 2;
export const CLOSE = {
  incompatible: 4001,
  badHello: 4002,
  unauthorised: 4003,
  replaced: 4004,
  trainerBusy: 4005,
  forbidden: 4006,
} as const;
/** close codes after which a client must not reconnect by itself */
export const FINAL_CLOSE_CODES: readonly number[] = [
  CLOSE.incompatible,
  CLOSE.unauthorised,
  CLOSE.replaced,
  CLOSE.trainerBusy,
  CLOSE.forbidden,
];
/** the largest frame the server accepts (twice what a trainer aims for): parsing JSON holds the event
 * loop, ~10–20 ms per MiB, so the limit is what the largest legitimate frame needs and no more */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024;
/** what a trainer aims for per frame, and the most predictions in one: parsing and storing a frame holds
 * the server's event loop, so no frame may be big (500 items take ~25 ms to parse and check) */
export const TARGET_FRAME_BYTES = 1024 * 1024;
export const MAX_FRAME_ITEMS = 500;
/** images in one `deltas` frame (~5 bytes each, packed: common/delta-codec.ts) */
export const MAX_DELTA_ITEMS = 5000;
/** images or annotations in one snapshot page */
export const SNAPSHOT_PAGE = 2000;

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
  id,
  path: z.string(),
  sha256: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});

const text = (max: number) => z.string().max(max);
export const trainerStatusSchema = z.object({
  phase: z.enum(['starting', 'loading', 'embedding', 'fitting', 'ready', 'idle', 'error']),
  message: text(2000).default(''),
  embedded: z.number().int().nonnegative().default(0),
  total: z.number().int().nonnegative().default(0),
  device: text(200).default(''),
  backbone: text(500).default(''),
  /** e.g. "tiny random-weight backbone (DINOv3 unavailable offline)" */
  backboneNote: text(1000).default(''),
  modelVersion: z.number().int().nonnegative().default(0),
});

export const classificationPrediction = z.object({
  imageId: id,
  classId: id,
  /** probabilities by class id */
  probs: z.record(z.string().max(12), z.number()),
  uncertainty: z.number(),
});
export const segmentationPrediction = z.object({
  imageId: id,
  classId: id.nullable(),
  classIds: z.array(id).max(255),
  width: z.number().int().positive().max(4096),
  height: z.number().int().positive().max(4096),
  /** base64 of uint8 probabilities, layout [C, height, width] in classIds order (0..255) */
  map: z.string().max(MAX_FRAME_BYTES),
  uncertainty: z.number(),
});
export const predictionSchema = z.union([classificationPrediction, segmentationPrediction]);

// ---- model quality (trainer -> server, latest kept; see trainer/quality/) ----
/** per-image rows of an evaluation: the val images, highest loss first, at most this many */
export const MAX_EVAL_IMAGES = 5000;
/** a review list keeps every flagged image and, after them, unflagged ones up to this many in all; it goes
 *  to the server in `parts` frames of at most MAX_FRAME_ITEMS items each (the server assembles them) */
export const MAX_REVIEW_ITEMS = 2000;
/** the most flagged images one review list carries (and so at most 100 frames) */
export const MAX_REVIEW_FLAGGED = 50_000;
const share = z.number().min(0).max(1);
export const evalClassSchema = z.object({
  classId: id,
  support: z.number().int().nonnegative(),
  predicted: z.number().int().nonnegative(),
  precision: share.nullable(),
  recall: share.nullable(),
  f1: share.nullable(),
  /** segmentation: intersection over union at the patch grid */
  iou: share.nullable().optional(),
});
export const evalImageSchema = z.object({
  id,
  given: id.nullable(),
  predicted: id.nullable(),
  /** probability of the predicted class (segmentation: mean over labelled patches) */
  confidence: share,
  /** cross-entropy of the given label, −log p(given) (segmentation: mean over labelled patches) */
  loss: z.number().nonnegative().max(1000),
  /** segmentation: this image's mean IoU over the classes it shows */
  iou: share.nullable().optional(),
});
export const evaluationSchema = z.object({
  type: z.literal('evaluation'),
  task: taskSchema,
  modelVersion: z.number().int().nonnegative(),
  labelled: z.number().int().nonnegative(),
  trainSize: z.number().int().nonnegative(),
  valSize: z.number().int().nonnegative(),
  accuracy: share.nullable(),
  macroF1: share.nullable(),
  miou: share.nullable(),
  /** expected calibration error of the shown (calibrated) top-class probability on the val images, 10 bins;
   *  the temperature the head's logits are divided by (classification) */
  ece: share.nullable().optional(),
  temperature: z.number().positive().max(1000).nullable().optional(),
  classIds: z.array(id).max(255),
  perClass: z.array(evalClassSchema).max(255),
  /** rows = given, columns = predicted, classIds order; counts images (classification) or patches (segmentation) */
  confusion: z.array(z.array(z.number().int().nonnegative()).max(255)).max(255).nullable(),
  unit: z.enum(['images', 'patches']),
  images: z.array(evalImageSchema).max(MAX_EVAL_IMAGES),
  /** segmentation: the masks Enter accepts for (up to 24 of) the val images, by heads fitted on the train side
   *  (patch map refined to the image's edges, its regions named by the crop head where the app names them,
   *  refined again), scored per labelled pixel against their stored masks */
  accepted: z
    .object({
      miou: share.nullable(),
      pixelAccuracy: share.nullable(),
      images: z.number().int().nonnegative(),
      named: z.boolean(),
      perClass: z.array(z.object({ classId: id, iou: share.nullable() })).max(255),
    })
    .nullable()
    .optional(),
});
export const reviewItemSchema = z.object({
  id,
  given: id.nullable(),
  suggested: id.nullable(),
  /** how strongly the model disagrees with the given label, 0..1 (1 − out-of-sample p(given); segmentation:
   *  the share of labelled patches it predicts otherwise) */
  score: share,
  /** the model's view differs from the label: a likely label error */
  flagged: z.boolean(),
  /** the annotation's updatedAt this was computed from: a label changed since is no longer in question */
  updatedAt: z.number().int().nonnegative(),
});
export const reviewSchema = z
  .object({
    type: z.literal('review'),
    task: taskSchema,
    modelVersion: z.number().int().nonnegative(),
    method: z.enum(['k-fold', 'patches']),
    folds: z.number().int().nonnegative().max(20),
    labelled: z.number().int().nonnegative(),
    /** why there is no list yet (too few labels for held-out heads), in words; null when there is one */
    waiting: z.string().max(600).nullable().default(null),
    /** k-fold: the share of labels the held-out heads agree with (low: many flags are pictures the model has
     *  not learned yet rather than label errors) */
    agreement: share.nullable().default(null),
    /** this frame's place in the list: frame `part` of `parts`, items in rank order across them */
    part: z.number().int().nonnegative().max(99).default(0),
    parts: z.number().int().positive().max(100).default(1),
    items: z.array(reviewItemSchema).max(MAX_FRAME_ITEMS),
  })
  .refine((m) => m.part < m.parts, { message: 'part must be below parts' });
export const hintSchema = z.object({
  code: z.string().min(1).max(40),
  severity: z.enum(['info', 'warning']),
  message: z.string().max(600),
  classIds: z.array(id).max(64).optional(),
  imageIds: z.array(id).max(200).optional(),
});
export const hintsSchema = z.object({
  type: z.literal('hints'),
  modelVersion: z.number().int().nonnegative(),
  hints: z.array(hintSchema).max(32),
});
export const INSIGHTS = ['evaluation', 'review', 'hints'] as const;

// ---- client -> server ----
export const helloSchema = z.object({
  type: z.literal('hello'),
  version: z.number().int(),
  role: z.enum(['browser', 'trainer']),
  token: z.string().max(512).optional(),
  annotator: z.string().max(64).optional(),
  /** trainer: take over from a connected trainer (P7); sent on the first connection only */
  replace: z.boolean().optional(),
  /** trainer: one random id per process, so a reconnect after a network drop replaces its own stale socket */
  instance: z.string().max(64).optional(),
});
export const browserToServer = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('focus'), imageId: id }),
  z.object({ type: z.literal('ping') }),
]);
export const trainerToServer = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('status'), status: trainerStatusSchema }),
  z.object({
    type: z.literal('predictions'),
    modelVersion: z.number().int(),
    items: z.array(predictionSchema).max(MAX_FRAME_ITEMS),
  }),
  /** P11: top class (index into classIds), uncertainty and top probability of `n` images, packed */
  z.object({
    type: z.literal('deltas'),
    modelVersion: z.number().int(),
    classIds: z.array(id).max(1000),
    n: z.number().int().min(1).max(MAX_DELTA_ITEMS),
    data: z.string().max(MAX_DELTA_ITEMS * 12),
  }),
  z.object({
    type: z.literal('suggestions'),
    modelVersion: z.number().int(),
    lists: z
      .record(z.string().max(32), z.array(id).max(2000))
      .refine((l) => Object.keys(l).length <= 260, 'at most 260 lists'),
  }),
  z.object({ type: z.literal('metric'), name: z.string().min(1).max(64), step: z.number().int(), value: z.number() }),
  z.object({
    type: z.literal('model'),
    version: z.number().int(),
    labelled: z.number().int(),
    counts: z.record(z.string().max(12), z.number()),
  }),
  /** classification: confusion matrix on the val split, rows = true class, columns = predicted, in classIds order */
  z.object({
    type: z.literal('confusion'),
    classIds: z.array(id).max(255),
    matrix: z.array(z.array(z.number().int().nonnegative()).max(255)).max(255),
  }),
  /** the answer to a `predict` request (POST /api/predict): null with an error when there is no model */
  z.object({
    type: z.literal('predicted'),
    requestId: z.string().max(64),
    prediction: predictionSchema.nullable(),
    error: z.string().optional(),
  }),
  /** the current head after a refit, persisted in the session's models/ so `hilt export --format onnx` works
   *  without the trainer: A [d, C] row-major and b [C], little-endian float32 in base64 (standardisation folded in) */
  z.object({
    type: z.literal('head'),
    task: taskSchema,
    version: z.number().int(),
    classIds: z.array(id).max(1000),
    d: z.number().int().positive().max(16384),
    C: z.number().int().min(2).max(1000),
    A: z.string().max(64 * 1024 * 1024),
    b: z.string().max(8000),
    backbone: z.object({
      name: z.string().max(1000),
      dir: z.string().max(4096).optional(),
      patchSize: z.number().int().positive().max(1024),
      registers: z.number().int().min(0).max(64),
      resolution: z.number().int().positive().max(8192),
      segShortSide: z.number().int().positive().max(8192),
    }),
    /** segmentation: the crop head that names each shape region of the refined map (what the app shows), on the
     *  backbone's pooled embedding of the region's crop; A [d, C] and b [C] as above, its columns the classes
     *  `classIds`; how the crops are cut (`crop`), the smallest region named (a fraction of the image) and the
     *  long side of the picture regions are cut from (`guideSide`) */
    regions: z
      .object({
        classIds: z.array(id).max(1000),
        d: z.number().int().positive().max(16384),
        C: z.number().int().min(2).max(1000),
        A: z.string().max(64 * 1024 * 1024),
        b: z.string().max(8000),
        crop: z.object({
          margin: z.number().min(0).max(4),
          fill: z.array(z.number().int().min(0).max(255)).length(3),
          side: z.number().int().positive().max(4096),
        }),
        minFraction: z.number().min(0).max(1),
        guideSide: z.number().int().positive().max(16384),
      })
      .optional(),
  }),
  evaluationSchema,
  reviewSchema,
  hintsSchema,
  z.object({ type: z.literal('ping') }),
]);

// ---- server -> client ----
export const welcomeSchema = z.object({
  type: z.literal('welcome'),
  version: z.number().int(),
  session: z.string(),
  role: z.enum(['browser', 'trainer']),
});
export const errorFrame = z.object({ type: z.literal('error'), code: z.string(), message: z.string() });
export const serverToTrainer = z.discriminatedUnion('type', [
  welcomeSchema,
  errorFrame,
  /** P10: the header of a streamed snapshot; its pages follow */
  z.object({
    type: z.literal('snapshot'),
    id: z.number().int(),
    session: z.string(),
    task: taskSchema.nullable(),
    classes: z.array(classSchema),
    /** how many images and annotations the pages will bring (at the time the snapshot started) */
    images: z.number().int().nonnegative(),
    annotations: z.number().int().nonnegative(),
    /** where the trainer keeps its cache when it runs on the same host */
    sessionDir: z.string().nullable(),
  }),
  z.object({
    type: z.literal('snapshot-images'),
    id: z.number().int(),
    images: z.array(imageRefSchema).max(SNAPSHOT_PAGE),
  }),
  z.object({
    type: z.literal('snapshot-annotations'),
    id: z.number().int(),
    annotations: z.array(annotationSchema).max(SNAPSHOT_PAGE),
  }),
  z.object({ type: z.literal('snapshot-end'), id: z.number().int() }),
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
  /** `counts`: the session's counts after this change (kept counters), so a page need not refetch /api/stats */
  z.object({
    type: z.literal('annotation'),
    imageId: id,
    annotation: annotationSchema.nullable(),
    counts: z
      .object({
        images: z.number().int(),
        labelled: z.number().int(),
        skipped: z.number().int(),
        unlabelled: z.number().int(),
      })
      .optional(),
  }),
  z.object({ type: z.literal('classes'), classes: z.array(classSchema) }),
  z.object({ type: z.literal('session'), reason: z.string() }),
  z.object({ type: z.literal('metric'), name: z.string(), step: z.number().int(), value: z.number() }),
  /** progress of an import started over HTTP: `scan` counts files found, `probe` files checked of total */
  z.object({
    type: z.literal('import'),
    phase: z.enum(['scan', 'probe', 'done']),
    done: z.number().int(),
    total: z.number().int(),
  }),
  /** a model-quality result was stored (GET /api/evaluation, /api/review, /api/hints have the new one) */
  z.object({ type: z.literal('changed'), what: z.enum(INSIGHTS), modelVersion: z.number().int() }),
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
export type EvaluationMsg = z.infer<typeof evaluationSchema>;
export type EvalClass = z.infer<typeof evalClassSchema>;
export type EvalImage = z.infer<typeof evalImageSchema>;
export type ReviewMsg = z.infer<typeof reviewSchema>;
export type ReviewItem = z.infer<typeof reviewItemSchema>;
export type Hint = z.infer<typeof hintSchema>;

/** A close reason within the 123 bytes a close frame allows (ws throws past it), cut on a character. */
export function closeReason(text: string): string {
  let s = text;
  while (new TextEncoder().encode(s).length > 123) s = s.slice(0, -1);
  return s;
}

/** Parse a raw frame; returns the message or a human-readable error. */
export function parseFrame<T extends z.ZodTypeAny>(
  schema: T,
  raw: unknown,
): { ok: true; msg: z.infer<T> } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = typeof raw === 'string' ? JSON.parse(raw) : JSON.parse(String(raw));
  } catch {
    return { ok: false, error: 'frame is not valid JSON' };
  }
  return validateFrame(schema, data);
}

/** Validate an already parsed frame (the server counts a batch's items before paying for validation). */
export function validateFrame<T extends z.ZodTypeAny>(
  schema: T,
  data: unknown,
): { ok: true; msg: z.infer<T> } | { ok: false; error: string } {
  const r = schema.safeParse(data);
  if (!r.success)
    return {
      ok: false,
      error: r.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')
        .slice(0, 500),
    };
  return { ok: true, msg: r.data };
}
