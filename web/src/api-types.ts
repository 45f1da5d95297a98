// The HTTP API's answers, as the server's routes type them (server/app.ts AppType): nothing here is kept by
// hand, so a route that changes what it returns changes these types and the pages that read them.
import type { hc, InferRequestType, InferResponseType } from 'hono/client';
import type { AppType } from '../../server/app.ts';

type Api = ReturnType<typeof hc<AppType>>['api'];
type Images = Api['images'];

export type SessionInfo = InferResponseType<Api['session']['$get']>;
export type TrainerInfo = SessionInfo['trainer'];
export type Counts = SessionInfo['counts'];
export type ImageMeta = InferResponseType<Images[':id']['$get']>;
export type ImageInfo = ImageMeta['image'];
export type ImageList = InferResponseType<Images['$get']>;
export type ImageListItem = ImageList['items'][number];
export type Stats = InferResponseType<Api['stats']['$get']>;
export type StrategyInfo = InferResponseType<Api['strategies']['$get']>['strategies'][number];
export type EvaluationAnswer = InferResponseType<Api['evaluation']['$get']>;
export type Evaluation = NonNullable<EvaluationAnswer['evaluation']>;
export type ReviewList = InferResponseType<Api['review']['$get']>;
export type HintList = InferResponseType<Api['hints']['$get']>;
export type Me = InferResponseType<Api['me']['$get']>;
/** the body of PUT /api/images/:id/annotation (server/tasks/: one shape per annotation kind) */
export type AnnotationBody = InferRequestType<Images[':id']['annotation']['$put']>['json'];
