/** genrep ui: two pages, chosen by the URL's hash (#explorer, #runs). */
import { mountExplorer } from "./explorer.js";
import { mountRuns } from "./runs.js";
import "./style.css";

const explorer = document.getElementById("page-explorer") as HTMLElement;
const runsPage = document.getElementById("page-runs") as HTMLElement;
let explorerMounted = false;
let runs: ReturnType<typeof mountRuns> | null = null;

function route(): void {
	const page = location.hash === "#runs" ? "runs" : "explorer";
	explorer.hidden = page !== "explorer";
	runsPage.hidden = page !== "runs";
	document.getElementById("nav-explorer")?.classList.toggle("active", page === "explorer");
	document.getElementById("nav-runs")?.classList.toggle("active", page === "runs");
	if (page === "explorer" && !explorerMounted) {
		explorerMounted = true;
		mountExplorer(explorer);
	}
	if (page === "runs") {
		runs ??= mountRuns(runsPage);
		runs.start();
	} else runs?.stop();
}

window.addEventListener("hashchange", route);
route();
