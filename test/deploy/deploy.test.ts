/**
 * The recipes in deploy/ parse (YAML, bash) and run the right genrep commands: every flag they
 * pass is one `genrep views generate` / `views verify` knows, the piece count agrees with the
 * engine's (Kubernetes completions and JOB_COMPLETIONS, Slurm --array), and verify checks the
 * folder the pieces write.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { registerViewsCommands } from "../../src/cli/commands/views.js";
import { parseShardPiece } from "../../src/store/shardPiece.js";

const program = new Command("genrep");
registerViewsCommands(program);
const viewsCommand = (name: string) => {
	const views = program.commands.find((c) => c.name() === "views");
	const command = views?.commands.find((c) => c.name() === name);
	if (!command) throw new Error(`no views ${name}`);
	return command;
};

/** The --flag value pairs of `args` (after `genrep views <name>`), checked against the command's options. */
function flagsOf(args: string[], name: string): Map<string, string> {
	expect(args.slice(0, 3)).toEqual(["genrep", "views", name]);
	const command = viewsCommand(name);
	const known = new Map(command.options.map((o) => [o.long as string, o]));
	const flags = new Map<string, string>();
	for (let i = 3; i < args.length; i += 2) {
		expect(known.has(args[i]), `${args[i]} is an option of genrep views ${name}`).toBe(true);
		expect(args[i + 1], `${args[i]} has a value`).toBeDefined();
		flags.set(args[i], args[i + 1]);
	}
	for (const option of command.options.filter((o) => o.mandatory)) {
		expect(flags.has(option.long as string), `required ${option.long}`).toBe(true);
	}
	return flags;
}

interface Container {
	command: string[];
	env?: { name: string; value: string }[];
	volumeMounts: { name: string; mountPath: string }[];
}

const job = (file: string) => {
	const doc = parse(readFileSync(file, "utf8"));
	expect(doc).toMatchObject({ apiVersion: "batch/v1", kind: "Job" });
	const container = doc.spec.template.spec.containers[0] as Container;
	return { spec: doc.spec, container };
};

describe("deploy/kubernetes", () => {
	it("an Indexed Job whose pods run views generate --shard auto with JOB_COMPLETIONS = spec.completions", () => {
		const { spec, container } = job("deploy/kubernetes/views-job.yaml");
		expect(spec).toMatchObject({ completionMode: "Indexed", template: { spec: { restartPolicy: "Never" } } });
		expect(spec.completions).toBeGreaterThan(1);
		const flags = flagsOf(container.command, "generate");
		expect(flags.get("--shard")).toBe("auto");
		const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
		expect(env.JOB_COMPLETIONS).toBe(String(spec.completions));
		// What each pod's environment gives: pieces 0..completions-1 of completions.
		for (let i = 0; i < spec.completions; i++) {
			expect(parseShardPiece("auto", { JOB_COMPLETION_INDEX: String(i), ...env })).toEqual({
				index: i,
				count: spec.completions,
				source: "kubernetes",
			});
		}
		// The dataset goes to the shared volume.
		const out = flags.get("--out") ?? "";
		expect(container.volumeMounts.some((m) => out.startsWith(`${m.mountPath}/`))).toBe(true);
		expect(parse(readFileSync("deploy/kubernetes/views-job.yaml", "utf8")).spec.template.spec.volumes[0]).toMatchObject(
			{
				persistentVolumeClaim: { claimName: expect.any(String) },
			},
		);

		const verify = job("deploy/kubernetes/verify-job.yaml");
		const checks = flagsOf(verify.container.command, "verify");
		expect(checks.get("--data")).toBe(out);
		expect(checks.get("--pieces")).toBe(String(spec.completions));
	});
});

/** The command a Slurm script runs: its `genrep ...` line with continuations joined, split like the shell would (no quotes inside words). */
function slurmCommand(text: string): string[] {
	const joined = text.replace(/\\\n\s*/g, " ");
	const line = joined.split("\n").find((l) => /^\s*(srun\s+)?genrep\s/.test(l));
	if (!line) throw new Error("no genrep command");
	const words = line
		.trim()
		.replace(/^srun\s+/, "")
		.split(/\s+/);
	return words.map((w) => w.replace(/^"(.*)"$/, "$1"));
}

describe("deploy/slurm", () => {
	const array = readFileSync("deploy/slurm/views-array.sh", "utf8");
	const verify = readFileSync("deploy/slurm/verify.sh", "utf8");

	it("scripts are valid bash", () => {
		for (const file of ["deploy/slurm/views-array.sh", "deploy/slurm/verify.sh"]) {
			const check = spawnSync("bash", ["-n", file], { encoding: "utf8" });
			expect(check.status, check.stderr).toBe(0);
		}
	});

	it("an array of one range whose tasks run views generate --shard auto; verify checks the same folder and pieces", () => {
		const range = /^#SBATCH --array=(\d+)-(\d+)$/m.exec(array);
		expect(range).not.toBeNull();
		const [min, max] = [Number(range?.[1]), Number(range?.[2])];
		const count = max - min + 1;
		const flags = flagsOf(slurmCommand(array), "generate");
		expect(flags.get("--shard")).toBe("auto");
		for (let id = min; id <= max; id++) {
			const env = {
				SLURM_ARRAY_TASK_ID: String(id),
				SLURM_ARRAY_TASK_MIN: String(min),
				SLURM_ARRAY_TASK_MAX: String(max),
				SLURM_ARRAY_TASK_COUNT: String(count),
			};
			expect(parseShardPiece("auto", env)).toEqual({ index: id - min, count, source: "slurm" });
		}
		const checks = flagsOf(slurmCommand(verify), "verify");
		expect(checks.get("--data")).toBe(flags.get("--out"));
		expect(checks.get("--pieces")).toBe(String(count));
		const outDefault = (text: string) => /^OUT="(.*)"$/m.exec(text)?.[1];
		expect(outDefault(verify)).toBe(outDefault(array));
		expect(outDefault(array)).toContain("GENREP_VIEWS_OUT");
	});
});
