/**
 * The environment the benchmarks hand their child processes. The snapshot below is taken
 * when this module is evaluated, i.e. while the entry point's imports load and before its
 * body runs; nothing in src/ loads the native addon at import time, and loading it sets
 * OMP_WAIT_POLICY=PASSIVE in process.env (src/engine/native/load.ts), which a PyTorch child
 * must not inherit unrecorded.
 *
 * Both sides of a comparison run without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE: this
 * workplace sets them (older OpenBLAS builds misbehave on its CPUs), and they make OpenBLAS
 * pick AVX2 kernels on an AVX-512 machine. Only the bench's children lose them; the bench's
 * own process, tests and CI keep the environment as it is.
 */
import os from "node:os";

/** process.env as it was when the bench started (before the addon could change it). */
export const ORIGINAL_ENV: Readonly<NodeJS.ProcessEnv> = Object.freeze({ ...process.env });

/** Variables removed from every child of the bench (see above). */
export const UNSET_FOR_CHILDREN = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"] as const;

/** Variables recorded for each side: threads, wait policies, BLAS and oneDNN dispatch. */
export const RECORDED_ENV_KEYS = [
	"OPENBLAS_CORETYPE",
	"OPENBLAS_L2_SIZE",
	"OPENBLAS_NUM_THREADS",
	"GOTO_NUM_THREADS",
	"OMP_NUM_THREADS",
	"OMP_WAIT_POLICY",
	"OMP_PROC_BIND",
	"OMP_PLACES",
	"GOMP_SPINCOUNT",
	"ONEDNN_MAX_CPU_ISA",
	"DNNL_MAX_CPU_ISA",
	"ATEN_CPU_CAPABILITY",
	"GENREP_NO_NATIVE",
	"GENREP_BACKEND",
] as const;

/** The recorded variables of an environment that are set. */
export function recordedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const out: Record<string, string> = {};
	for (const key of RECORDED_ENV_KEYS) {
		const value = env[key];
		if (value !== undefined) out[key] = value;
	}
	return out;
}

/**
 * A child's environment: the original one, without UNSET_FOR_CHILDREN, with `set` applied
 * (a value of undefined removes the variable).
 */
export function childEnv(set: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...ORIGINAL_ENV };
	for (const key of UNSET_FOR_CHILDREN) delete env[key];
	for (const [key, value] of Object.entries(set)) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}
	return env;
}

/** What the bench changed in a child's environment relative to the user's, for the record. */
export function envChanges(env: NodeJS.ProcessEnv): { unset: string[]; set: Record<string, string> } {
	const unset = Object.keys(ORIGINAL_ENV).filter((k) => env[k] === undefined);
	const set: Record<string, string> = {};
	for (const [k, v] of Object.entries(env)) if (v !== undefined && ORIGINAL_ENV[k] !== v) set[k] = v;
	return { unset, set };
}

/** The 1-minute load average, and whether it is above 0.5 per core (timings then noisy). */
export function loadCheck(): { load: number; perCore: number; busy: boolean } {
	const load = os.loadavg()[0];
	const perCore = load / os.cpus().length;
	return { load, perCore, busy: perCore > 0.5 };
}
