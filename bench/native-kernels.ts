/**
 * GFLOP/s of the convolution kernels (forward, backward-data, backward-weights) and a matmul
 * on the wasm backend: tfjs's own kernels, genrep's composed wasm kernels (src/engine/kernels),
 * and the oneDNN native kernels in both activation layouts (NHWC, blocked with reorders).
 *
 *   npm run bench:kernels                 # all shapes
 *   GENREP_BENCH_SECONDS=0.5 npm run bench:kernels
 *   DNNL_MAX_CPU_ISA=AVX2 npm run bench:kernels   # what an AVX2-only machine gets
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { ConvLayout, loadNativeAddon, registerNativeKernels } from "../src/engine/native/index.js";

const SECONDS = Number(process.env.GENREP_BENCH_SECONDS ?? 1);

interface ConvCase {
	name: string;
	x: [number, number, number, number]; // [N, H, W, CI]
	filter: [number, number, number, number]; // [KH, KW, CI, CO]
	stride: number;
	/** Which kernels to time. */
	kernels: string[];
}

const ALL_CONV = ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"];

const CONV_CASES: ConvCase[] = [
	{ name: "b256 32x32x16->16 3x3 s1", x: [256, 32, 32, 16], filter: [3, 3, 16, 16], stride: 1, kernels: ALL_CONV },
	{ name: "b256 16x16x32->32 3x3 s1", x: [256, 16, 16, 32], filter: [3, 3, 32, 32], stride: 1, kernels: ALL_CONV },
	{ name: "b256 32x32x16->32 3x3 s2", x: [256, 32, 32, 16], filter: [3, 3, 16, 32], stride: 2, kernels: ALL_CONV },
	// A DCGAN generator's 4x4 stride-2 transposed conv 8x8x128 -> 16x16x64 is the
	// backward-data pass of a conv 16x16x64 -> 8x8x128.
	{
		name: "DCGAN b256 convT 8x8x128->16x16x64 4x4 s2",
		x: [256, 16, 16, 64],
		filter: [4, 4, 64, 128],
		stride: 2,
		kernels: ["Conv2DBackpropInput"],
	},
];

const MATMUL_CASES: Array<{ name: string; a: number[]; b: number[] }> = [
	{ name: "matmul 256x512 @ 512x512", a: [256, 512], b: [512, 512] },
	{ name: "matmul 8x(256x64 @ 64x256)", a: [8, 256, 64], b: [8, 64, 256] },
];

/**
 * Fastest seconds per call of `fn`, after one warm-up call, over about SECONDS. The fastest
 * call, not the median: on a shared 2-core machine any other busy process stalls one of
 * oneDNN's two threads, and the median then measures the neighbour.
 */
function timeIt(fn: () => void): number {
	fn();
	const times: number[] = [];
	const start = performance.now();
	while (times.length < 3 || (performance.now() - start < SECONDS * 1000 && times.length < 50)) {
		const t0 = performance.now();
		fn();
		times.push((performance.now() - t0) / 1000);
	}
	return Math.min(...times);
}

/** Runs one kernel and disposes its output. */
function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): void {
	const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
	tf.dispose(out as tf.Tensor);
}

/** One row per (case, kernel): its FLOPs and a closure that runs it once. */
function makeRows(): Array<{ label: string; flops: number; run: () => void; dispose: () => void }> {
	const rows = [];
	for (const c of CONV_CASES) {
		const [n, h, w, ci] = c.x;
		const [kh, kw, , co] = c.filter;
		const oh = Math.ceil(h / c.stride);
		const ow = Math.ceil(w / c.stride);
		const x = tf.randomNormal(c.x);
		const filter = tf.randomNormal(c.filter);
		const dy = tf.randomNormal([n, oh, ow, co]);
		const flops = 2 * n * oh * ow * co * kh * kw * ci;
		const common = { strides: c.stride, pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined };
		const runs: Record<string, () => void> = {
			Conv2D: () => runKernel("Conv2D", { x, filter }, { ...common, dilations: 1 }),
			Conv2DBackpropInput: () => runKernel("Conv2DBackpropInput", { dy, filter }, { ...common, inputShape: c.x }),
			Conv2DBackpropFilter: () => runKernel("Conv2DBackpropFilter", { x, dy }, { ...common, filterShape: c.filter }),
		};
		c.kernels.forEach((k, i) => {
			rows.push({
				label: `${c.name} ${k.replace("Conv2D", "").replace("Backprop", "bwd-") || "fwd"}`,
				flops,
				run: runs[k],
				dispose: () => (i === c.kernels.length - 1 ? tf.dispose([x, filter, dy]) : undefined),
			});
		});
	}
	for (const m of MATMUL_CASES) {
		const a = tf.randomNormal(m.a);
		const b = tf.randomNormal(m.b);
		const batch = m.a.length === 3 ? m.a[0] : 1;
		const [rows_, inner] = m.a.slice(-2);
		const cols = m.b[m.b.length - 1];
		rows.push({
			label: m.name,
			flops: 2 * batch * rows_ * inner * cols,
			run: () => runKernel("BatchMatMul", { a, b }, { transposeA: false, transposeB: false }),
			dispose: () => tf.dispose([a, b]),
		});
	}
	return rows;
}

/** GFLOP/s of `run`, or NaN when the backend has no such kernel. */
function gflops(flops: number, run: () => void): number {
	try {
		return flops / timeIt(run) / 1e9;
	} catch {
		return Number.NaN;
	}
}

async function main(): Promise<void> {
	await tf.setBackend("wasm");
	await tf.ready();
	const loaded = loadNativeAddon();
	console.log(
		`tfjs ${tf.version_core}, wasm backend; native: ${loaded.addon ? JSON.stringify(loaded.addon.info()) : loaded.reason}`,
	);

	const rows = makeRows();
	const columns: string[] = [];
	const results: number[][] = rows.map(() => []);
	const measure = (column: string) => {
		columns.push(column);
		rows.forEach((row, i) => {
			results[i].push(gflops(row.flops, row.run));
		});
	};

	measure("tfjs wasm");
	try {
		// genrep's composed wasm kernels, when that module is present.
		const kernelsModule = "../src/engine/kernels/index.js";
		const { registerWasmKernels } = (await import(kernelsModule)) as { registerWasmKernels: () => string[] };
		registerWasmKernels();
		measure("genrep wasm");
	} catch (err) {
		console.log(`(genrep's composed wasm kernels not measured: ${(err as Error).message})`);
	}
	if (loaded.addon) {
		registerNativeKernels();
		loaded.addon.setConvLayout(ConvLayout.nhwc);
		measure("native nhwc");
		loaded.addon.setConvLayout(ConvLayout.blocked);
		measure("native blocked");
	}
	for (const row of rows) row.dispose();

	const width = Math.max(...rows.map((r) => r.label.length));
	const fmt = (v: number) => (Number.isNaN(v) ? "n/a" : v.toFixed(1)).padStart(14);
	console.log(`\nGFLOP/s (fastest call over ~${SECONDS}s each; higher is better)`);
	console.log(`${"kernel".padEnd(width)} ${columns.map((c) => c.padStart(14)).join(" ")}`);
	rows.forEach((row, i) => {
		console.log(`${row.label.padEnd(width)} ${results[i].map(fmt).join(" ")}`);
	});
}

await main();
