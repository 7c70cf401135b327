import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { findPackageRoot } from "../packageRoot.js";
import type { NativeAddon } from "./addon.js";

/** Where node-gyp puts the addon, relative to the package root. */
export const ADDON_RELATIVE_PATH = path.join("native", "build", "Release", "genrep_native.node");

export type NativeLoadResult =
	| { addon: NativeAddon; path: string; reason?: undefined }
	| { addon: null; path?: undefined; reason: string };

let cached: NativeLoadResult | undefined;

/**
 * Set to 1 where oneDNN is installed and the native path must be tested (CI): the install
 * then fails when the addon does not build, instead of falling back to the portable path.
 */
export const REQUIRE_NATIVE_ENV = "GENREP_REQUIRE_NATIVE";

/**
 * Loads the oneDNN addon built by scripts/build-native.mjs, once per process. Returns the
 * addon, or null with the reason (not built, disabled by GENREP_NO_NATIVE=1, or failed to
 * load, e.g. libdnnl missing at run time). $GENREP_NATIVE_ADDON overrides the path.
 */
export function loadNativeAddon(): NativeLoadResult {
	if (cached) return cached;
	cached = tryLoad();
	return cached;
}

/**
 * Makes oneDNN's OpenMP threads sleep, not spin, between kernels, unless the user chose a
 * wait policy. Measured on 2 cores: with another busy thread in the process or on the
 * machine (a generator worker beside training), spinning collapses a 2-thread matmul from
 * ~140 to ~11-20 GFLOP/s; passive waiting keeps ~135, at a cost of 3-15% when the machine
 * is otherwise idle. libgomp reads this when it loads, i.e. when the addon is first loaded.
 */
function preferPassiveWaiting(): void {
	if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) {
		process.env.OMP_WAIT_POLICY = "PASSIVE";
	}
}

function tryLoad(): NativeLoadResult {
	if (process.env.GENREP_NO_NATIVE === "1") {
		return { addon: null, reason: "disabled by GENREP_NO_NATIVE=1" };
	}
	let file = process.env.GENREP_NATIVE_ADDON;
	if (!file) {
		const root = findPackageRoot();
		if (!root) return { addon: null, reason: "genrep's package root not found" };
		file = path.join(root, ADDON_RELATIVE_PATH);
	}
	if (!fs.existsSync(file)) {
		return { addon: null, reason: `native addon not built (${file} missing)` };
	}
	preferPassiveWaiting();
	try {
		const require = createRequire(import.meta.url);
		const addon = require(file) as NativeAddon;
		if (typeof addon.conv2d !== "function" || typeof addon.matmul !== "function") {
			return { addon: null, reason: `${file} is not genrep's native addon` };
		}
		if (
			typeof addon.binary !== "function" ||
			typeof addon.batchNormForward !== "function" ||
			typeof addon.pixelViews !== "function" ||
			typeof addon.sgdStep !== "function" ||
			typeof addon.softmaxCrossEntropy !== "function" ||
			typeof addon.multiPositiveLoss !== "function" ||
			typeof addon.reluGrad !== "function" ||
			typeof addon.meanPool !== "function" ||
			typeof addon.meanPoolGrad !== "function"
		) {
			return { addon: null, reason: `${file} is out of date: rebuild it with node scripts/build-native.mjs` };
		}
		return { addon, path: file };
	} catch (err) {
		const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
		return { addon: null, reason: `native addon failed to load: ${message}` };
	}
}
