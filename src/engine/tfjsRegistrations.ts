/**
 * What @tensorflow/tfjs registered on top of tfjs-core, without its layers, converter, data
 * and webgl packages: the gradient of every op (tfjs-core alone registers none) and the
 * chained tensor methods (`x.reshape()`, `x.toFloat()`). `npm run build` bundles tfjs-core's
 * own register_all_gradients and register_all_chained_ops into dist/tfjs/
 * (scripts/tfjs-registrations.vite.config.mjs); the bundle's copy of the core registers into
 * the engine and registries the process shares (tfjs keeps them global), as @tensorflow/tfjs's did.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import "@tensorflow/tfjs-core"; // the engine exists before the bundle's copy of the core looks for it
// The chained methods' types (erased at run time; the bundle adds the methods themselves).
import type {} from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";
import { packageRoot } from "./packageRoot.js";

/** Where the build puts the bundle, relative to the package root. */
export const TFJS_REGISTRATIONS_BUNDLE = join("dist", "tfjs", "registrations.js");

const bundle = join(packageRoot(), TFJS_REGISTRATIONS_BUNDLE);
if (!existsSync(bundle)) {
	throw new Error(`${bundle} is missing: run \`npm run build\` (it bundles tfjs-core's gradients and chained ops)`);
}
await import(pathToFileURL(bundle).href);
