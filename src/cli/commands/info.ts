import type { Command } from "commander";
import { action } from "../action.js";

export function registerInfoCommand(program: Command): void {
	program
		.command("info")
		.description("print the engine backend, its kernels and the machine")
		.option("--backend <name>", "engine backend: wasm or cpu")
		.action(
			action(async (opts: { backend?: string }) => {
				const { initEngine } = await import("../../engine/backend.js");
				const info = await initEngine({ backend: opts.backend });
				process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
			}),
		);
}
