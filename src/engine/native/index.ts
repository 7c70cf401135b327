/** oneDNN kernels for the wasm backend (see native/ and scripts/build-native.mjs). */
export {
	ConvAlgorithm,
	ConvKind,
	ConvLayout,
	type NativeAddon,
	type NativeInfo,
} from "./addon.js";
export {
	nativeKernelStats,
	nativeKernelsActive,
	nativeKernelsReason,
	registerNativeKernels,
	unregisterNativeKernels,
} from "./kernels.js";
export { loadNativeAddon, type NativeLoadResult } from "./load.js";
export {
	bf16Available,
	choosePrecision,
	isPrecision,
	nativePrecision,
	PRECISIONS,
	type Precision,
	type PrecisionChoice,
	type PrecisionRequest,
	resolvePrecision,
	setNativePrecision,
	withNativePrecision,
} from "./precision.js";
