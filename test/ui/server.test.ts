/**
 * genrep ui over HTTP (a real server on a free loopback port): the explorer's images come
 * from the library's sampler and equal what its `genrep views generate` command writes;
 * every path a request names stays inside its root; bad and oversized requests get a 4xx
 * with a one-line message; the runs routes read metrics.jsonl from an offset.
 */

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateRepresentation } from "../../src/evaluation/representation/evaluate.js";
import { gridToPng } from "../../src/formats/grid.js";
import { generateMultiviewDataset, openMultiviewDataset } from "../../src/store/multiview.js";
import { eta } from "../../src/ui/runs.js";
import { resolveUiOptions, startUi, type UiServer } from "../../src/ui/server.js";

const SECRET = "top-secret-outside-the-root";
let dir: string;
let server: UiServer;

/** A raw GET (no URL normalisation by a client library), with an optional Host header. */
function get(
	path: string,
	headers: Record<string, string> = {},
	method = "GET",
): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
	const url = new URL(server.url);
	return new Promise((resolve, reject) => {
		const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
		});
		req.on("error", reject);
		req.end();
	});
}

const errorOf = (body: Buffer): string => (JSON.parse(body.toString("utf8")) as { error: string }).error;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), "genrep-ui-http-"));
	const runs = join(dir, "runs");
	const outside = join(dir, "outside");
	mkdirSync(join(runs, "run-a"), { recursive: true });
	mkdirSync(outside);
	mkdirSync(join(dir, "models"));
	writeFileSync(join(outside, "secret.txt"), SECRET);
	writeFileSync(join(outside, "report.html"), `<p>${SECRET}</p>`);
	writeFileSync(join(outside, "config.json"), JSON.stringify({ format: "genrep-train/1", secret: SECRET }));
	writeFileSync(join(outside, "model.json"), JSON.stringify({ format: "genrep-generator/1", secret: SECRET }));
	symlinkSync(outside, join(runs, "link-out"));
	symlinkSync(join(outside, "secret.txt"), join(runs, "secret-link.txt"));
	symlinkSync(outside, join(dir, "models", "link-out"));
	writeFileSync(
		join(runs, "run-a", "config.json"),
		JSON.stringify({ format: "genrep-train/1", method: "simclr", encoder: "resnet-tiny", steps: 10 }),
	);
	writeFileSync(join(runs, "run-a", "notes.txt"), "inside");
	const line = (step: number) =>
		`${JSON.stringify({ step, epoch: step / 10, loss: 5 - step / 10, lr: 0.01, imagesPerSecond: 100, seconds: step * 0.5 })}\n`;
	writeFileSync(join(runs, "run-a", "metrics.jsonl"), line(1) + line(2) + line(3));
	cpSync("docs/results/demo", join(runs, "demo"), { recursive: true });
	// The experiment's report only: the published demo also carries its runs' files.
	rmSync(join(runs, "demo", "runs"), { recursive: true, force: true });
	cpSync("test/fixtures/onnx/tiny-cgan", join(dir, "models", "zoo", "tiny-cgan"), { recursive: true });
	await evaluateRepresentation({
		encoder: "pixels",
		dataset: "fashion-mnist",
		trainLimit: 100,
		testLimit: 50,
		shots: [2],
		draws: 2,
		maxIterations: 10,
		out: join(runs, "pixels-eval.json"),
	});
	server = await startUi({ port: 0, runs: [runs], models: [join(dir, "models")], log: () => {} });
});

afterAll(async () => {
	await server?.close();
	rmSync(dir, { recursive: true, force: true });
});

describe("genrep ui: the explorer's images", () => {
	it("binds to 127.0.0.1 by default and serves the built front end", async () => {
		expect(server.host).toBe("127.0.0.1");
		const page = await get("/");
		expect(page.status).toBe(200);
		expect(page.body.toString()).toContain('id="page-explorer"');
		expect(String(page.headers["content-security-policy"])).toContain("default-src 'self'");
	});

	it("draws anchors beside views as a PNG that changes with sigma and equals the command's dataset", async () => {
		const q = "generator=fashion-mnist-cgan&view=gaussian&anchors=3&neighbors=2&seed=5&truncation=1.5&class=7";
		const a = await get(`/api/views.png?${q}&sigma=0.3`);
		expect(a.status).toBe(200);
		expect(a.headers["content-type"]).toBe("image/png");
		expect(a.body.subarray(1, 4).toString()).toBe("PNG");
		expect(a.body.readUInt32BE(16)).toBe((3 * (32 + 2) + 2) * 3); // width: 3 columns of 32 px, padding 2, scale 3
		const again = await get(`/api/views.png?${q}&sigma=0.3`);
		expect(Buffer.compare(a.body, again.body)).toBe(0);
		const b = await get(`/api/views.png?${q}&sigma=2`);
		expect(b.status).toBe(200);
		expect(Buffer.compare(a.body, b.body)).not.toBe(0);

		const command = decodeURIComponent(String(a.headers["x-genrep-command"]));
		expect(command).toContain(
			"genrep views generate --generator fashion-mnist-cgan --view gaussian --sigma 0.3 --anchors 3 --neighbors 2 --seed 5 --truncation 1.5 --classes 7 --out views",
		);
		// What that command writes, drawn the same way, is the same picture.
		const out = join(dir, "views-from-command");
		await generateMultiviewDataset({
			generator: "fashion-mnist-cgan",
			view: "gaussian",
			viewOptions: { sigma: 0.3 },
			anchors: 3,
			neighbors: 2,
			seed: 5,
			truncation: 1.5,
			classes: [7],
			out,
		});
		const data = await openMultiviewDataset(out);
		const shard = await data.readShard(0);
		expect(Array.from(shard.y ?? [])).toEqual([7, 7, 7]);
		const { png } = await gridToPng(shard.images, {
			count: 9,
			height: 32,
			width: 32,
			channels: 1,
			columns: 3,
			scale: 3,
			padValue: 96,
		});
		expect(Buffer.compare(png, a.body)).toBe(0);
	});

	it("steers with one alpha per walk and previews pixel views", async () => {
		const base = "generator=fashion-mnist-gan&view=steer&anchors=2&neighbors=2";
		const identity = await get(`/api/views.png?${base}`);
		const zoomed = await get(`/api/views.png?${base}&alpha.zoom=1.6`);
		expect(identity.status).toBe(200);
		expect(zoomed.status).toBe(200);
		expect(JSON.parse(decodeURIComponent(String(zoomed.headers["x-genrep-columns"])))).toEqual([
			"anchor",
			"sliders",
			"view 1",
			"view 2",
		]);
		expect(Buffer.compare(identity.body, zoomed.body)).not.toBe(0);
		const plain = await get("/api/views.png?generator=fashion-mnist-gan&view=none&anchors=2&neighbors=2&tx=0");
		const tx = await get("/api/views.png?generator=fashion-mnist-gan&view=none&anchors=2&neighbors=2&tx=1");
		expect(tx.status).toBe(200);
		expect(Buffer.compare(plain.body, tx.body)).not.toBe(0);
	});

	it("loads an ONNX generator folder under a --models root (RGB, black box, no walks yet)", async () => {
		const info = JSON.parse((await get("/api/info")).body.toString()) as {
			generators: { key: string; shipped: boolean }[];
		};
		expect(info.generators.filter((g) => !g.shipped).map((g) => g.key)).toEqual(["0:zoo/tiny-cgan"]);
		const g = JSON.parse((await get("/api/generator?root=0&dir=zoo/tiny-cgan")).body.toString());
		expect(g).toMatchObject({ numClasses: 10, imageShape: [16, 16, 3], differentiable: false, walks: null });
		const r = await get("/api/views.png?root=0&dir=zoo/tiny-cgan&view=independent&anchors=2&neighbors=3&class=4");
		expect(r.status).toBe(200);
		expect(r.body.readUInt32BE(16)).toBe((4 * (16 + 2) + 2) * 3);
		expect(decodeURIComponent(String(r.headers["x-genrep-command"]))).toContain(
			`--generator ${join(dir, "models", "zoo", "tiny-cgan")} --view independent`,
		);
		const steer = await get("/api/views.png?root=0&dir=zoo/tiny-cgan&view=steer");
		expect(steer.status).toBe(400);
		expect(errorOf(steer.body)).toMatch(/has none \(train them with genrep steer train\)/);
	});

	it("measures anchor-to-view distances that grow with sigma, against same- and different-class pairs", async () => {
		const at = async (sigma: number) => {
			const r = await get(`/api/distances?generator=fashion-mnist-cgan&view=gaussian&sigma=${sigma}`);
			expect(r.status).toBe(200);
			return JSON.parse(r.body.toString()) as { anchorToView: number; sameClass: number; differentClass: number };
		};
		const small = await at(0.05);
		const large = await at(3);
		expect(small.anchorToView).toBeLessThan(large.anchorToView);
		expect(small.anchorToView).toBeLessThan(small.sameClass);
		expect(small.sameClass).toBeLessThan(small.differentClass);
		expect(large.sameClass).toBe(small.sameClass); // the reference does not depend on sigma
	});
});

describe("genrep ui: bad and oversized requests", () => {
	const cases: [string, number, RegExp][] = [
		["/api/views.png?generator=fashion-mnist-gan&anchors=1000", 400, /anchors must be an integer in 1\.\.16/],
		["/api/views.png?generator=fashion-mnist-gan&neighbors=13", 400, /neighbors must be an integer in 1\.\.12/],
		[
			"/api/views.png?generator=fashion-mnist-gan&anchors=16&neighbors=12&view=steer&alpha.zoom=1.2",
			413,
			/images, more than 160/,
		],
		["/api/views.png?generator=fashion-mnist-gan&sigma=abc", 400, /sigma must be a number/],
		["/api/views.png?generator=fashion-mnist-gan&view=independent", 400, /needs a class-conditional generator/],
		["/api/views.png?generator=fashion-mnist-gan&class=3", 400, /unconditional/],
		["/api/views.png?generator=fashion-mnist-cgan&class=10", 400, /class must be an integer in 0\.\.9/],
		["/api/views.png?generator=fashion-mnist-cgan&view=steer&alpha.spin=1", 400, /alpha\.spin: no such walk/],
		[
			"/api/views.png?generator=fashion-mnist-cgan&view=steer&alpha.zoom=9",
			400,
			/alpha\.zoom must be a number in 0\.6\.\.1\.6/,
		],
		["/api/views.png?generator=biggan", 400, /unknown generator "biggan"/],
		["/api/views.png?view=gaussian", 400, /name a generator/],
		["/api/run?root=7&path=run-a", 400, /root must be the index of a runs root/],
		["/api/nothing", 404, /no such page or endpoint/],
	];
	for (const [path, status, message] of cases) {
		it(`${path} -> ${status}`, async () => {
			const r = await get(path);
			expect(r.status).toBe(status);
			const error = errorOf(r.body);
			expect(error).toMatch(message);
			expect(error).not.toMatch(/\n|at .*\.ts:\d+/);
		});
	}

	it("validates its options with messages naming the bad value", async () => {
		expect(() => resolveUiOptions({ port: 70000 })).toThrow("port must be an integer in 0..65535, got 70000");
		expect(() => resolveUiOptions({ host: "" })).toThrow('host must be an address to bind to, got ""');
		expect(() => resolveUiOptions({ models: [join(dir, "runs", "run-a", "notes.txt")] })).toThrow(
			/notes\.txt: not a folder/,
		);
		expect(() => resolveUiOptions({ webDir: dir })).toThrow(/the front end is not built/);
		await expect(startUi({ port: Number(new URL(server.url).port), log: () => {} })).rejects.toThrow(
			/is in use; pick another with --port/,
		);
	});

	it("answers only GET, refuses over-long URLs and foreign Host headers (DNS rebinding)", async () => {
		expect((await get("/api/info", {}, "POST")).status).toBe(405);
		expect((await get(`/api/info?x=${"a".repeat(5000)}`)).status).toBe(414);
		const foreign = await get("/api/info", { Host: "evil.example:7860" });
		expect(foreign.status).toBe(403);
		expect(errorOf(foreign.body)).toMatch(/not this server's/);
	});
});

describe("genrep ui: paths stay inside their roots", () => {
	const refused: string[] = [
		"/files/0/../outside/secret.txt",
		"/files/0/%2e%2e/outside/secret.txt",
		"/files/0/..%2foutside%2fsecret.txt",
		"/files/0/%2e%2e%2foutside%2fsecret.txt",
		"/files/0/%252e%252e/outside/secret.txt",
		"/files/0/..%5coutside%5csecret.txt",
		"/files/0//etc/passwd",
		"/files/0/%2fetc%2fpasswd",
		"/files/0/link-out/secret.txt",
		"/files/0/link-out/report.html",
		"/files/0/secret-link.txt",
		"/files/1/run-a/notes.txt",
		"/api/run?root=0&path=../outside",
		"/api/run?root=0&path=%2e%2e%2foutside",
		"/api/run?root=0&path=/etc",
		"/api/run?root=0&path=link-out",
		"/api/run?root=0&path=run-a/../../outside",
		"/api/eval?root=0&path=..%5coutside%5csecret.txt",
		"/api/experiment?root=0&path=link-out",
		"/api/generator?root=0&dir=link-out",
		"/api/generator?root=0&dir=../outside",
		"/api/generator?root=0&dir=/work",
		"/api/generator?root=0&dir=%252e%252e",
		"/assets/../../../../etc/passwd",
		"/assets/%2e%2e%2f%2e%2e%2fserver.js",
	];
	for (const path of refused) {
		it(`refuses ${path}`, async () => {
			const r = await get(path);
			expect(r.status).toBeGreaterThanOrEqual(400);
			expect(r.status).toBeLessThan(500);
			expect(r.body.toString()).not.toContain(SECRET);
			expect(r.body.toString()).not.toContain("root:x:0");
		});
	}

	it("serves a file inside the root, sandboxed", async () => {
		const r = await get("/files/0/run-a/notes.txt");
		expect(r.status).toBe(200);
		expect(r.body.toString()).toBe("inside");
		expect(String(r.headers["content-security-policy"])).toMatch(/^sandbox/);
		expect((await get("/files/0/run-a/config.json")).status).toBe(200);
	});
});

describe("genrep ui: runs", () => {
	it("lists the run and reads its metrics from an offset, skipping a half-written line", async () => {
		const list = JSON.parse((await get("/api/runs")).body.toString()) as { entries: { kind: string; path: string }[] };
		expect(list.entries.filter((e) => e.kind === "train").map((e) => e.path)).toEqual(["run-a"]);
		const first = JSON.parse((await get("/api/run?root=0&path=run-a")).body.toString());
		expect(first.points.map((p: { step: number }) => p.step)).toEqual([1, 2, 3]);
		expect(first.next).toBe(3);
		expect(first.totalSteps).toBe(10);
		expect(first.etaSeconds).toBeCloseTo(3.5, 6); // 0.5 s per step, 7 steps left
		const metrics = join(dir, "runs", "run-a", "metrics.jsonl");
		await appendFile(
			metrics,
			`${JSON.stringify({ step: 4, loss: 1, lr: 0.01, imagesPerSecond: 90, seconds: 2 })}\n{"step": 5, "lo`,
		);
		const second = JSON.parse((await get("/api/run?root=0&path=run-a&since=3")).body.toString());
		expect(second.points.map((p: { step: number }) => p.step)).toEqual([4]);
		expect(second.next).toBe(4);
	});

	it("finds a real eval and an experiment, and serves the report in place, sandboxed", async () => {
		const list = JSON.parse((await get("/api/runs")).body.toString()) as { entries: { kind: string; path: string }[] };
		expect(list.entries.filter((e) => e.kind === "eval").map((e) => e.path)).toEqual(["pixels-eval.json"]);
		expect(list.entries.filter((e) => e.kind === "experiment").map((e) => e.path)).toEqual(["demo"]);
		const evalSummary = JSON.parse((await get("/api/eval?root=0&path=pixels-eval.json")).body.toString());
		const raw = JSON.parse(readFileSync(join(dir, "runs", "pixels-eval.json"), "utf8"));
		expect(evalSummary.dataset.linear).toBe(raw.dataset.linearProbe.top1);
		expect(evalSummary.dataset.knn).toBe(raw.dataset.knn.top1);
		expect(Object.keys(evalSummary.dataset.lowShot)).toEqual(Object.keys(raw.dataset.lowShot));
		const x = JSON.parse((await get("/api/experiment?root=0&path=demo")).body.toString());
		expect(x.report).toBe("demo/report.html");
		const report = await get("/files/0/demo/report.html");
		expect(report.status).toBe(200);
		expect(report.headers["content-type"]).toMatch(/^text\/html/);
		expect(String(report.headers["content-security-policy"])).toMatch(/^sandbox;/);
		expect(report.body.toString()).toContain("<table");
		expect((await get("/api/eval?root=0&path=demo/report.html")).status).toBe(404);
	});

	it("estimates the time left from the recent pace", () => {
		const p = (step: number, seconds: number) => ({ step, seconds, loss: 0, lr: 0, imagesPerSecond: 0 });
		expect(eta([p(10, 5), p(20, 10)], 100)).toBeCloseTo(40, 9);
		expect(eta([p(10, 5)], 100)).toBeNull();
		expect(eta([p(10, 5), p(20, 10)], null)).toBeNull();
	});
});
