/** Requests to the genrep ui server; a non-2xx answer becomes an ApiError with the server's one-line message. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export async function errorOf(response: Response): Promise<ApiError> {
	let message = `${response.status} ${response.statusText}`;
	try {
		const body = (await response.json()) as { error?: string };
		if (body.error) message = body.error;
	} catch {
		// not JSON: keep the status line
	}
	return new ApiError(response.status, message);
}

export async function getJson<T>(path: string, params: Record<string, string> = {}): Promise<T> {
	const query = new URLSearchParams(params).toString();
	const response = await fetch(query ? `${path}?${query}` : path);
	if (!response.ok) throw await errorOf(response);
	return (await response.json()) as T;
}

/** Creates an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	attrs: Record<string, string> = {},
	...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
	const node = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
	node.append(...children);
	return node;
}

export const percent = (v: number | null | undefined): string =>
	typeof v === "number" ? `${(v * 100).toFixed(1)}%` : "-";

export function formatSeconds(s: number | null): string {
	if (s === null || !Number.isFinite(s)) return "-";
	if (s < 60) return `${s.toFixed(0)} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
	return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
