/**
 * The benchmarks' child environment (bench/env.ts): OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
 * removed for children only, the addon's OMP_WAIT_POLICY not leaked into them, and the
 * bench's own process.env left as it is.
 */
import { describe, expect, it } from "vitest";
import { childEnv, envChanges, ORIGINAL_ENV, recordedEnv, UNSET_FOR_CHILDREN } from "../../bench/env.js";
import { loadNativeAddon } from "../../src/engine/native/index.js";

describe("bench child environment", () => {
	it("drops the OpenBLAS overrides from children only", () => {
		const before = { ...process.env };
		const env = childEnv();
		for (const key of UNSET_FOR_CHILDREN) expect(env[key]).toBeUndefined();
		expect(process.env).toEqual(before); // the bench's own environment is untouched
		for (const [key, value] of Object.entries(ORIGINAL_ENV)) {
			if (!(UNSET_FOR_CHILDREN as readonly string[]).includes(key)) expect(env[key]).toBe(value);
		}
	});

	it("sets and removes variables on request and records the changes", () => {
		const env = childEnv({ OPENBLAS_NUM_THREADS: "2", HOME: undefined });
		expect(env.OPENBLAS_NUM_THREADS).toBe("2");
		expect(env.HOME).toBeUndefined();
		const changes = envChanges(env);
		expect(changes.set.OPENBLAS_NUM_THREADS).toBe("2");
		if (ORIGINAL_ENV.HOME !== undefined) expect(changes.unset).toContain("HOME");
		expect(recordedEnv(env).OPENBLAS_NUM_THREADS).toBe("2");
		expect(Object.isFrozen(ORIGINAL_ENV)).toBe(true);
	});

	it("does not pass the addon's OMP_WAIT_POLICY on to children", () => {
		const userPolicy = ORIGINAL_ENV.OMP_WAIT_POLICY;
		loadNativeAddon(); // sets OMP_WAIT_POLICY=PASSIVE in process.env when it loads and the user chose none
		const env = childEnv();
		// The child gets exactly the user's policy (none, unless the user set one), whatever the addon did.
		expect(env.OMP_WAIT_POLICY).toBe(userPolicy);
		if (userPolicy === undefined && loadNativeAddon().addon && ORIGINAL_ENV.GOMP_SPINCOUNT === undefined) {
			expect(process.env.OMP_WAIT_POLICY).toBe("PASSIVE");
			expect(env.OMP_WAIT_POLICY).toBeUndefined();
		}
	});
});
