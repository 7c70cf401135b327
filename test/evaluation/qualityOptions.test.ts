/**
 * The options of the generator-quality tools as schemas (classifierOptions.ts,
 * ganEvalOptions.ts): the classifier's resolver keeps its defaults and the card's key order
 * and names bad values; generator evaluation refuses bad values before it loads anything;
 * `gan eval` reads its flags from the schemas (--n checked as a positive integer on the
 * command line, "at least 2" by the library).
 */
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerGanEvalCommand } from "../../src/cli/commands/ganEval.js";
import { parseOptions } from "../../src/engine/options.js";
import {
	CLASSIFIER_TRAIN_DEFAULTS,
	resolveClassifierTrainOptions,
	trainEvalClassifier,
} from "../../src/evaluation/quality/classifier.js";
import { evaluateGeneratorByName } from "../../src/evaluation/quality/ganEval.js";
import { CAS_OPTIONS } from "../../src/evaluation/quality/ganEvalOptions.js";

describe("evaluation classifier options", () => {
	it("fill the defaults in the card's key order, leaving out what is not given", () => {
		const o = resolveClassifierTrainOptions({ out: "x", command: "genrep", dataDir: "d", testLimit: 5 });
		expect(Object.keys(o)).toEqual([...Object.keys(CLASSIFIER_TRAIN_DEFAULTS), "testLimit"]);
		expect(o).toMatchObject({ ...CLASSIFIER_TRAIN_DEFAULTS, testLimit: 5 });
		expect(Object.isFrozen(o)).toBe(true);
		// the defaults' lists are copies, not the shared constants
		expect(o.widths).not.toBe(CLASSIFIER_TRAIN_DEFAULTS.widths);
	});

	it("name the bad value", () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ epochs: 0 }, "epochs must be a positive integer, got 0"],
			[{ batchSize: 2.5 }, "batchSize must be a positive integer, got 2.5"],
			[{ warmupSteps: -1 }, "warmupSteps must be a non-negative integer, got -1"],
			[{ lr: Number.NaN }, "lr must be a positive number, got NaN"],
			[{ momentum: 1 }, "momentum must be in [0, 1), got 1"],
			[{ weightDecay: -1 }, "weightDecay must be a finite number >= 0, got -1"],
			[{ seed: 2 ** 32 }, "seed must be an integer in [0, 2^32), got 4294967296"],
			[{ widths: [] }, "widths must be a list of positive integers with at least one value, got []"],
			[{ blocks: [1, 0, 1] }, "blocks[1] must be a positive integer, got 0"],
			[{ channels: 2 }, "channels must be 1 or 3, got 2"],
			[{ out: "" }, 'out (the output directory) must be a non-empty string, got ""'],
			[{ colour: 1 }, "unknown classifier training option 'colour'"],
		];
		for (const [bad, message] of cases) {
			expect(() => resolveClassifierTrainOptions({ out: "x", ...bad } as never), message).toThrow(message);
		}
		expect(() => resolveClassifierTrainOptions({} as never)).toThrow("out (the output directory) is required");
	});

	it("are checked before any data is read", async () => {
		await expect(trainEvalClassifier({ out: "x", dataset: "no-such-dataset", limit: 0 })).rejects.toThrow(
			"limit must be a positive integer, got 0",
		);
	});
});

describe("generator evaluation options", () => {
	it("bad values are errors naming them, before the generator loads", async () => {
		const cases: [Record<string, unknown>, string][] = [
			[{ n: 1 }, "n must be an integer of at least 2, got 1"],
			[{ testLimit: 1 }, "testLimit must be an integer of at least 2, got 1"],
			[{ seed: -1 }, "seed must be an integer in [0, 2^32), got -1"],
			[{ truncation: 0 }, "truncation must be a positive number, got 0"],
			[{ batchSize: 0 }, "batchSize must be a positive integer, got 0"],
			[{ updateCard: "yes" }, 'updateCard must be true or false, got "yes"'],
			[{ nope: 1 }, "unknown generator evaluation option 'nope'"],
		];
		for (const [bad, message] of cases) {
			await expect(evaluateGeneratorByName("no-such-generator", bad as never), message).rejects.toThrow(message);
		}
	});

	it("CAS options: n at least 2, the defaults filled in", () => {
		expect(() => parseOptions(CAS_OPTIONS, { n: 1 }, "CAS")).toThrow("CAS n must be an integer of at least 2, got 1");
		expect(() => parseOptions(CAS_OPTIONS, { epochs: 0 }, "CAS")).toThrow(
			"CAS epochs must be a positive integer, got 0",
		);
		expect(parseOptions(CAS_OPTIONS, { n: undefined }, "CAS")).toEqual({ n: 10000, epochs: 3 });
	});
});

describe("gan eval flags", () => {
	afterEach(() => {
		vi.restoreAllMocks();
		process.exitCode = undefined;
	});

	async function run(args: string[]): Promise<string> {
		const program = new Command("genrep").exitOverride().configureOutput({ writeErr: () => {} });
		const gan = program.command("gan").exitOverride();
		registerGanEvalCommand(gan);
		for (const c of gan.commands) c.exitOverride();
		const written: string[] = [];
		vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
			written.push(String(chunk));
			return true;
		});
		await program.parseAsync(["gan", "eval", "--generator", "no-such-generator", ...args], { from: "user" });
		return written.join("");
	}

	it("--n 1 passes the command line and the library says why it is too small", async () => {
		expect(await run(["--n", "1"])).toBe("error: n must be an integer of at least 2, got 1\n");
		expect(process.exitCode).toBe(1);
	});

	it("--cas-n and --cas-epochs reach the library's CAS options", async () => {
		await expect(run(["--cas-epochs", "0"])).rejects.toThrow(`expected a positive integer, got "0"`);
		// given flags reach the library, which then fails on the unknown generator
		expect(await run(["--n", "10", "--cas-n", "5", "--no-card", "--seed", "3"])).toMatch(
			/^error: unknown generator .no-such-generator./,
		);
	});
});
