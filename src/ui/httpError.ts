/**
 * An error the server answers with a 4xx status and one line of text (never a stack trace).
 * Library GenrepErrors become 400 with their own message; anything else is a 500 whose
 * message says to look at the server's log.
 */
export class HttpError extends Error {
	override readonly name = "HttpError";
	constructor(
		readonly status: 400 | 403 | 404 | 405 | 413 | 414 | 422 | 503,
		message: string,
	) {
		super(message);
	}
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
