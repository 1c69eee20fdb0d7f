// The dashboard's one stylesheet, served as /assets/dashboard.css (no inline styles: the pages' CSP forbids them).
// Light by default, dark when the system prefers it.

export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; --link: #0550ae;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --run: #0969da; --code: #f6f8fa;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23; --link: #58a6ff;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --run: #58a6ff; --code: #151b23;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 2px solid var(--run); outline-offset: 2px; }
header.site { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .brand { font-weight: 600; text-decoration: none; color: var(--fg); }
header.site nav { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
header.site .who { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .3rem .6rem; z-index: 1; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.crumbs { color: var(--muted); font-size: .9rem; }
.crumbs a { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
.table-wrap { overflow-x: auto; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; overflow-x: auto; margin: .4rem 0; }
pre.log { max-height: 32rem; overflow-y: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.status-success, .status-active, .status-delivered, .status-processed, .status-online { color: var(--ok); }
.status-failure, .status-invalid, .status-failed, .status-error { color: var(--bad); }
.status-running, .status-waiting, .status-pending { color: var(--run); }
.status-blocked, .status-cancelled, .status-skipped, .status-deleted, .status-unknown, .status-offline { color: var(--muted); }
.muted { color: var(--muted); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.diagnostic { margin: .5rem 0; }
.diagnostic .where { font-weight: 600; }
.actions { display: flex; gap: .5rem; margin: 1rem 0; }
form.inline { display: inline; }
button { font: inherit; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); color: var(--fg); cursor: pointer; }
button.danger { color: var(--bad); }
label { display: block; margin: .5rem 0 .2rem; font-weight: 600; }
input[type=password] { font: inherit; width: 100%; max-width: 32rem; padding: .4rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.error { color: var(--bad); }
.json { margin-top: 2rem; font-size: .85rem; }
details > summary { cursor: pointer; }
article.event h3 { font-size: 1rem; margin: 1.2rem 0 .2rem; }
article.event p { margin: .2rem 0; }
@media (max-width: 40rem) { th.optional, td.optional { display: none; } }
`;
