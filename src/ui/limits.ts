/**
 * Bounds on what one request to `genrep ui` may ask for, so that no request can exhaust the
 * server's memory or time. Every bound is checked before any work starts; a request past one
 * is answered 4xx with a message naming the bound.
 */
export const UI_LIMITS = {
	/** Rows of the views grid (anchors). */
	maxAnchors: 16,
	/** Views per anchor besides the anchor. */
	maxNeighbors: 12,
	/** Images one views request may generate (grid and slider column together). */
	maxImages: 160,
	/** Values (H * W * C) of one generated image the explorer will draw. */
	maxImageValues: 256 * 256 * 3,
	/** Characters of a request's URL. */
	maxUrlLength: 4096,
	/** Generator requests waiting behind the one running (more are refused with 503). */
	maxQueued: 8,
	/** Loaded generators kept in memory (least recently used first out). */
	cachedGenerators: 2,
	/** Folders and files looked at when listing a runs or models root. */
	maxScanEntries: 20_000,
	/** Folder depth below a root when listing it. */
	maxScanDepth: 6,
	/** Bytes of a file the server will read or send (metrics.jsonl, report.html, plots). */
	maxFileBytes: 64 * 1024 * 1024,
	/** Bytes of a JSON file read to tell whether it is an eval's metrics. */
	maxJsonProbeBytes: 4 * 1024 * 1024,
} as const;
