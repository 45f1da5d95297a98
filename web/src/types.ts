// Plain types the browser uses. What the HTTP API answers is typed by the server's routes (api-types.ts,
// from AppType); socket frames and the shared shapes come from common/protocol.ts. Only what exists in
// the browser alone is defined here.
import type {
  AnnotationMsg,
  ClassMsg,
  EvalImage,
  Hint,
  Prediction as ProtocolPrediction,
  SegmentationPrediction,
  Task,
  TrainerStatus,
} from '../../common/protocol.ts';

export type { Task, TrainerStatus, SegmentationPrediction, EvalImage, Hint };
export type Class = ClassMsg;
export type Annotation = AnnotationMsg;
export type Point = NonNullable<AnnotationMsg['points']>[number];

/** A prediction as the image cache holds it: a socket frame's or an image's, with the version of the model
 *  that made it (sent back when it is accepted). */
export type Prediction = ProtocolPrediction & { modelVersion?: number };

/** A next-image strategy's name, as GET /api/strategies lists them (server/strategies.ts is the registry). */
export type Strategy = string;
