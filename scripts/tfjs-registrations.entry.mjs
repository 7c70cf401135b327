// What @tensorflow/tfjs's index registers on top of tfjs-core, in its order; bundled by
// scripts/tfjs-registrations.vite.config.mjs, loaded by src/engine/tfjsRegistrations.ts.
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";
