// The genrep ui front end: built by `npm run build` into dist/ui/web, which `genrep ui` serves.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
	root: fileURLToPath(new URL(".", import.meta.url)),
	base: "/",
	logLevel: "warn",
	build: {
		outDir: fileURLToPath(new URL("../../../dist/ui/web", import.meta.url)),
		emptyOutDir: true,
		modulePreload: { polyfill: false },
		sourcemap: false,
		target: "es2022",
	},
});
