// The one error type handlers throw; app.onError maps it to {"error":{"code","message"}}.
export class AppError extends Error {
  /** `headers`: sent with the answer (Retry-After on a 429 or 503) */
  constructor(
    public status: number,
    public code: string,
    message: string,
    public headers?: Record<string, string>,
  ) {
    super(message);
  }
}
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const badRequest = (code: string, message: string) => new AppError(400, code, message);

/** What better-sqlite3 throws when a session's database was closed under a request or frame (a reset). */
export const isClosedDb = (e: unknown): boolean =>
  e instanceof TypeError && e.message === 'The database connection is not open';
