import type { Command } from "commander";
import { action } from "../action.js";
import { nonNegativeInteger } from "../parse.js";

/** `genrep ui`: thin over startUi (src/ui/server.ts), which loads only when the command runs. */
export function registerUiCommand(program: Command): void {
	program
		.command("ui")
		.description(
			"serve the local web app: the latent explorer (anchors beside their views as controls move) and the runs page (live curves, evals, experiment reports)",
		)
		.option("--port <n>", "port to listen on (default 7860; 0 picks a free one)", nonNegativeInteger)
		.option("--host <address>", "address to bind to (default 127.0.0.1: this machine only)")
		.option("--runs <dir...>", "folders whose training runs, evals and experiments the runs page lists")
		.option(
			"--models <dir...>",
			"folders whose generator folders (model.json + weights, tfjs or ONNX) the explorer may load",
		)
		.action(
			action(async (flags: UiFlags) => {
				const { startUi } = await import("../../ui/server.js");
				const server = await startUi({ port: flags.port, host: flags.host, runs: flags.runs, models: flags.models });
				process.stderr.write(`genrep ui: serving ${server.url} (Ctrl-C to stop)\n`);
				const stop = () => {
					server.close().then(() => process.exit(0));
				};
				process.once("SIGINT", stop);
				process.once("SIGTERM", stop);
			}),
		);
}

interface UiFlags {
	port?: number;
	host?: string;
	runs?: string[];
	models?: string[];
}
