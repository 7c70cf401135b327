import type { Command } from "commander";
import { GenrepError } from "../../errors.js";
import { action } from "../action.js";

/**
 * `genrep export`: thin over exportEncoderOnnx (src/learners/exportOnnx.ts): a trained
 * encoder's backbone as a standard ONNX graph, batch norm folded, its input contract in the
 * graph's metadata.
 */
export function registerExportCommand(program: Command): void {
	program
		.command("export")
		.description(
			"write a trained encoder (a genrep train run) as an ONNX graph: images [N, H, W, C] NHWC in [-1, 1] -> " +
				"features [N, D], batch norm folded into the convolutions; input shape, value range and normalisation " +
				"in its metadata_props",
		)
		.option("--encoder <run>", "a training run directory (encoder.json + encoder.safetensors)")
		.option("--out <file>", "the ONNX file to write (e.g. encoder.onnx)")
		.action(
			action(async (flags: { encoder?: string; out?: string }) => {
				for (const key of ["encoder", "out"] as const) {
					if (flags[key] === undefined) throw new GenrepError(`--${key} is required`);
				}
				if (!/\.onnx$/i.test(flags.out as string)) {
					throw new GenrepError(`--out ${flags.out} should end in .onnx (it is an ONNX model file)`);
				}
				const { initEngine } = await import("../../engine/backend.js");
				await initEngine();
				const { exportEncoderOnnx } = await import("../../learners/exportOnnx.js");
				const r = await exportEncoderOnnx(flags.encoder as string, flags.out as string);
				process.stdout.write(
					`wrote ${r.out} (${r.bytes} bytes, ${r.nodes} nodes): images [N, ${r.inputShape.join(", ")}] NHWC in [-1, 1] ` +
						`-> features [N, ${r.featureDim}]\n`,
				);
			}),
		);
}
