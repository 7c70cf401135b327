import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export interface LinearGenerator {
	dir: string;
	/** [d, H * W * C], row-major: G(z) = z A + b. */
	a: Float64Array;
	b: Float64Array;
	latentDim: number;
	imageShape: [number, number, number];
}

/**
 * Writes a linear ONNX generator G(z) = reshape(z A + b, [N, H, W, C]) (MatMul, Add, Reshape;
 * dynamic batch axis, NHWC output in [-1, 1]) with its model.json: a black box whose best
 * walks are least-squares solutions a test can compute.
 */
export async function writeLinearOnnxGenerator(
	dir: string,
	a: Float64Array,
	b: Float64Array,
	latentDim: number,
	imageShape: [number, number, number],
): Promise<LinearGenerator> {
	const [h, w, c] = imageShape;
	const p = h * w * c;
	if (a.length !== latentDim * p || b.length !== p) throw new RangeError("A must be [d, H*W*C] and b [H*W*C]");
	const raw = (values: Float32Array | BigInt64Array) => new Uint8Array(values.buffer.slice(0));
	const model = onnx.ModelProto.create({
		irVersion: 7,
		opsetImport: [{ domain: "", version: 13 }],
		producerName: "genrep-test",
		graph: {
			name: "linear",
			node: [
				{ opType: "MatMul", input: ["z", "A"], output: ["za"], name: "matmul" },
				{ opType: "Add", input: ["za", "b"], output: ["flat"], name: "add" },
				{ opType: "Reshape", input: ["flat", "shape"], output: ["image"], name: "reshape" },
			],
			initializer: [
				{
					name: "A",
					dims: [latentDim, p],
					dataType: onnx.TensorProto.DataType.FLOAT,
					rawData: raw(Float32Array.from(a)),
				},
				{ name: "b", dims: [p], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw(Float32Array.from(b)) },
				{
					name: "shape",
					dims: [4],
					dataType: onnx.TensorProto.DataType.INT64,
					rawData: raw(BigInt64Array.from([-1n, BigInt(h), BigInt(w), BigInt(c)])),
				},
			],
			input: [{ name: "z", type: floatType(["batch", latentDim]) }],
			output: [{ name: "image", type: floatType(["batch", h, w, c]) }],
		},
	});
	await mkdir(dir, { recursive: true });
	await writeFile(join(dir, "model.onnx"), onnx.ModelProto.encode(model).finish());
	const card = {
		format: "genrep-generator/1",
		kind: "onnx",
		weights: "model.onnx",
		latentDim,
		numClasses: 0,
		imageShape,
		valueRange: [-1, 1],
		defaultTruncation: 2,
		onnx: { zInput: "z", output: "image", layout: "NHWC" },
	};
	await writeFile(join(dir, "model.json"), JSON.stringify(card));
	return { dir, a, b, latentDim, imageShape };
}

function floatType(dims: (number | string)[]) {
	return {
		tensorType: {
			elemType: onnx.TensorProto.DataType.FLOAT,
			shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
		},
	};
}

/** Solves M x = r for a small dense square M [n, n] (Gaussian elimination with partial pivoting). */
export function solve(m: Float64Array, r: Float64Array): Float64Array {
	const n = r.length;
	const a = Float64Array.from(m);
	const x = Float64Array.from(r);
	for (let col = 0; col < n; col++) {
		let pivot = col;
		for (let row = col + 1; row < n; row++) if (Math.abs(a[row * n + col]) > Math.abs(a[pivot * n + col])) pivot = row;
		for (let k = 0; k < n; k++) [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[col * n + k]];
		[x[col], x[pivot]] = [x[pivot], x[col]];
		for (let row = col + 1; row < n; row++) {
			const f = a[row * n + col] / a[col * n + col];
			for (let k = col; k < n; k++) a[row * n + k] -= f * a[col * n + k];
			x[row] -= f * x[col];
		}
	}
	for (let row = n - 1; row >= 0; row--) {
		let sum = x[row];
		for (let k = row + 1; k < n; k++) sum -= a[row * n + k] * x[k];
		x[row] = sum / a[row * n + row];
	}
	return x;
}
