/**
 * `npx tsx bench/stepModes.ts`: the SimCLR step of one encoder in one process, interleaving
 * engine modes in rounds of a few steps, so that every mode sees the same machine state; prints
 * each mode's median step, the spread of its round medians, and each pair of modes' ratio per
 * round (median and range). The first step after a switch is not counted (plans are built per
 * mode). Modes:
 *
 *   fp32             the default fp32 step (Winograd for the shapes convWinograd picks)
 *   fp32-direct      fp32 with direct convolutions only (setConvAlgorithm(direct))
 *   bf16             bf16 mixed precision with kept input copies (the default bf16)
 *   bf16-direct      bf16 without fp32 Winograd for its 4x4 layers
 *   bf16-no-copies   bf16 without kept input copies (inputCopies.ts)
 *
 *   npx tsx bench/stepModes.ts [--encoder resnet10-w32] [--batch 256] [--rounds 8] [--steps 4]
 *                              [--modes fp32,bf16-no-copies,bf16]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { initEngine } from "../src/engine/backend.js";
import { bf16Available, ConvAlgorithm, loadNativeAddon, setNativePrecision } from "../src/engine/native/index.js";
import { setInputCopies } from "../src/engine/native/inputCopies.js";
import { isBenchEncoder, makeSimclrStep } from "./simclrStep.js";

const { values: flags } = parseArgs({
	options: {
		encoder: { type: "string", default: "resnet10-w32" },
		batch: { type: "string", default: "256" },
		rounds: { type: "string", default: "8" },
		steps: { type: "string", default: "4" },
		modes: { type: "string", default: "fp32,bf16-no-copies,bf16" },
	},
});
const encoder = flags.encoder ?? "resnet10-w32";
if (!isBenchEncoder(encoder)) throw new Error(`unknown encoder ${encoder}`);
const [batch, rounds, steps] = [flags.batch, flags.rounds, flags.steps].map(Number);
await initEngine({ backend: "wasm" });
const addon = loadNativeAddon().addon;
if (!addon) throw new Error("the native addon is not loaded");

const MODES = {
	fp32: { precision: "fp32", copies: true, algorithm: ConvAlgorithm.auto },
	"fp32-direct": { precision: "fp32", copies: true, algorithm: ConvAlgorithm.direct },
	bf16: { precision: "bf16", copies: true, algorithm: ConvAlgorithm.auto },
	"bf16-direct": { precision: "bf16", copies: true, algorithm: ConvAlgorithm.direct },
	"bf16-no-copies": { precision: "bf16", copies: false, algorithm: ConvAlgorithm.auto },
} as const;
type Mode = keyof typeof MODES;
const modes = (flags.modes ?? "").split(",") as Mode[];
for (const m of modes) if (!(m in MODES)) throw new Error(`unknown mode '${m}': ${Object.keys(MODES).join(", ")}`);
if (modes.some((m) => MODES[m].precision === "bf16") && !bf16Available().ok)
	throw new Error(`bf16 is not available here: ${bf16Available().reason}`);

function setMode(mode: Mode): void {
	const m = MODES[mode];
	setNativePrecision(m.precision);
	if (!m.copies) setInputCopies(addon, false);
	addon?.setConvAlgorithm?.(m.algorithm);
}

const run = makeSimclrStep(encoder, batch, 0);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const roundMedians = new Map<Mode, number[]>(modes.map((m) => [m, []]));
const all = new Map<Mode, number[]>(modes.map((m) => [m, []]));
for (const mode of modes) {
	setMode(mode);
	for (let i = 0; i < 2; i++) await run.step(); // warm-up: plans, pools
}
for (let r = 0; r < rounds; r++) {
	const order = r % 2 === 0 ? modes : [...modes].reverse();
	for (const mode of order) {
		setMode(mode);
		await run.step(); // the switch's step
		const times: number[] = [];
		for (let s = 0; s < steps; s++) {
			const t0 = performance.now();
			await run.step();
			times.push((performance.now() - t0) / 1000);
		}
		roundMedians.get(mode)?.push(median(times));
		all.get(mode)?.push(...times);
	}
	process.stderr.write(`round ${r + 1}/${rounds}\n`);
}
run.dispose();
setMode("fp32");

const fmt = (s: number) => `${s.toFixed(3)} s`;
console.log(
	`${encoder}, batch ${batch}, ${rounds} rounds x ${steps} steps per mode, load ${os.loadavg()[0].toFixed(2)}`,
);
for (const mode of modes) {
	const rm = roundMedians.get(mode) ?? [];
	console.log(
		`${mode.padEnd(16)} median ${fmt(median(all.get(mode) ?? []))}, round medians ${fmt(Math.min(...rm))}-${fmt(Math.max(...rm))}`,
	);
}
for (let i = 0; i < modes.length; i++)
	for (let j = i + 1; j < modes.length; j++) {
		const ra = roundMedians.get(modes[i]) ?? [];
		const rb = roundMedians.get(modes[j]) ?? [];
		const q = ra.map((v, k) => v / rb[k]);
		console.log(
			`${modes[i]} / ${modes[j]}: ${median(q).toFixed(3)} (rounds ${Math.min(...q).toFixed(3)}-${Math.max(...q).toFixed(3)})`,
		);
	}
