/** The report's stylesheet, inlined into report.html: system fonts, light table rules, no web fonts. */
export const REPORT_CSS = `
:root { color-scheme: light; --text: #1f2328; --muted: #6e7781; --rule: #e3e6ea; --strong-rule: #c9ced4; --tint: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--text);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 2.5rem 2rem 4rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2.6rem 0 0.8rem; padding-bottom: 0.35rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.02rem; margin: 1.6rem 0 0.4rem; }
p { margin: 0.4rem 0 0.8rem; }
a { color: #0b5cad; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font: 13px/1.5 ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.lead { color: #3d444d; font-size: 1.02rem; margin-bottom: 1.2rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1.2rem; margin: 1rem 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
pre.command { background: var(--tint); border: 1px solid var(--rule); border-radius: 6px; padding: 0.7rem 0.9rem;
  white-space: pre-wrap; word-break: break-all; margin: 0.3rem 0 1rem; }
.findings li { margin: 0.25rem 0; }
.caption, .note { color: var(--muted); font-size: 0.92rem; }
.verdict { font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0.6rem 0 0.4rem; }
th, td { padding: 0.45rem 0.8rem; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; }
thead th { border-bottom: 1.5px solid var(--strong-rule); font-weight: 600; white-space: nowrap; }
th.label, td.label { text-align: left; }
td.label { font-weight: 500; min-width: 11rem; }
td.stat { white-space: nowrap; }
td.stat .pm { color: var(--muted); }
td.stat.best { font-weight: 700; }
td.stat.best .pm { color: inherit; }
.paper { display: block; color: var(--muted); font-size: 0.78rem; font-weight: 400; }
.n { color: var(--muted); font-size: 0.78rem; font-weight: 400; }
td.runs { text-align: left; font-size: 0.85rem; white-space: nowrap; }
td.runs .run-label { color: var(--muted); }
figure { margin: 1.2rem 0 2rem; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 0.4rem; max-width: 640px; }
figcaption strong { color: var(--text); font-weight: 600; }
.files { font-size: 0.85rem; }
.gallery { display: flex; flex-wrap: wrap; gap: 1.5rem 2.5rem; align-items: flex-start; }
.gallery figure { margin: 0.6rem 0 1rem; }
.gallery img { image-rendering: pixelated; border: 1px solid var(--rule); }
.missing { color: #9a6700; background: #fff8c5; padding: 0.5rem 0.8rem; border-radius: 6px; }
.jobs td, .jobs th { font-size: 0.88rem; padding: 0.3rem 0.7rem; }
.jobs td.error { text-align: left; white-space: pre-wrap; color: #a40e26; max-width: 560px; }
.status { font-weight: 600; text-align: left; }
.status.done { color: #1a7f37; }
.status.failed { color: #cf222e; }
.status.skipped { color: var(--muted); }
details summary { cursor: pointer; color: var(--muted); margin: 0.3rem 0; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--rule); padding-top: 0.8rem; }
`;
