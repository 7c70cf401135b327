// Bundles tfjs-core's own register_all_gradients and register_all_chained_ops (ES modules with
// extensionless imports, which Node cannot load as they are) into dist/tfjs/registrations.js at
// `npm run build`. src/engine/tfjsRegistrations.ts loads it instead of all of @tensorflow/tfjs.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
	configFile: false,
	publicDir: false,
	logLevel: "warn",
	build: {
		lib: {
			entry: fileURLToPath(new URL("./tfjs-registrations.entry.mjs", import.meta.url)),
			formats: ["es"],
			fileName: () => "registrations.js",
		},
		outDir: fileURLToPath(new URL("../dist/tfjs", import.meta.url)),
		emptyOutDir: true,
		minify: false,
		sourcemap: false,
		target: "node20",
	},
});
