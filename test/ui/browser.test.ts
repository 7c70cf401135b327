/// <reference lib="dom" />
/**
 * genrep ui in a real browser: Debian's chromium driven by playwright-core (never a browser
 * download). The explorer loads, moving the sigma slider changes the views image (and the
 * time from the move to the new image is measured, median of 20, for both shipped
 * generators), the runs page shows the points a real `genrep train` appends while it runs,
 * and traversal attempts are refused in the page. GENREP_UI_SCREENSHOTS=DIR also saves
 * screenshots there (docs/ui/ holds the committed ones).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUi, type UiServer } from "../../src/ui/server.js";

const CHROMIUM = "/usr/bin/chromium";

/** What the explorer page exposes for timing (src/ui/web/src/explorer.ts). */
declare global {
	interface Window {
		genrepUi?: { lastRender: { seq: number; changedAt: number; shownAt: number } | null };
	}
}
const SHOTS = process.env.GENREP_UI_SCREENSHOTS;
let dir: string;
let server: UiServer;
let browser: Browser;
let page: Page;
const training: ChildProcess[] = [];

beforeAll(async () => {
	if (!existsSync(CHROMIUM))
		throw new Error(`${CHROMIUM} is missing: run bash scripts/setup.sh (it installs Debian's chromium)`);
	dir = mkdtempSync(join(tmpdir(), "genrep-ui-browser-"));
	mkdirSync(join(dir, "runs"));
	mkdirSync(join(dir, "models"));
	cpSync("docs/results/demo", join(dir, "runs", "demo"), { recursive: true });
	if (SHOTS) mkdirSync(SHOTS, { recursive: true });
	server = await startUi({ port: 0, runs: [join(dir, "runs")], models: [join(dir, "models")], log: () => {} });
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
	for (const child of training) child.kill("SIGKILL");
	await browser?.close();
	await server?.close();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The pixels of the views image as shown, and the render counter. */
const shown = async (p: Page) =>
	p.evaluate(async () => {
		const img = document.getElementById("views-img") as HTMLImageElement;
		await img.decode(); // a render still loading its image has no pixels yet
		const canvas = document.createElement("canvas");
		canvas.width = img.naturalWidth;
		canvas.height = img.naturalHeight;
		const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
		ctx.drawImage(img, 0, 0);
		const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data; // [H, W, 4]
		const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", pixels));
		return { seq: Number(img.dataset.seq), hash: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
	});

/** Runs `action` (a change of the explorer's controls) and resolves once the views image it asks for is shown. */
async function showsNewImage(p: Page, action: () => Promise<unknown>, timeout = 20_000): Promise<void> {
	const before = Number(await p.getAttribute("#views-img", "data-seq"));
	await action();
	await p.waitForFunction((n) => Number(document.getElementById("views-img")?.dataset.seq) > n, before, { timeout });
}

/** Moves a range input to `value` as a user's drag does (input event); resolves when the new image is shown. */
async function moveSlider(p: Page, id: string, value: string): Promise<number> {
	await showsNewImage(p, () =>
		p.evaluate(
			([id, value]) => {
				const input = document.getElementById(id) as HTMLInputElement;
				input.value = value;
				input.dispatchEvent(new Event("input", { bubbles: true }));
			},
			[id, value],
		),
	);
	await p.waitForFunction(() => {
		const r = window.genrepUi?.lastRender;
		return r !== null && r !== undefined && r.changedAt > 0;
	});
	return p.evaluate(() => {
		const r = window.genrepUi?.lastRender as { changedAt: number; shownAt: number };
		return r.shownAt - r.changedAt;
	});
}

async function pickGenerator(p: Page, name: string): Promise<void> {
	await showsNewImage(p, () => p.selectOption("#generator", name), 30_000);
}

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe("genrep ui in chromium", () => {
	it("explorer: moving the sigma slider changes the views image; slider-to-image latency, median of 20", async () => {
		await page.goto(server.url);
		await page.waitForFunction(() => Number(document.getElementById("views-img")?.dataset.seq) >= 1, null, {
			timeout: 30_000,
		});
		expect(await page.inputValue("#generator")).toBe("fashion-mnist-cgan");
		const first = await shown(page);
		await moveSlider(page, "sigma", "90");
		const second = await shown(page);
		expect(second.seq).toBeGreaterThan(first.seq);
		expect(second.hash).not.toBe(first.hash);
		expect(await page.inputValue("#command")).toContain("--sigma 2.4");
		await page.waitForSelector("#distances[data-sigma='2.4'] .bar-row[data-kind=same]", { timeout: 20_000 });
		if (SHOTS) await page.screenshot({ path: join(SHOTS, "explorer-cgan.png") });

		const timings: Record<string, number[]> = {};
		for (const generator of ["fashion-mnist-cgan", "fashion-mnist-gan"]) {
			await pickGenerator(page, generator);
			const ms: number[] = [];
			for (let i = 0; i < 20; i++) ms.push(await moveSlider(page, "sigma", String(30 + ((i * 7) % 60))));
			timings[generator] = ms;
		}
		const summary = Object.fromEntries(Object.entries(timings).map(([g, ms]) => [g, Number(median(ms).toFixed(1))]));
		console.log(
			`genrep ui slider -> new views image, median of 20 (ms, 4 anchors x 7 images): ${JSON.stringify(summary)}`,
		);
		if (process.env.GENREP_UI_TIMINGS)
			writeFileSync(
				process.env.GENREP_UI_TIMINGS,
				`${JSON.stringify({ medianMs: summary, allMs: timings }, null, 2)}\n`,
			);
		for (const ms of Object.values(summary)) expect(ms).toBeLessThan(5000);

		// steer sliders of the unconditional generator's walks
		// the view change renders a new image: read "before" from it, not from a half-loaded <img>
		await showsNewImage(page, () => page.selectOption("#view", "steer"));
		await page.waitForSelector("#alpha-zoom");
		const beforeZoom = (await shown(page)).hash;
		await moveSlider(page, "alpha-zoom", "1.6");
		expect((await shown(page)).hash).not.toBe(beforeZoom);
		expect(await page.textContent("#views-columns")).toContain("sliders");
		await page.waitForSelector("#distances[data-view=steer] .bar-row[data-kind=different]", { timeout: 20_000 });
		expect(await page.textContent("#distances")).toContain("two samples"); // unconditional: no classes to compare
		if (SHOTS) await page.screenshot({ path: join(SHOTS, "explorer-steer.png") });
	});

	it("explorer: a folder outside the models root is refused with a message in the page", async () => {
		await page.fill("#folder", "../../etc");
		await page.click("#folder-load");
		await page.waitForSelector("#explorer-error:not([hidden])");
		expect(await page.textContent("#explorer-error")).toMatch(/leaves its root/);
		const response = await page.goto(`${server.url}files/0/..%2f..%2f..%2fetc%2fpasswd`);
		expect(response?.status()).toBeGreaterThanOrEqual(400);
		expect(response?.status()).toBeLessThan(500);
		expect(await page.textContent("body")).not.toContain("root:x:0");
	});

	it("runs page: two running genrep train runs show new points within seconds, overlaid", async () => {
		const runs = [
			{ name: "simclr-lr0.03", args: ["--lr", "0.03", "--seed", "0"] },
			{ name: "simclr-lr0.3", args: ["--lr", "0.3", "--seed", "1"] },
		];
		let stderr = "";
		for (const r of runs) {
			const child = spawn(
				process.execPath,
				[
					"--import",
					"tsx",
					"src/cli/main.ts",
					"train",
					"--method",
					"simclr",
					"--data",
					"fashion-mnist",
					"--limit",
					"64",
					"--batch-size",
					"8",
					"--steps",
					"400",
					"--log-every",
					"1",
					...r.args,
					"--out",
					join(dir, "runs", r.name),
				],
				{ stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, GENREP_DATA_DIR: "" } },
			);
			child.stderr?.on("data", (d) => {
				stderr += String(d);
			});
			training.push(child);
		}
		const started = Date.now();
		while (!runs.every((r) => existsSync(join(dir, "runs", r.name, "metrics.jsonl")))) {
			if (training.some((c) => c.exitCode !== null)) throw new Error(`genrep train exited early: ${stderr}`);
			if (Date.now() - started > 60_000) throw new Error(`genrep train wrote no metrics in 60 s: ${stderr}`);
			await new Promise((r) => setTimeout(r, 200));
		}
		await page.goto(`${server.url}#runs`);
		const pointsOf = (name: string) =>
			page.evaluate(
				(n) => Number(document.querySelector(`.run-status[data-run='0:${n}']`)?.getAttribute("data-points") ?? "0"),
				name,
			);
		const waitForMore = (name: string, than: number, timeout: number) =>
			page.waitForFunction(
				([n, k]) =>
					Number(document.querySelector(`.run-status[data-run='0:${n}']`)?.getAttribute("data-points") ?? "0") >
					Number(k),
				[name, String(than)],
				{ timeout },
			);
		// the newest run is ticked on its own; tick the other one to overlay them
		await page.waitForSelector(".run-status", { timeout: 10_000 });
		for (const r of runs) {
			const box = page.locator(`input[data-run='0:${r.name}']`);
			if (!(await box.isChecked())) await box.check();
		}
		for (const r of runs) await waitForMore(r.name, 0, 10_000);
		for (const r of runs) {
			const seen = await pointsOf(r.name);
			const t0 = Date.now();
			await waitForMore(r.name, seen, 5_000);
			expect(Date.now() - t0).toBeLessThan(5000);
		}
		expect(await page.locator("svg.chart[data-title=loss] polyline").count()).toBe(2);
		expect(await page.textContent(".run-status")).toMatch(/step \d+ \/ 400, ETA/);
		if (SHOTS) {
			for (const r of runs) await waitForMore(r.name, 40, 60_000);
			await page.screenshot({ path: join(SHOTS, "runs-live.png") });
		}
		for (const child of training) child.kill("SIGINT");

		// the experiment's report opens in place
		await page.click("a[data-open='0:demo']");
		const report = page.frameLocator("#report");
		await report.locator("table").first().waitFor({ timeout: 10_000 });
		expect(await report.locator("body").textContent()).toMatch(/linear/i);
		if (SHOTS) await page.screenshot({ path: join(SHOTS, "runs-report.png"), fullPage: true });
	});
});
