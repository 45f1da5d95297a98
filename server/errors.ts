// The one error type handlers throw; app.onError maps it to {"error":{"code","message"}}.
export class AppError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const badRequest = (code: string, message: string) => new AppError(400, code, message);
