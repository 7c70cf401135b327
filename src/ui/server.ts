/**
 * `genrep ui`: a local web app over the library. Hono routes, served by @hono/node-server on
 * 127.0.0.1 unless told otherwise. The explorer's routes sample through the library (see
 * explorer.ts); the runs routes read run folders under the `--runs` roots (runs.ts); the
 * front end is the Vite build in dist/ui/web. Every path a request names is confined to a root
 * (paths.ts), every request is bounded (limits.ts), and every failure is a 4xx (or 503/500)
 * with one line `{ "error": ... }`, never a stack trace.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { packageRoot } from "../engine/packageRoot.js";
import { GenrepError } from "../errors.js";
import { measureDistances, type Reference, renderViews, resolveViewsRequest } from "./explorer.js";
import { GeneratorCache, generatorRef, listGenerators } from "./generators.js";
import { HttpError } from "./httpError.js";
import { UI_LIMITS } from "./limits.js";
import { checkRelativePath, confinedPath, pickRoot, type Root, resolveRoots } from "./paths.js";
import { intParam, type Params } from "./query.js";
import { listRuns, readBounded, readEval, readExperiment, readRun } from "./runs.js";
import { WorkQueue } from "./workQueue.js";

export interface UiOptions {
	/** Default 7860; 0 picks a free port. */
	port?: number;
	/** Default 127.0.0.1 (this machine only). */
	host?: string;
	/** Folders whose training runs, evals and experiments the runs page lists. */
	runs?: readonly string[];
	/** Folders whose generator folders (model.json + weights) the explorer may load. */
	models?: readonly string[];
	/** The built front end; default <package>/dist/ui/web. */
	webDir?: string;
	/** Where the server logs unexpected errors; default stderr. */
	log?: (line: string) => void;
}

export interface ResolvedUiOptions {
	readonly port: number;
	readonly host: string;
	readonly runs: readonly Root[];
	readonly models: readonly Root[];
	readonly webDir: string;
	readonly log: (line: string) => void;
}

export const UI_DEFAULTS = { port: 7860, host: "127.0.0.1" } as const;

export function resolveUiOptions(options: UiOptions = {}): ResolvedUiOptions {
	const port = options.port ?? UI_DEFAULTS.port;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new GenrepError(`port must be an integer in 0..65535, got ${port}`);
	}
	const host = options.host ?? UI_DEFAULTS.host;
	if (host === "" || /[\s/]/.test(host))
		throw new GenrepError(`host must be an address to bind to, got ${JSON.stringify(host)}`);
	const webDir = options.webDir ?? join(packageRoot(), "dist", "ui", "web");
	if (!existsSync(join(webDir, "index.html"))) {
		throw new GenrepError(`the front end is not built (${join(webDir, "index.html")} is missing); run npm run build`);
	}
	const roots = (paths: readonly string[] | undefined, flag: string) => {
		try {
			return resolveRoots(paths ?? [], flag);
		} catch (err) {
			throw new GenrepError((err as Error).message);
		}
	};
	return {
		port,
		host,
		runs: roots(options.runs, "--runs"),
		models: roots(options.models, "--models"),
		webDir,
		log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
	};
}

const CONTENT_TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".svg": "image/svg+xml",
	".json": "application/json; charset=utf-8",
	".jsonl": "text/plain; charset=utf-8",
	".md": "text/plain; charset=utf-8",
	".csv": "text/plain; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
	".ico": "image/x-icon",
};

const APP_CSP =
	"default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'";

/** The app's routes (no listening socket: startUi serves it). */
export function createUiApp(o: ResolvedUiOptions): { app: Hono; dispose: () => void } {
	const app = new Hono();
	const generators = new GeneratorCache(o.models);
	const queue = new WorkQueue(UI_LIMITS.maxQueued);
	const references = new Map<string, Promise<Reference>>();
	const reference = (key: string, make: () => Promise<Reference>) => {
		let r = references.get(key);
		if (!r) {
			r = make();
			r.catch(() => references.delete(key));
			if (references.size > 64) references.clear();
			references.set(key, r);
		}
		return r;
	};
	const allowedHosts = new Set(["localhost", "127.0.0.1", "[::1]", o.host.includes(":") ? `[${o.host}]` : o.host]);
	const openHost = o.host === "0.0.0.0" || o.host === "::";
	const webRoot: Root = { index: 0, given: "dist/ui/web", real: o.webDir };

	app.use("*", async (c, next) => {
		if (c.req.url.length > UI_LIMITS.maxUrlLength)
			throw new HttpError(414, `the request URL is longer than ${UI_LIMITS.maxUrlLength} characters`);
		if (c.req.method !== "GET" && c.req.method !== "HEAD")
			throw new HttpError(405, `${c.req.method} is not served: the ui only answers GET`);
		const hostHeader = (c.req.header("host") ?? "").replace(/:\d+$/, "");
		if (!openHost && !allowedHosts.has(hostHeader)) {
			throw new HttpError(
				403,
				`host ${JSON.stringify(hostHeader)} is not this server's (start genrep ui with --host to serve other names)`,
			);
		}
		await next();
		c.header("X-Content-Type-Options", "nosniff");
		c.header("Referrer-Policy", "no-referrer");
	});

	app.onError((err, c) => {
		if (err instanceof HttpError) return c.json({ error: err.message }, err.status);
		if (err instanceof GenrepError || err instanceof RangeError)
			return c.json({ error: err.message.split("\n")[0] }, 400);
		o.log(
			`genrep ui: unexpected error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
		);
		return c.json({ error: "internal error while answering this request (the server's log has the details)" }, 500);
	});
	app.notFound((c) => c.json({ error: `no such page or endpoint: ${c.req.path.slice(0, 200)}` }, 404));

	const params = (c: Context): Params => c.req.query();

	app.get("/api/info", async (c) =>
		c.json({
			generators: await listGenerators(o.models),
			runsRoots: o.runs.map((r) => ({ index: r.index, given: r.given })),
			modelsRoots: o.models.map((r) => ({ index: r.index, given: r.given })),
			limits: UI_LIMITS,
		}),
	);

	app.get("/api/generator", async (c) => {
		const g = await queue.run(() => generators.get(generatorRef(params(c))));
		const gen = g.generator;
		return c.json({
			key: g.key,
			cliName: g.cliName,
			latentDim: gen.latentDim,
			numClasses: gen.numClasses,
			classNames: gen.classNames,
			imageShape: gen.imageShape,
			defaultTruncation: gen.defaultTruncation,
			differentiable: gen.differentiable,
			walks: g.walks
				? g.walks.card.walks.map((w) => ({
						edit: w.edit,
						description: w.description,
						units: w.units,
						alphaRange: w.alphaRange,
						identity: w.identity,
					}))
				: null,
		});
	});

	app.get("/api/views.png", async (c) => {
		const p = params(c);
		const image = await queue.run(async () => {
			const g = await generators.get(generatorRef(p));
			return renderViews(g, resolveViewsRequest(p, g));
		});
		return new Response(new Uint8Array(image.png), {
			headers: {
				"Content-Type": "image/png",
				"Cache-Control": "no-store",
				"X-Genrep-Columns": encodeURIComponent(JSON.stringify(image.columns)),
				"X-Genrep-Rows": encodeURIComponent(JSON.stringify(image.rowClasses)),
				"X-Genrep-Command": encodeURIComponent(image.command),
			},
		});
	});

	app.get("/api/distances", async (c) => {
		const p = params(c);
		const d = await queue.run(async () => {
			const g = await generators.get(generatorRef(p));
			return measureDistances(g, resolveViewsRequest(p, g), reference);
		});
		return c.json(d);
	});

	app.get("/api/runs", async (c) =>
		c.json({ roots: o.runs.map((r) => ({ index: r.index, given: r.given })), entries: await listRuns(o.runs) }),
	);

	app.get("/api/run", async (c) => {
		const p = params(c);
		const root = pickRoot(o.runs, p.root, "runs");
		return c.json(await readRun(root, p.path ?? "", intParam(p, "since", 0, 1e9, 0)));
	});
	app.get("/api/eval", async (c) => {
		const p = params(c);
		return c.json(await readEval(pickRoot(o.runs, p.root, "runs"), p.path ?? ""));
	});
	app.get("/api/experiment", async (c) => {
		const p = params(c);
		return c.json(await readExperiment(pickRoot(o.runs, p.root, "runs"), p.path ?? ""));
	});

	/** Files under a runs root (reports, plots, grids), shown in place; HTML runs sandboxed (no scripts). */
	app.get("/files/:root/*", async (c) => {
		const root = pickRoot(o.runs, c.req.param("root"), "runs");
		const raw = new URL(c.req.url).pathname.split("/").slice(3);
		const rel = decodeSegments(raw).join("/");
		const path = confinedPath(root, rel);
		return sendFile(c, path, "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'");
	});

	const sendApp = async (c: Context, rel: string) => sendFile(c, confinedPath(webRoot, rel), APP_CSP);
	app.get("/", (c) => sendApp(c, "index.html"));
	app.get("/assets/*", (c) => sendApp(c, decodeSegments(new URL(c.req.url).pathname.split("/").slice(1)).join("/")));

	return { app, dispose: () => generators.dispose() };
}

/** URL path segments, each decoded once; an encoded / or \ inside a segment is refused. */
function decodeSegments(raw: readonly string[]): string[] {
	return raw.map((s) => {
		let d: string;
		try {
			d = decodeURIComponent(s);
		} catch {
			throw new HttpError(400, `bad percent-encoding in the path: ${JSON.stringify(s.slice(0, 60))}`);
		}
		if (d.includes("/") || d.includes("\\"))
			throw new HttpError(400, `an encoded separator in the path (${JSON.stringify(s.slice(0, 60))}) is not allowed`);
		checkRelativePath(d);
		return d;
	});
}

async function sendFile(c: Context, path: string, csp: string): Promise<Response> {
	const info = statSync(path);
	if (!info.isFile()) throw new HttpError(404, `${path.split("/").pop()}: not a file`);
	const type = CONTENT_TYPES[extname(path).toLowerCase()];
	if (!type)
		throw new HttpError(403, `${extname(path) || "files without an extension"}: not a kind of file the ui serves`);
	if (info.size > UI_LIMITS.maxFileBytes)
		throw new HttpError(413, `${path.split("/").pop()}: larger than ${UI_LIMITS.maxFileBytes} bytes`);
	const body =
		type.startsWith("image/png") || type.startsWith("image/x-icon")
			? new Uint8Array(await readFile(path))
			: await readBounded(path);
	return c.body(body, 200, { "Content-Type": type, "Content-Security-Policy": csp, "Cache-Control": "no-cache" });
}

export interface UiServer {
	url: string;
	host: string;
	port: number;
	close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startUi(options: UiOptions = {}): Promise<UiServer> {
	const o = resolveUiOptions(options);
	const { app, dispose } = createUiApp(o);
	return new Promise((resolvePromise, reject) => {
		const server = serve({ fetch: app.fetch, port: o.port, hostname: o.host }, (info: AddressInfo) => {
			const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
			resolvePromise({
				url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${info.port}/`,
				host: info.address,
				port: info.port,
				close: () =>
					new Promise<void>((done) => {
						dispose();
						server.close(() => done());
						(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
					}),
			});
		});
		server.once("error", (err: NodeJS.ErrnoException) => {
			reject(
				new GenrepError(
					err.code === "EADDRINUSE"
						? `port ${o.port} on ${o.host} is in use; pick another with --port`
						: `cannot listen on ${o.host}:${o.port} (${err.code ?? err.message})`,
				),
			);
		});
	});
}
