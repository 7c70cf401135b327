/**
 * Generators a user brings as ONNX (kind "onnx"), run with onnxruntime-node: a black box, so
 * not differentiable. Inputs: z float32 [N, latentDim] and, when conditional, a class input
 * that is an index (int64/int32 [N]) or a one-hot float32 [N, numClasses]. Output: an image
 * batch in NCHW or NHWC with values in the card's valueRange (e.g. [-1, 1] or [0, 1]).
 * What the card's `onnx` fields leave out is read from the graph (input/output names, types,
 * shapes); the output is converted to genrep's contract, NHWC float32 in [-1, 1].
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { fileError, GenrepError } from "../errors.js";
import { CardGenerator } from "./cardGenerator.js";
import { checkInputs, checkNoNaN } from "./inputChecks.js";
import { DEFAULT_WEIGHTS, type ValidatedCard } from "./modelCard.js";

type Ort = typeof import("onnxruntime-node");
type Layout = "NCHW" | "NHWC";

/** How genrep feeds the graph and reads its output, resolved from the card and the graph. */
export interface OnnxBinding {
	zInput: string;
	/** null for an unconditional model. */
	classInput: string | null;
	classEncoding: "index" | "onehot" | null;
	/** Element type the class input is fed as. */
	classType: "int64" | "int32" | "float32" | null;
	output: string;
	/** null: decided from the first output's shape (a 4D output whose dim 1 is the channel count is NCHW). */
	layout: Layout | null;
	/** The graph's fixed batch size, or null when its batch axis is dynamic. */
	fixedBatch: number | null;
}

interface InputInfo {
	name: string;
	type: string;
	/** Empty when the graph does not say. */
	shape: (number | string)[];
}

export interface OnnxGeneratorOptions {
	/** Threads of onnxruntime's operators; default: its own choice (the physical cores). */
	threads?: number;
}

let ortModule: Promise<Ort> | null = null;
/** onnxruntime-node loads on first use (it is large, and only ONNX generators need it). */
const loadOrt = (): Promise<Ort> => {
	ortModule ??= import("onnxruntime-node");
	return ortModule;
};

export class OnnxGenerator extends CardGenerator {
	readonly differentiable = false;

	private constructor(
		id: string,
		card: ValidatedCard,
		readonly modelFile: string,
		readonly binding: OnnxBinding,
		private readonly session: InferenceSession,
		private readonly ort: Ort,
		dir: string,
	) {
		super(id, card, dir);
	}

	/** Opens the card's ONNX file and matches its inputs and output to the card. */
	static async load(
		id: string,
		dir: string,
		card: ValidatedCard,
		options: OnnxGeneratorOptions = {},
	): Promise<OnnxGenerator> {
		const modelFile = join(dir, card.weights ?? DEFAULT_WEIGHTS.onnx);
		try {
			const s = await stat(modelFile);
			if (!s.isFile()) throw fileError(modelFile, "not a file");
		} catch (err) {
			if (err instanceof GenrepError) throw err;
			const code = (err as NodeJS.ErrnoException).code;
			const named = `${join(dir, "model.json")} names it`;
			throw fileError(modelFile, code === "ENOENT" ? `no such file (${named})` : `cannot read (${code}; ${named})`);
		}
		const ort = await loadOrt();
		let session: InferenceSession;
		try {
			session = await ort.InferenceSession.create(modelFile, {
				graphOptimizationLevel: "all",
				...(options.threads ? { intraOpNumThreads: options.threads } : {}),
			});
		} catch (err) {
			const message = (err as Error).message.replace(/\s+/g, " ").trim();
			throw fileError(modelFile, `not a loadable ONNX model (${message})`);
		}
		try {
			const binding = bindGraph(session, card, modelFile);
			return new OnnxGenerator(id, card, modelFile, binding, session, ort, dir);
		} catch (err) {
			await session.release();
			throw err;
		}
	}

	async generate(z: tf.Tensor2D, y?: tf.Tensor1D): Promise<tf.Tensor4D> {
		const spec = { latentDim: this.latentDim, numClasses: this.numClasses, cardFile: this.cardFile };
		const labels = await checkInputs(spec, z, y);
		const n = z.shape[0];
		const zValues = (await z.data()) as Float32Array;
		const [height, width, channels] = this.imageShape;
		const imageSize = height * width * channels;
		const out = new Float32Array(n * imageSize); // [N, H, W, C]
		const chunk = this.binding.fixedBatch ?? n;
		for (let start = 0; start < n; start += chunk) {
			const count = Math.min(chunk, n - start);
			const raw = await this.run(zValues, labels, start, count);
			this.convert(raw.data, raw.dims, count, out.subarray(start * imageSize, (start + count) * imageSize));
		}
		return tf.tensor4d(out, [n, height, width, channels]);
	}

	/** Runs rows [start, start + count) (zero-padded to the graph's batch size when it is fixed). */
	private async run(
		zValues: Float32Array,
		labels: Int32Array | null,
		start: number,
		count: number,
	): Promise<{ data: Float32Array | Float64Array; dims: number[] }> {
		const { ort, binding } = this;
		const rows = binding.fixedBatch ?? count;
		const d = this.latentDim;
		const zChunk = new Float32Array(rows * d);
		zChunk.set(zValues.subarray(start * d, (start + count) * d));
		const feeds: Record<string, OrtTensor> = { [binding.zInput]: new ort.Tensor("float32", zChunk, [rows, d]) };
		if (labels && binding.classInput) {
			const ids = labels.subarray(start, start + count);
			if (binding.classEncoding === "onehot") {
				const k = this.numClasses;
				const onehot = new Float32Array(rows * k);
				for (let i = 0; i < count; i++) onehot[i * k + ids[i]] = 1;
				feeds[binding.classInput] = new ort.Tensor("float32", onehot, [rows, k]);
			} else if (binding.classType === "int64") {
				const values = new BigInt64Array(rows);
				for (let i = 0; i < count; i++) values[i] = BigInt(ids[i]);
				feeds[binding.classInput] = new ort.Tensor("int64", values, [rows]);
			} else if (binding.classType === "int32") {
				const values = new Int32Array(rows);
				values.set(ids);
				feeds[binding.classInput] = new ort.Tensor("int32", values, [rows]);
			} else {
				feeds[binding.classInput] = new ort.Tensor(
					"float32",
					Float32Array.from({ length: rows }, (_, i) => ids[i] ?? 0),
					[rows],
				);
			}
		}
		let results: InferenceSession.ReturnType;
		try {
			results = await this.session.run(feeds);
		} catch (err) {
			throw fileError(this.modelFile, `inference failed (${(err as Error).message.replace(/\s+/g, " ").trim()})`);
		} finally {
			for (const t of Object.values(feeds)) t.dispose();
		}
		const output = results[binding.output] as OrtTensor;
		for (const [name, t] of Object.entries(results)) if (name !== binding.output) t.dispose();
		if (output.type !== "float32" && output.type !== "float64") {
			output.dispose();
			throw fileError(this.modelFile, `output '${binding.output}' has type ${output.type}, expected float32`);
		}
		if (output.dims[0] !== rows) {
			output.dispose();
			throw fileError(this.modelFile, `output '${binding.output}' has ${output.dims[0]} images for ${rows} latents`);
		}
		const data = (output.data as Float32Array | Float64Array).slice();
		const dims = [...output.dims];
		output.dispose();
		return { data, dims };
	}

	/** Copies `count` images of the raw output into `out` as NHWC in [-1, 1]. */
	private convert(raw: Float32Array | Float64Array, dims: number[], count: number, out: Float32Array): void {
		const [height, width, channels] = this.imageShape;
		const layout = this.binding.layout ?? layoutOf(dims, this.imageShape);
		const expected = layout === "NCHW" ? [channels, height, width] : [height, width, channels];
		if (dims.length !== 4 || dims.slice(1).join(",") !== expected.join(",") || !layout) {
			const want = layout === "NHWC" ? "[N, H, W, C]" : "[N, C, H, W] or [N, H, W, C]";
			throw fileError(
				this.modelFile,
				`output '${this.binding.output}' has shape [${dims.join(", ")}], expected ${want} for the card's imageShape [${this.imageShape.join(", ")}]`,
			);
		}
		const imageSize = height * width * channels;
		checkNoNaN(raw.subarray(0, count * imageSize), imageSize, this.modelFile);
		const [low, high] = this.card.valueRange;
		const scale = 2 / (high - low);
		if (layout === "NHWC") {
			for (let i = 0; i < count * imageSize; i++) out[i] = (raw[i] - low) * scale - 1;
			return;
		}
		const plane = height * width;
		for (let n = 0; n < count; n++) {
			const base = n * imageSize;
			for (let c = 0; c < channels; c++) {
				const src = base + c * plane;
				for (let p = 0; p < plane; p++) out[base + p * channels + c] = (raw[src + p] - low) * scale - 1;
			}
		}
	}

	dispose(): void {
		void this.session.release();
	}
}

/** NCHW when dims are [N, C, H, W] for the card's [H, W, C], else NHWC when they match that, else null. */
function layoutOf(dims: readonly number[], [height, width, channels]: [number, number, number]): Layout | null {
	if (dims.length !== 4) return null;
	if (dims[1] === channels && dims[2] === height && dims[3] === width) return "NCHW";
	if (dims[1] === height && dims[2] === width && dims[3] === channels) return "NHWC";
	return null;
}

function inputInfos(session: InferenceSession): InputInfo[] {
	const metadata = (session as { inputMetadata?: readonly InferenceSession.ValueMetadata[] }).inputMetadata ?? [];
	return session.inputNames.map((name) => {
		const m = metadata.find((v) => v.name === name);
		return m?.isTensor ? { name, type: m.type, shape: [...m.shape] } : { name, type: "unknown", shape: [] };
	});
}

const describeInput = (i: InputInfo) =>
	`${i.name} ${i.type}${i.shape.length > 0 ? ` [${i.shape.join(", ")}]` : ""}`.replace(/ unknown$/, "");
const isIntType = (type: string) => type === "int64" || type === "int32";

/** Matches the graph's inputs and output to the card; errors say what was expected and what was found. */
export function bindGraph(session: InferenceSession, card: ValidatedCard, modelFile: string): OnnxBinding {
	const inputs = inputInfos(session);
	const declared = card.onnx ?? {};
	const d = card.latentDim;
	const k = card.numClasses;
	const conditional = k > 0;
	const expected = conditional
		? `z float32 [N, ${d}] and a class input (int64 [N] index or float32 [N, ${k}] one-hot)`
		: `z float32 [N, ${d}] only (the card says numClasses 0)`;
	const fail = (why?: string) =>
		fileError(
			modelFile,
			`expected inputs ${expected}${why ? ` (${why})` : ""}, found ${inputs.map(describeInput).join(", ") || "none"}`,
		);
	if (inputs.length !== (conditional ? 2 : 1)) throw fail();
	const byName = (name: string, field: string) => {
		const found = inputs.find((i) => i.name === name);
		if (!found) throw fail(`the card's onnx.${field} is "${name}"`);
		return found;
	};

	let z: InputInfo;
	let cls: InputInfo | null = null;
	if (!conditional) {
		z = declared.zInput ? byName(declared.zInput, "zInput") : inputs[0];
	} else if (declared.zInput || declared.classInput) {
		z = declared.zInput
			? byName(declared.zInput, "zInput")
			: (inputs.find((i) => i.name !== declared.classInput) as InputInfo);
		cls = declared.classInput ? byName(declared.classInput, "classInput") : (inputs.find((i) => i !== z) as InputInfo);
		if (z === cls) throw fail("onnx.zInput and onnx.classInput name the same input");
	} else {
		const guess = guessRoles(inputs, d, k);
		if (!guess)
			throw fail("cannot tell z from the class input; name them in the card's onnx.zInput and onnx.classInput");
		[z, cls] = guess;
	}

	// z: float32 [N, latentDim]
	if (z.type !== "float32" && z.type !== "unknown") {
		throw fileError(modelFile, `input '${z.name}' (z) has type ${z.type}, expected float32`);
	}
	if (z.shape.length > 0 && (z.shape.length !== 2 || (typeof z.shape[1] === "number" && z.shape[1] !== d))) {
		throw fileError(
			modelFile,
			`input '${z.name}' (z) has shape [${z.shape.join(", ")}], but the card says latentDim ${d} (expected [N, ${d}])`,
		);
	}
	const fixedBatch = typeof z.shape[0] === "number" && z.shape[0] > 0 ? z.shape[0] : null;

	let classEncoding: OnnxBinding["classEncoding"] = null;
	let classType: OnnxBinding["classType"] = null;
	if (cls) {
		classEncoding =
			declared.classEncoding ??
			(isIntType(cls.type) || cls.shape.length === 1 ? "index" : cls.shape.length === 2 ? "onehot" : null);
		if (!classEncoding) {
			throw fail(`cannot tell whether '${cls.name}' is an index or one-hot; set the card's onnx.classEncoding`);
		}
		if (classEncoding === "onehot") {
			if (cls.type !== "float32" && cls.type !== "unknown") {
				throw fileError(modelFile, `input '${cls.name}' (one-hot class) has type ${cls.type}, expected float32`);
			}
			if (
				cls.shape.length > 0 &&
				(cls.shape.length !== 2 || (typeof cls.shape[1] === "number" && cls.shape[1] !== k))
			) {
				throw fileError(
					modelFile,
					`input '${cls.name}' (one-hot class) has shape [${cls.shape.join(", ")}], but the card says numClasses ${k} (expected [N, ${k}])`,
				);
			}
			classType = "float32";
		} else {
			if (cls.shape.length > 1) {
				throw fileError(
					modelFile,
					`input '${cls.name}' (class index) has shape [${cls.shape.join(", ")}], expected [N]`,
				);
			}
			classType = isIntType(cls.type) ? (cls.type as "int64" | "int32") : cls.type === "float32" ? "float32" : "int64";
		}
	}

	const output = bindOutput(session, declared.output, modelFile);
	const layout = declared.layout ?? outputLayout(session, output, card.imageShape);
	return { zInput: z.name, classInput: cls?.name ?? null, classEncoding, classType, output, layout, fixedBatch };
}

/** For two inputs and no names in the card: the integer one, or a name like z/latent/noise, or the last dim. */
function guessRoles(inputs: InputInfo[], d: number, k: number): [InputInfo, InputInfo] | null {
	const [a, b] = inputs;
	const pick = (isZ: (i: InputInfo) => boolean): [InputInfo, InputInfo] | null =>
		isZ(a) !== isZ(b) ? (isZ(a) ? [a, b] : [b, a]) : null;
	const lastDim = (i: InputInfo) => (i.shape.length === 2 ? i.shape[1] : null);
	return (
		pick((i) => !isIntType(i.type) && i.type !== "unknown" && i.shape.length !== 1) ??
		pick((i) => /^(z|latents?|noise|z_?in(put)?)$/i.test(i.name)) ??
		(d !== k ? pick((i) => lastDim(i) === d) : null)
	);
}

function bindOutput(session: InferenceSession, declared: string | undefined, modelFile: string): string {
	const names = session.outputNames;
	if (declared) {
		if (!names.includes(declared)) {
			throw fileError(modelFile, `expected output '${declared}' (the card's onnx.output), found ${names.join(", ")}`);
		}
		return declared;
	}
	if (names.length === 1) return names[0];
	const metadata = (session as { outputMetadata?: readonly InferenceSession.ValueMetadata[] }).outputMetadata ?? [];
	const images = metadata.filter((m) => m.isTensor && m.shape.length === 4).map((m) => m.name);
	if (images.length === 1) return images[0];
	throw fileError(modelFile, `expected one image output, found ${names.join(", ")}; name it in the card's onnx.output`);
}

/** The output's layout when its static shape tells (dim 1 = channels: NCHW; dim 3: NHWC), else null. */
function outputLayout(session: InferenceSession, output: string, imageShape: [number, number, number]): Layout | null {
	const metadata = (session as { outputMetadata?: readonly InferenceSession.ValueMetadata[] }).outputMetadata ?? [];
	const m = metadata.find((v) => v.name === output);
	if (!m?.isTensor || m.shape.length !== 4) return null;
	const [h, w, c] = imageShape;
	if (m.shape[1] === c && m.shape[3] !== c) return "NCHW";
	if (m.shape[3] === c && m.shape[1] !== c) return "NHWC";
	if (m.shape[1] === c && m.shape[2] === h && m.shape[3] === w) return "NCHW";
	return null;
}
