/**
 * The option building blocks (src/engine/options.ts) and the flags built from them
 * (src/cli/flags.ts): each block refuses hostile values with a message that names the option
 * and the value; parseOptions refuses unknown keys; a flag's type, check and default come from
 * the schema; and the defaults copied into light schema files equal the library's own.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { addFlags, flagParser } from "../../src/cli/flags.js";
import { SGD_DEFAULTS } from "../../src/engine/optim/sgd.js";
import {
	choice,
	defaultOf,
	finiteNumber,
	listOf,
	metaOf,
	nonNegativeInt,
	nonNegativeNumber,
	numberChoice,
	numberIn,
	parseOptions,
	positiveInt,
	positiveNumber,
	probability,
	registryKey,
	seed,
	text,
} from "../../src/engine/options.js";
import { GenrepError } from "../../src/errors.js";
import { EVALUATE_DEFAULTS } from "../../src/evaluation/representation/evaluateOptions.js";
import { KNN_DEFAULTS } from "../../src/evaluation/representation/knn.js";
import { LOW_SHOT_DEFAULTS } from "../../src/evaluation/representation/lowShot.js";
import { TRAIN_DEFAULTS } from "../../src/learners/trainOptions.js";
import { GENERATE_DEFAULTS } from "../../src/store/generateOptions.js";
import { DEFAULT_ANCHOR_TRUNCATION } from "../../src/views/latent/latentView.js";

/** The message parseOptions throws for `{ x: value }` checked by `block`. */
function messageFor(block: z.ZodType, value: unknown): string {
	try {
		parseOptions(z.strictObject({ x: block }), { x: value }, "test");
	} catch (err) {
		expect(err).toBeInstanceOf(GenrepError);
		return (err as Error).message;
	}
	throw new Error(`accepted ${String(value)}`);
}

const accepts = (block: z.ZodType, value: unknown) => block.safeParse(value).success;

describe("building blocks", () => {
	const hostile = [
		Number.NaN,
		Number.POSITIVE_INFINITY,
		Number.NEGATIVE_INFINITY,
		-1,
		1.5,
		"",
		"3",
		" 3",
		null,
		[],
		{},
	];

	it("each refuses NaN, infinities, -1, 1.5, empty and number-like strings, naming the option and the value", () => {
		const blocks: [string, z.ZodType, unknown[], string][] = [
			["positiveInt", positiveInt(), [-1, 0, 1.5, Number.NaN], "x must be a positive integer, got "],
			["nonNegativeInt", nonNegativeInt(), [-1, 1.5, Number.NaN], "x must be a non-negative integer, got "],
			["seed", seed(), [-1, 2 ** 32, 1.5], "x must be an integer in [0, 2^32), got "],
			["finiteNumber", finiteNumber(), [Number.NaN, Number.POSITIVE_INFINITY], "x must be a finite number, got "],
			[
				"positiveNumber",
				positiveNumber(),
				[0, -1, Number.NaN, Number.POSITIVE_INFINITY],
				"x must be a positive number, got ",
			],
			[
				"nonNegativeNumber",
				nonNegativeNumber(),
				[-1, Number.NaN, Number.POSITIVE_INFINITY],
				"x must be a finite number >= 0, got ",
			],
			["probability", probability(), [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY], "x must be in [0, 1], got "],
			["numberIn [)", numberIn(0, 1, "[)"), [1, -1, Number.NaN], "x must be in [0, 1), got "],
		];
		for (const [name, block, refused, message] of blocks) {
			for (const value of [...refused, ...hostile.filter((v) => typeof v !== "number")]) {
				expect(accepts(block, value), `${name} accepted ${String(value)}`).toBe(false);
				const text = messageFor(block, value);
				expect(text.startsWith(message), `${name}: ${text}`).toBe(true);
			}
		}
		expect(messageFor(positiveInt(), 0)).toBe("x must be a positive integer, got 0");
		expect(messageFor(positiveInt(), 1.5)).toBe("x must be a positive integer, got 1.5");
		expect(messageFor(positiveInt(), Number.NaN)).toBe("x must be a positive integer, got NaN");
		expect(messageFor(positiveInt(), Number.POSITIVE_INFINITY)).toBe("x must be a positive integer, got Infinity");
		expect(messageFor(positiveInt(), "3")).toBe('x must be a positive integer, got "3"');
		expect(messageFor(positiveNumber(), "")).toBe('x must be a positive number, got ""');
		expect(messageFor(probability(), -1)).toBe("x must be in [0, 1], got -1");
	});

	it("accept what they should, at the edges", () => {
		expect([1, 2 ** 40].every((v) => accepts(positiveInt(), v))).toBe(true);
		expect(accepts(nonNegativeInt(), 0)).toBe(true);
		expect([0, 2 ** 32 - 1].every((v) => accepts(seed(), v))).toBe(true);
		expect([0, 1, 0.5].every((v) => accepts(probability(), v))).toBe(true);
		expect(accepts(numberIn(0, 1, "()"), 0)).toBe(false);
		expect(accepts(numberIn(0, 1, "(]"), 1)).toBe(true);
		expect(accepts(positiveNumber(), 1e-300)).toBe(true);
		expect(accepts(nonNegativeNumber(), 0)).toBe(true);
		expect(accepts(finiteNumber(), -1e300)).toBe(true);
	});

	it("text, choices, registry keys and lists say what they expect", () => {
		expect(messageFor(text(), "")).toBe('x must be a non-empty string, got ""');
		expect(messageFor(text(), 3)).toBe("x must be a non-empty string, got 3");
		// a wrong choice is quoted as a name, as the resolvers before the schemas quoted it
		expect(messageFor(choice(["auto", "cifar", "imagenet"]), "vit")).toBe(
			"x must be auto, cifar or imagenet, got 'vit'",
		);
		expect(messageFor(choice(["fp32", "bf16"]), 16)).toBe("x must be fp32 or bf16, got 16");
		expect(messageFor(numberChoice([1, 3]), 2)).toBe("x must be 1 or 3, got 2");
		expect(messageFor(numberChoice([1, 3]), "1")).toBe('x must be 1 or 3, got "1"');
		const registry = { simclr: 1, supcon: 2 };
		expect(messageFor(registryKey(registry, "method"), "byol")).toBe(
			"unknown method 'byol'; known methods: simclr, supcon",
		);
		expect(messageFor(registryKey(registry, "method"), "toString")).toMatch(/unknown method 'toString'/);
		expect(accepts(registryKey(registry, "method"), "supcon")).toBe(true);
		expect(messageFor(listOf(positiveInt()), [10, 0])).toBe("x[1] must be a positive integer, got 0");
		expect(messageFor(listOf(positiveInt()), "10,100")).toBe('x must be a list of positive integers, got "10,100"');
		expect(messageFor(listOf(nonNegativeNumber(), { min: 1 }), [])).toBe(
			"x must be a list of finite numbers >= 0 with at least one value, got []",
		);
		// steer train's wording: "one of" the values, a wrong one shown as JSON
		expect(messageFor(choice(["auto", "fd"], { oneOf: true }), "sgd")).toBe('x must be one of auto, fd, got "sgd"');
		expect(messageFor(listOf(text(), { min: 1 }), ["zoom", ""])).toBe('x[1] must be a non-empty string, got ""');
		expect(messageFor(listOf(text()), "zoom")).toBe('x must be a list of non-empty strings, got "zoom"');
		expect(metaOf(listOf(text()))?.kind).toBe("strings");
		expect(() => listOf(z.string())).toThrow("listOf takes a number, integer or string block");
	});

	it("parseOptions puts a prefix before every message", () => {
		const schema = z.strictObject({ steps: positiveInt() });
		expect(() => parseOptions(schema, { steps: 0 }, "walk training", "steer train: ")).toThrow(
			/^steer train: steps must be a positive integer, got 0$/,
		);
		expect(() => parseOptions(schema, { steps: 1, step: 2 }, "walk training", "steer train: ")).toThrow(
			/^steer train: unknown walk training option 'step'$/,
		);
	});

	it("labels and hints replace the key; a missing value is required", () => {
		expect(messageFor(positiveInt({ label: "neighbors (latent views per anchor)" }), 0)).toBe(
			"neighbors (latent views per anchor) must be a positive integer, got 0",
		);
		const schema = z.strictObject({ out: text({ hint: "the run directory" }), n: positiveInt().optional() });
		expect(() => parseOptions(schema, {}, "test")).toThrow(/^out is required: the run directory$/);
		expect(() => parseOptions(schema, { out: "a", m: 1 }, "training")).toThrow(/^unknown training option 'm'$/);
		// Unknown keys are named first, as before, even beside a bad value.
		expect(() => parseOptions(schema, { out: "", m: 1 }, "training")).toThrow(/^unknown training option 'm'$/);
		expect(() => parseOptions(schema, null, "training")).toThrow(/^training options: /);
		expect(parseOptions(schema, { out: "a", n: undefined }, "test")).toEqual({ out: "a" });
	});

	it("nested options are named by their path", () => {
		const schema = z.strictObject({ data: z.strictObject({ limit: positiveInt() }) });
		expect(() => parseOptions(schema, { data: { limit: -1 } }, "test")).toThrow(
			/^data\.limit must be a positive integer, got -1$/,
		);
		expect(() => parseOptions(schema, { data: { limit: 1, lmit: 2 } }, "test")).toThrow(
			/^unknown test option 'data\.lmit'$/,
		);
	});

	it("keep their metadata and defaults through .optional() and .default()", () => {
		expect(metaOf(positiveInt().default(3).optional())).toEqual({ expects: "a positive integer", kind: "integer" });
		expect(defaultOf(positiveInt().default(3))).toBe(3);
		expect(defaultOf(positiveInt().optional())).toBeUndefined();
		expect(metaOf(listOf(seed()))?.kind).toBe("integers");
		expect(metaOf(z.string())).toBeUndefined();
	});
});

describe("flags from a schema", () => {
	const SCHEMA = z.strictObject({
		batchSize: positiveInt().default(256),
		lr: positiveNumber().default(0.03),
		shots: listOf(positiveInt()).default([10, 100]),
		stem: choice(["auto", "cifar"]).default("auto"),
		edits: listOf(text(), { min: 1 }).optional(),
		checkpointEverySeconds: positiveNumber().default(300),
		pixelViews: z.boolean().default(true),
		out: text(),
	});

	function build() {
		const program = new Command("t").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
		const read = addFlags(program, SCHEMA, {
			out: { flag: "--out <dir>", help: "run directory", required: true },
			batchSize: "anchors per step",
			lr: { flag: "--lr <lr>", help: "learning rate" },
			shots: "low-shot images per class",
			stem: "encoder stem",
			edits: "edits to learn",
			checkpointEverySeconds: { flag: "--checkpoint-every <seconds>", help: "seconds between checkpoints" },
			pixelViews: { flag: "--no-pixel-views", kind: "boolean", help: "no pixel views" },
		});
		return { program, read };
	}

	it("reads typed values under the options' keys, only those given, in the schema's order", () => {
		const { program, read } = build();
		program.parse(
			["--shots", "1,5", "--checkpoint-every", "60", "--out", "x", "--edits", "zoom, rotate", "--batch-size", "8"],
			{ from: "user" },
		);
		const options = read(program.opts());
		expect(options).toEqual({
			batchSize: 8,
			shots: [1, 5],
			edits: ["zoom", "rotate"],
			checkpointEverySeconds: 60,
			out: "x",
		});
		expect(Object.keys(options)).toEqual(["batchSize", "shots", "edits", "checkpointEverySeconds", "out"]);
		const again = build();
		again.program.parse(["--out", "x", "--no-pixel-views"], { from: "user" });
		expect(again.read(again.program.opts())).toEqual({ pixelViews: false, out: "x" });
	});

	it("the help has each flag's placeholder and the schema's default", () => {
		const help = build().program.helpInformation();
		expect(help).toContain("--batch-size <n>");
		expect(help).toMatch(/anchors per step \(default 256\)/);
		expect(help).toMatch(/learning rate \(default 0\.03\)/);
		expect(help).toMatch(/--shots <list>\s+low-shot images per class \(default 10,100\)/);
		expect(help).toMatch(/--stem <name>\s+encoder stem \(default auto\)/);
		expect(help).toMatch(/--edits <list>\s+edits to learn\n/);
		expect(help).toMatch(/--no-pixel-views\s+no pixel views\n/);
	});

	it("a bad value is a usage error naming the flag and the value as typed", () => {
		const cases: [string[], string][] = [
			[
				["--batch-size", "0"],
				`option '--batch-size <n>' argument '0' is invalid. expected a positive integer, got "0"`,
			],
			[["--batch-size", "1.5"], `argument '1.5' is invalid. expected a positive integer, got "1.5"`],
			[["--batch-size", "1e3"], `argument '1e3' is invalid. expected a positive integer, got "1e3"`],
			[["--batch-size", ""], `argument '' is invalid. expected a positive integer, got ""`],
			[["--lr", "NaN"], `option '--lr <lr>' argument 'NaN' is invalid. expected a positive number, got "NaN"`],
			[["--lr", "Infinity"], `expected a positive number, got "Infinity"`],
			[["--lr", "-1"], `expected a positive number, got "-1"`],
			[["--shots", "10,x"], `expected positive integers separated by commas, got "10,x"`],
			[["--stem", "vit"], `expected auto or cifar, got "vit"`],
			[["--edits", "zoom,,rotate"], `expected non-empty strings separated by commas, got "zoom,,rotate"`],
		];
		for (const [args, message] of cases) {
			const { program } = build();
			expect(() => program.parse([...args, "--out", "x"], { from: "user" }), args.join(" ")).toThrow(message);
		}
	});

	it("flagParser reads numbers as typed, and checks them against the block", () => {
		const n = flagParser(numberIn(0, 1, "[)"), "number");
		expect(n("0.5")).toBe(0.5);
		expect(() => n("1")).toThrow('expected a number in [0, 1), got "1"');
		expect(() => n(" ")).toThrow('got " "');
		expect(() => flagParser(nonNegativeInt(), "integer")("-0x1")).toThrow("expected a non-negative integer");
	});

	it("refuses a table entry for an option the schema lacks, or one without a block", () => {
		const program = new Command("t");
		expect(() => addFlags(program, SCHEMA, { nope: "x" } as never)).toThrow(/no option 'nope'/);
		expect(() => addFlags(program, z.object({ v: z.string() }), { v: "x" })).toThrow(/not made of a building block/);
	});
});

describe("defaults written into the light schema files", () => {
	it("equal the library's own", () => {
		expect(EVALUATE_DEFAULTS.k).toBe(KNN_DEFAULTS.k);
		expect(EVALUATE_DEFAULTS.shots).toEqual(LOW_SHOT_DEFAULTS.shots);
		expect(EVALUATE_DEFAULTS.draws).toBe(LOW_SHOT_DEFAULTS.draws);
		expect(TRAIN_DEFAULTS.momentum).toBe(SGD_DEFAULTS.momentum);
		expect(TRAIN_DEFAULTS.weightDecay).toBe(SGD_DEFAULTS.weightDecay);
		expect(GENERATE_DEFAULTS.truncation).toBe(DEFAULT_ANCHOR_TRUNCATION);
	});
});
