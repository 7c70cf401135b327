/**
 * T_z = steer (z + sum_i alpha_i w_i with walks learned by `genrep steer train`): not
 * implemented yet. The kind is registered so that asking for it gives a clear error instead
 * of "unknown view".
 */
import { GenrepError } from "../../errors.js";
import type { LatentView } from "./latentView.js";

export function createSteerView(_options: Record<string, unknown> = {}): LatentView {
	throw new GenrepError("steer view needs walks from `genrep steer train` (not implemented yet)");
}
