import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		pool: "forks",
		testTimeout: 120_000,
		hookTimeout: 120_000,
		// The tfjs registrations bundle (src/engine/tfjsRegistrations.ts) loads as it is, like a package.
		server: { deps: { external: [/\/dist\/tfjs\//] } },
	},
});
