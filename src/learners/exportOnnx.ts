/**
 * `genrep export`: a trained encoder's backbone as a standard ONNX graph (opset 13), for use
 * outside genrep (onnxruntime, PyTorch via onnx2torch, TensorRT, a browser). Batch norm is
 * folded into the convolutions with its running statistics (eval mode):
 *
 *     W'[o] = W[o] * g[o] / sqrt(v[o] + eps),   b'[o] = beta[o] - m[o] * g[o] / sqrt(v[o] + eps)
 *
 * Graph: images [N, H, W, C] float32 in [-1, 1] (NHWC, as genrep feeds its encoders) ->
 * Transpose to NCHW -> stem (Conv-Relu, + MaxPool for the imagenet stem) -> basic blocks
 * (Conv-Relu-Conv + shortcut, Add, Relu) -> GlobalAveragePool -> Flatten -> features [N, D].
 * The batch axis is dynamic; H, W and C are the card's. Paddings are explicit, computed as
 * TensorFlow's 'same' does (the extra pixel at the bottom/right), so the graph computes what
 * genrep computes. The input shape, layout, value range and normalisation, and the run it came
 * from, are in the model's metadata_props.
 */
import type * as tf from "@tensorflow/tfjs-core";
import onnxProto from "onnx-proto";
import type { ImageShape } from "../data/types.js";
import type { BatchNorm } from "../engine/nn/batchNorm.js";
import type { Conv2d } from "../engine/nn/layers.js";
import { GenrepError } from "../errors.js";
import { writeFileAtomic } from "../formats/atomicWrite.js";
import { type EncoderCard, INPUT_NORMALISATION, loadEncoder, readEncoderCard, requireComplete } from "./encoderFile.js";
import type { ResNet } from "./encoders/resnet.js";

const { onnx } = onnxProto;

export const ONNX_OPSET = 13;
export const ONNX_INPUT = "images";
export const ONNX_OUTPUT = "features";

export interface ExportResult {
	out: string;
	bytes: number;
	inputShape: ImageShape;
	featureDim: number;
	nodes: number;
	metadata: Record<string, string>;
}

/** Exports the encoder of the run in `runDir` to `out` (written atomically: a temporary file, then renamed). */
export async function exportEncoderOnnx(
	runDir: string,
	out: string,
	extra: Record<string, string> = {},
): Promise<ExportResult> {
	requireComplete(runDir, await readEncoderCard(runDir)); // a checkpoint on the way is not the trained encoder
	const { encoder, card } = await loadEncoder(runDir);
	try {
		const bytes = encoderToOnnx(encoder, card, { "genrep.run": runDir, ...extra });
		await writeFileAtomic(out, bytes);
		const model = onnx.ModelProto.decode(bytes);
		return {
			out,
			bytes: bytes.length,
			inputShape: [...card.imageShape] as ImageShape,
			featureDim: encoder.featureDim,
			nodes: model.graph?.node?.length ?? 0,
			metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""])),
		} satisfies ExportResult;
	} finally {
		encoder.dispose();
	}
}

/** The metadata every export carries (besides `extra`). */
export function exportMetadata(card: EncoderCard, featureDim: number): Record<string, string> {
	const [h, w, c] = card.imageShape;
	return {
		"genrep.format": "genrep-encoder-onnx/1",
		"genrep.encoder": card.encoder,
		"genrep.stem": card.stem,
		"genrep.method": card.method,
		"genrep.steps": String(card.steps),
		"genrep.seed": String(card.seed),
		input_name: ONNX_INPUT,
		input_shape: JSON.stringify(["N", h, w, c]),
		input_layout: "NHWC",
		value_range: "[-1, 1]",
		normalisation: INPUT_NORMALISATION,
		output_name: ONNX_OUTPUT,
		output_shape: JSON.stringify(["N", featureDim]),
		batch_norm: "folded into the convolutions (running statistics, eval mode)",
	};
}

/** Serialises an encoder (eval mode) as an ONNX ModelProto. */
export function encoderToOnnx(encoder: ResNet, card: EncoderCard, extra: Record<string, string> = {}): Uint8Array {
	const [h, w, c] = card.imageShape;
	if (c !== encoder.config.inChannels) {
		throw new GenrepError(`encoder card says ${c} input channels, the encoder has ${encoder.config.inChannels}`);
	}
	const g = new GraphBuilder();
	let x = g.node("Transpose", [ONNX_INPUT], { perm: [0, 3, 1, 2] }); // [N, C, H, W]
	let size: [number, number] = [h, w];
	({ out: x, size } = g.convBn(encoder.stem, encoder.stemBn, x, size));
	x = g.node("Relu", [x]);
	if (encoder.stemName === "imagenet") {
		const pads = samePads(size, 3, 2);
		x = g.node("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: pads.pads });
		size = pads.outSize;
	}
	for (const stage of encoder.stages) {
		for (const block of stage) {
			const a = g.convBn(block.conv1, block.bn1, x, size);
			const hidden = g.node("Relu", [a.out]);
			const b = g.convBn(block.conv2, block.bn2, hidden, a.size);
			const skip = block.shortcut ? g.convBn(block.shortcut.conv, block.shortcut.bn, x, size).out : x;
			x = g.node("Relu", [g.node("Add", [b.out, skip])]);
			size = b.size;
		}
	}
	const pooled = g.node("GlobalAveragePool", [x]); // [N, D, 1, 1]
	g.node("Flatten", [pooled], { axis: 1 }, ONNX_OUTPUT); // [N, D]

	const floatType = (dims: (number | string)[]) => ({
		tensorType: {
			elemType: onnx.TensorProto.DataType.FLOAT,
			shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
		},
	});
	const metadata = { ...exportMetadata(card, encoder.featureDim), ...extra };
	const model = onnx.ModelProto.create({
		irVersion: 7,
		opsetImport: [{ domain: "", version: ONNX_OPSET }],
		producerName: "genrep",
		producerVersion: "genrep-encoder-onnx/1",
		docString: `genrep ${card.encoder} encoder (${card.method}, ${card.steps} steps): images [N, ${h}, ${w}, ${c}] NHWC in [-1, 1] -> features [N, ${encoder.featureDim}]`,
		graph: {
			name: `genrep-${card.encoder}`,
			node: g.nodes,
			initializer: g.initializers,
			input: [{ name: ONNX_INPUT, type: floatType(["batch", h, w, c]) }],
			output: [{ name: ONNX_OUTPUT, type: floatType(["batch", encoder.featureDim]) }],
		},
		metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
	});
	return onnx.ModelProto.encode(model).finish();
}

/** TensorFlow's 'same' padding for one spatial size: [top, left, bottom, right] and the output size. */
export function samePads([h, w]: [number, number], kernel: number, stride: number) {
	const one = (n: number) => {
		const out = Math.ceil(n / stride);
		const total = Math.max((out - 1) * stride + kernel - n, 0);
		return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
	};
	const [y, x] = [one(h), one(w)];
	return { pads: [y.begin, x.begin, y.end, x.end], outSize: [y.out, x.out] as [number, number] };
}

/** Nodes and initializers of a graph under construction, with fresh value names. */
class GraphBuilder {
	readonly nodes: onnxProto.onnx.INodeProto[] = [];
	readonly initializers: onnxProto.onnx.ITensorProto[] = [];
	private count = 0;

	node(op: string, inputs: string[], attributes: Record<string, number | number[]> = {}, output?: string): string {
		const name = output ?? `${op.toLowerCase()}_${this.count++}`;
		this.nodes.push({
			opType: op,
			name: `${op}_${this.nodes.length}`,
			input: inputs,
			output: [name],
			attribute: Object.entries(attributes).map(([key, v]) =>
				Array.isArray(v)
					? { name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
					: { name: key, type: onnx.AttributeProto.AttributeType.INT, i: v },
			),
		});
		return name;
	}

	initializer(name: string, dims: number[], values: Float32Array): string {
		const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
		this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
		return name;
	}

	/** conv (tfjs [K, K, in, out], 'same') followed by eval-mode batch norm, folded into one Conv. */
	convBn(conv: Conv2d, bn: BatchNorm, input: string, size: [number, number]) {
		if (conv.padding !== "same") throw new GenrepError(`ONNX export: conv padding ${conv.padding} is not supported`);
		const { kernel: k, inChannels: cin, outChannels: cout, stride } = conv;
		const weight = conv.weight.dataSync() as Float32Array; // [K, K, in, out]
		const bias = conv.bias ? (conv.bias.dataSync() as Float32Array) : new Float32Array(cout);
		const gamma = bn.gamma ? (bn.gamma.dataSync() as Float32Array) : new Float32Array(cout).fill(1);
		const beta = bn.beta ? (bn.beta.dataSync() as Float32Array) : new Float32Array(cout);
		const mean = bn.runningMean.dataSync() as Float32Array;
		const variance = bn.runningVar.dataSync() as Float32Array;
		const folded = new Float32Array(cout * cin * k * k); // [out, in, K, K]
		const foldedBias = new Float32Array(cout);
		for (let o = 0; o < cout; o++) {
			const scale = gamma[o] / Math.sqrt(variance[o] + bn.epsilon);
			foldedBias[o] = beta[o] + (bias[o] - mean[o]) * scale;
			for (let i = 0; i < cin; i++) {
				for (let ky = 0; ky < k; ky++) {
					for (let kx = 0; kx < k; kx++) {
						folded[((o * cin + i) * k + ky) * k + kx] = weight[((ky * k + kx) * cin + i) * cout + o] * scale;
					}
				}
			}
		}
		const base = variableName(conv.weight);
		const w = this.initializer(`${base}.folded`, [cout, cin, k, k], folded);
		const b = this.initializer(`${base}.folded_bias`, [cout], foldedBias);
		const { pads, outSize } = samePads(size, k, stride);
		const out = this.node("Conv", [input, w, b], { kernel_shape: [k, k], strides: [stride, stride], pads });
		return { out, size: outSize };
	}
}

/** A parameter's name without tfjs' uniquifying suffix. */
function variableName(v: tf.Variable): string {
	return v.name.replace(/\.weight(_\d+)?$/, "");
}
