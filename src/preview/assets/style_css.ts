/** The dashboard's stylesheet: one column on narrow screens, list + detail side by side on wide. */
export const STYLE_CSS = `:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1b1f24; --muted: #5c6570; --line: #d8dde3;
  --accent: #1f6feb; --ok: #1a7f37; --warn: #b26a00; --bad: #cf222e; --track: #e6e9ed;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--text); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #8b949e; --line: #30363d;
    --accent: #4493f8; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --track: #21262d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
.muted { color: var(--muted); }
.top {
  display: flex; align-items: center; justify-content: space-between; gap: 1rem;
  padding: 0.75rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel);
}
.top h1 { font-size: 1.2rem; margin: 0; }
.conn { font-size: 0.85rem; padding: 0.15rem 0.6rem; border-radius: 999px; border: 1px solid var(--line); }
.conn[data-state="live"] { color: var(--ok); border-color: var(--ok); }
.conn[data-state="reconnecting"] { color: var(--warn); border-color: var(--warn); }
.layout { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: 1fr; }
@media (min-width: 900px) {
  .layout { grid-template-columns: minmax(280px, 380px) minmax(0, 1fr); align-items: start; }
}
.side { display: grid; gap: 1rem; min-width: 0; }
.panel {
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.75rem 1rem; min-width: 0;
}
.panel h2 { font-size: 1rem; margin: 0 0 0.5rem; }
.panel p, .panel dd, .panel figcaption { overflow-wrap: anywhere; }
.panel h3 { font-size: 0.95rem; margin: 1rem 0 0.4rem; }
.jobs, .workers, .bars { list-style: none; margin: 0; padding: 0; }
.job + .job { margin-top: 0.4rem; }
.job button {
  width: 100%; text-align: left; font: inherit; color: inherit; cursor: pointer;
  background: transparent; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.6rem;
  display: grid; gap: 0.3rem;
}
.job button:hover { border-color: var(--accent); }
.job.selected button { border-color: var(--accent); box-shadow: inset 3px 0 0 var(--accent); }
.job-line { display: flex; justify-content: space-between; gap: 0.5rem; align-items: baseline; }
.job-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.job-meta { font-size: 0.82rem; color: var(--muted); overflow-wrap: anywhere; }
.badge {
  font-size: 0.75rem; padding: 0.05rem 0.5rem; border-radius: 999px; white-space: nowrap;
  border: 1px solid currentColor;
}
.state-queued { color: var(--muted); }
.state-running { color: var(--accent); }
.state-done { color: var(--ok); }
.state-failed, .state-cancelled { color: var(--bad); }
.bar { height: 6px; background: var(--track); border-radius: 3px; overflow: hidden; }
.bar.big { height: 10px; margin: 0.5rem 0; }
.fill { display: block; height: 100%; width: 0; background: var(--accent); transition: width 0.3s; }
.state-done .fill, .fill.done { background: var(--ok); }
.workers li { display: flex; justify-content: space-between; gap: 0.5rem; font-size: 0.88rem; padding: 0.15rem 0; }
.workers li span:first-child { overflow-wrap: anywhere; }
.detail-head { display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; }
.detail-head h2 { margin: 0; overflow-wrap: anywhere; }
.error { color: var(--bad); overflow-wrap: anywhere; }
.stats {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 0.4rem 1rem;
  margin: 0.75rem 0;
}
.stats div { min-width: 0; }
.stats dt { font-size: 0.75rem; color: var(--muted); }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.frames { display: grid; gap: 0.5rem; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
@media (min-width: 560px) { .frames { gap: 0.75rem; } }
.frames figure { margin: 0; min-width: 0; }
.frames img {
  display: block; width: 100%; height: auto; background: #000; border-radius: 4px;
  aspect-ratio: 16 / 9; object-fit: contain;
}
.frames figcaption { font-size: 0.85rem; margin-top: 0.25rem; }
.frames figcaption .fallback { color: var(--bad); }
.chart svg { width: 100%; height: auto; display: block; }
.chart .axis { stroke: var(--line); stroke-width: 1; }
.chart .grid { stroke: var(--line); stroke-width: 1; stroke-dasharray: 3 4; }
.chart .fps { fill: none; stroke: var(--accent); stroke-width: 2; stroke-linejoin: round; }
.chart .area { fill: var(--accent); opacity: 0.12; }
.chart .retry { stroke: var(--warn); stroke-width: 2; }
.chart .fallback { stroke: var(--bad); stroke-width: 2; }
.chart text { fill: var(--muted); font-size: 11px; }
.legend { font-size: 0.8rem; color: var(--muted); display: flex; flex-wrap: wrap; gap: 0.3rem 0.9rem; align-items: center; }
.key { display: inline-block; width: 14px; height: 3px; margin-right: 0.3rem; vertical-align: middle; }
.k-line { background: var(--accent); }
.k-retry { background: var(--warn); }
.k-fallback { background: var(--bad); }
.bars li { display: grid; grid-template-columns: minmax(0, 12rem) 1fr auto; gap: 0.5rem; align-items: center; font-size: 0.85rem; }
.bars li + li { margin-top: 0.25rem; }
.bars .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bars .bar { height: 8px; }
video { display: block; width: 100%; max-width: 720px; max-height: 60vh; background: #000; border-radius: 4px; }
a { color: var(--accent); }
@media (max-width: 480px) {
  .layout { padding: 0.5rem; gap: 0.5rem; }
  .panel { padding: 0.6rem; }
  .bars li { grid-template-columns: minmax(0, 7rem) 1fr auto; }
}
`;
