/**
 * The latent explorer page: generator, seed, truncation, class, latent view and its knobs,
 * pixel views on/off; the views grid (a PNG from /api/views.png), the measured pixel
 * distances, and the `genrep views generate` command for the same settings. A change while a
 * request is out waits for it and then asks for the newest settings only.
 */
import { el, errorOf, getJson } from "./api.js";

interface GeneratorEntry {
	key: string;
	label: string;
	shipped: boolean;
	root?: number;
	dir?: string;
}

interface GeneratorInfo {
	key: string;
	numClasses: number;
	classNames: string[];
	imageShape: [number, number, number];
	defaultTruncation: number;
	differentiable: boolean;
	walks: { edit: string; description: string; units: string; alphaRange: [number, number]; identity: number }[] | null;
}

interface Distances {
	anchorToView: number;
	sameClass: number | null;
	differentClass: number | null;
	twoSamples: number | null;
	pairs: { anchorToView: number; reference: number };
}

/** For the browser tests: when the last views image was asked for and when it was shown. */
export interface RenderTiming {
	seq: number;
	changedAt: number;
	shownAt: number;
}

declare global {
	interface Window {
		genrepUi?: { lastRender: RenderTiming | null };
	}
}

const SIGMA_MIN = 0.02;
const SIGMA_MAX = 4;
const sigmaOf = (v: number) => Number((SIGMA_MIN * (SIGMA_MAX / SIGMA_MIN) ** (v / 100)).toPrecision(2));
const sliderOf = (sigma: number) => Math.round((100 * Math.log(sigma / SIGMA_MIN)) / Math.log(SIGMA_MAX / SIGMA_MIN));

export function mountExplorer(root: HTMLElement): void {
	window.genrepUi = { lastRender: null };
	const generatorSelect = el("select", { id: "generator" });
	const folderRoot = el("select", { id: "folder-root" });
	const folderInput = el("input", { id: "folder", type: "text", placeholder: "folder under the models root" });
	const folderButton = el("button", { id: "folder-load", type: "button" }, "Load folder");
	const seed = el("input", { id: "seed", type: "number", min: "0", value: "0" });
	const truncation = el("input", { id: "truncation", type: "range", min: "0.1", max: "3", step: "0.1", value: "2" });
	const truncationText = el("span", { class: "value" });
	const classSelect = el("select", { id: "class" });
	const viewSelect = el("select", { id: "view" });
	const sigma = el("input", {
		id: "sigma",
		type: "range",
		min: "0",
		max: "100",
		step: "1",
		value: String(sliderOf(0.5)),
	});
	const sigmaText = el("span", { class: "value", id: "sigma-value" });
	const alphaScale = el("input", { id: "alpha-scale", type: "range", min: "0.05", max: "1", step: "0.05", value: "1" });
	const alphaScaleText = el("span", { class: "value" });
	const walkBox = el("div", { id: "walks" });
	const anchors = el("input", { id: "anchors", type: "number", min: "1", max: "8", value: "4" });
	const neighbors = el("input", { id: "neighbors", type: "number", min: "1", max: "8", value: "6" });
	const tx = el("input", { id: "tx", type: "checkbox" });
	const error = el("div", { id: "explorer-error", class: "error", role: "alert", hidden: "" });
	const image = el("img", { id: "views-img", alt: "anchors beside their views", "data-seq": "0" });
	const columns = el("div", { id: "views-columns", class: "columns" });
	const rows = el("div", { id: "views-rows", class: "rows" });
	const distances = el("div", { id: "distances" });
	const command = el("textarea", { id: "command", readonly: "", rows: "4", spellcheck: "false" });
	const copy = el("button", { type: "button", id: "copy-command" }, "Copy");
	const sigmaRow = row("sigma (gaussian)", sigma, sigmaText);
	const alphaScaleRow = row("alpha scale (steer)", alphaScale, alphaScaleText);
	const classRow = row("class", classSelect);

	root.append(
		el(
			"div",
			{ class: "explorer" },
			el(
				"form",
				{ class: "controls", id: "explorer-controls" },
				row("generator", generatorSelect),
				row("or a folder", folderRoot, folderInput, folderButton),
				row("seed", seed),
				row("truncation t", truncation, truncationText),
				classRow,
				row("latent view T_z", viewSelect),
				sigmaRow,
				alphaScaleRow,
				walkBox,
				row("anchors", anchors),
				row("views per anchor", neighbors),
				row("pixel views T_x", tx, el("span", { class: "hint" }, "SimCLR crops, flips, jitter")),
			),
			el(
				"div",
				{ class: "output" },
				error,
				el("div", { class: "grid" }, columns, el("div", { class: "grid-body" }, rows, image)),
				el("h3", {}, "Mean pixel distance"),
				distances,
				el("h3", {}, "Command"),
				el("div", { class: "command" }, command, copy),
			),
		),
	);

	let info: GeneratorInfo | null = null;
	let ref: Record<string, string> = {};
	let inFlight = false;
	let pending = false;
	let changedAt = 0;
	let seq = 0;
	let distanceTimer: number | undefined;
	let objectUrl: string | null = null;

	const showError = (message: string | null) => {
		error.hidden = message === null;
		error.textContent = message ?? "";
	};

	const params = (): Record<string, string> => {
		const p: Record<string, string> = {
			...ref,
			view: viewSelect.value,
			seed: seed.value,
			truncation: truncation.value,
			anchors: anchors.value,
			neighbors: neighbors.value,
			tx: tx.checked ? "1" : "0",
		};
		if (info && info.numClasses > 0) p.class = classSelect.value;
		if (viewSelect.value === "gaussian") p.sigma = String(sigmaOf(Number(sigma.value)));
		if (viewSelect.value === "steer") {
			p.alphaScale = alphaScale.value;
			for (const input of walkBox.querySelectorAll<HTMLInputElement>("input[data-edit]"))
				p[`alpha.${input.dataset.edit}`] = input.value;
		}
		return p;
	};

	const updateLabels = () => {
		truncationText.textContent = truncation.value;
		sigmaText.textContent = String(sigmaOf(Number(sigma.value)));
		alphaScaleText.textContent = alphaScale.value;
		for (const input of walkBox.querySelectorAll<HTMLInputElement>("input[data-edit]")) {
			const label = input.nextElementSibling;
			if (label) label.textContent = input.value;
		}
		sigmaRow.hidden = viewSelect.value !== "gaussian";
		alphaScaleRow.hidden = viewSelect.value !== "steer";
		walkBox.hidden = viewSelect.value !== "steer";
	};

	const render = async () => {
		if (!info) return;
		if (inFlight) {
			pending = true;
			return;
		}
		inFlight = true;
		pending = false;
		const asked = changedAt;
		const p = params();
		try {
			const response = await fetch(`/api/views.png?${new URLSearchParams(p)}`);
			if (!response.ok) throw await errorOf(response);
			const blob = await response.blob();
			const header = (name: string) => decodeURIComponent(response.headers.get(name) ?? "");
			command.value = header("X-Genrep-Command");
			const cols = JSON.parse(header("X-Genrep-Columns") || "[]") as string[];
			columns.replaceChildren(...cols.map((c) => el("span", {}, c)));
			const classes = JSON.parse(header("X-Genrep-Rows") || "[]") as (string | null)[];
			rows.replaceChildren(...classes.map((c) => el("span", {}, c ?? "")));
			rows.hidden = classes.length === 0;
			columns.style.paddingLeft = `${(classes.length === 0 ? 0 : 90) + 2}px`; // over the tiles, past the grid's padding
			const url = URL.createObjectURL(blob);
			await new Promise<void>((resolve) => {
				image.onload = () => resolve();
				image.onerror = () => resolve();
				image.src = url;
			});
			if (objectUrl) URL.revokeObjectURL(objectUrl);
			objectUrl = url;
			seq++;
			image.dataset.seq = String(seq);
			if (window.genrepUi) window.genrepUi.lastRender = { seq, changedAt: asked, shownAt: performance.now() };
			showError(null);
			window.clearTimeout(distanceTimer);
			distanceTimer = window.setTimeout(() => void measure(p), 250);
		} catch (err) {
			showError((err as Error).message);
		} finally {
			inFlight = false;
			if (pending) void render();
		}
	};

	const measure = async (p: Record<string, string>) => {
		try {
			const d = await getJson<Distances>("/api/distances", p);
			drawDistances(distances, d, info?.numClasses ?? 0);
			distances.dataset.sigma = p.sigma ?? "";
			distances.dataset.view = p.view;
		} catch (err) {
			distances.textContent = `distances: ${(err as Error).message}`;
		}
	};

	const changed = () => {
		changedAt = performance.now();
		window.clearTimeout(distanceTimer); // distances wait until the controls rest
		updateLabels();
		void render();
	};

	const loadGenerator = async (next: Record<string, string>) => {
		try {
			const g = await getJson<GeneratorInfo>("/api/generator", next);
			info = g;
			ref = next;
			distances.replaceChildren(el("p", { class: "hint" }, "measuring when the controls rest..."));
			delete distances.dataset.view;
			classSelect.replaceChildren(
				el("option", { value: "all" }, "all classes (as sampled)"),
				...g.classNames.map((name, i) => el("option", { value: String(i) }, `${i}: ${name}`)),
			);
			classRow.hidden = g.numClasses === 0;
			const views = ["none", "gaussian", ...(g.walks ? ["steer"] : []), ...(g.numClasses > 0 ? ["independent"] : [])];
			const current = viewSelect.value || "gaussian";
			viewSelect.replaceChildren(...views.map((v) => el("option", { value: v }, v)));
			viewSelect.value = views.includes(current) ? current : "gaussian";
			truncation.value = String(g.defaultTruncation);
			walkBox.replaceChildren(
				...(g.walks ?? []).map((w) => {
					const [lo, hi] = w.alphaRange;
					const input = el("input", {
						type: "range",
						min: String(lo),
						max: String(hi),
						step: "any",
						value: String(w.identity),
						"data-edit": w.edit,
						id: `alpha-${w.edit}`,
					});
					input.addEventListener("input", changed);
					return row(`${w.edit} (${w.units})`, input, el("span", { class: "value" }));
				}),
			);
			showError(null);
			changed();
		} catch (err) {
			showError((err as Error).message);
		}
	};

	for (const input of [seed, truncation, sigma, alphaScale, anchors, neighbors, tx, classSelect, viewSelect]) {
		input.addEventListener(input instanceof HTMLSelectElement || input === tx ? "change" : "input", changed);
	}
	generatorSelect.addEventListener("change", () => {
		const entry = entries.find((e) => e.key === generatorSelect.value);
		if (entry)
			void loadGenerator(entry.shipped ? { generator: entry.key } : { root: String(entry.root), dir: entry.dir ?? "" });
	});
	folderButton.addEventListener("click", () => void loadGenerator({ root: folderRoot.value, dir: folderInput.value }));
	copy.addEventListener("click", () => void navigator.clipboard?.writeText(command.value));
	root.querySelector("form")?.addEventListener("submit", (e) => e.preventDefault());

	let entries: GeneratorEntry[] = [];
	void getJson<{ generators: GeneratorEntry[]; modelsRoots: { index: number; given: string }[] }>("/api/info").then(
		(i) => {
			entries = i.generators;
			generatorSelect.replaceChildren(...entries.map((e) => el("option", { value: e.key }, e.label)));
			folderRoot.replaceChildren(...i.modelsRoots.map((r) => el("option", { value: String(r.index) }, r.given)));
			for (const node of [folderRoot, folderInput, folderButton])
				node.toggleAttribute("disabled", i.modelsRoots.length === 0);
			if (i.modelsRoots.length === 0) folderInput.placeholder = "start genrep ui with --models DIR";
			const first = entries[0];
			if (first) void loadGenerator({ generator: first.key });
		},
		(err) => showError((err as Error).message),
	);
}

function row(label: string, ...controls: Node[]): HTMLDivElement {
	return el("div", { class: "row" }, el("label", {}, label), ...controls);
}

/** Horizontal bars: anchor -> view against the sample-to-sample references. */
function drawDistances(box: HTMLElement, d: Distances, numClasses: number): void {
	const bars: [string, number | null, string][] = [
		["anchor → view", d.anchorToView, "view"],
		...(numClasses > 0
			? ([
					["same class, new z", d.sameClass, "same"],
					["different classes", d.differentClass, "different"],
				] as [string, number | null, string][])
			: ([["two samples", d.twoSamples, "different"]] as [string, number | null, string][])),
	];
	const max = Math.max(...bars.map(([, v]) => v ?? 0), 1e-6);
	box.replaceChildren(
		...bars.map(([name, v, kind]) =>
			el(
				"div",
				{ class: "bar-row", "data-kind": kind },
				el("span", { class: "bar-label" }, name),
				bar(kind, ((v ?? 0) / max) * 60),
				el("span", { class: "bar-value" }, v === null ? "-" : v.toFixed(3)),
			),
		),
		el(
			"p",
			{ class: "hint" },
			`mean |difference| per pixel (0..1), ${d.pairs.anchorToView} anchor-view pairs, ${d.pairs.reference} reference pairs; once anchor → view nears the sample distances, the view no longer keeps the object`,
		),
	);
}

function bar(kind: string, widthPercent: number): HTMLSpanElement {
	const node = el("span", { class: `bar ${kind}` });
	node.style.width = `${widthPercent}%`; // CSSOM, allowed by the page's style-src 'self'
	return node;
}
