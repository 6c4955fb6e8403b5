import { escapeHtml } from '../../text/escape-html.ts';

/** The HTML shell shared by the server-rendered pages: one stylesheet, readable and printable. */

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0b57d0; --on-accent: #ffffff; --danger: #a40e26; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --panel: #161b22; --line: #30363d; --accent: #6ea8fe; --on-accent: #0d1117; --danger: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.site { border-bottom: 1px solid var(--line); padding: .75rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
header.site a { color: var(--fg); text-decoration: none; font-weight: 600; }
header.site nav a { font-weight: 400; color: var(--muted); margin-right: 1rem; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem; }
a { color: var(--accent); }
h1 { font-size: 1.8rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { margin-top: 2.2rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { margin-top: 1.6rem; }
h2 a.anchor, h3 a.anchor { visibility: hidden; margin-left: .4rem; text-decoration: none; }
h2:hover a.anchor, h3:hover a.anchor { visibility: visible; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; overflow-x: auto; font-size: .875rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
:not(pre) > code { background: var(--panel); padding: .1rem .3rem; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid var(--line); padding: .4rem .6rem; text-align: left; vertical-align: top; }
.meta { color: var(--muted); font-size: .9rem; }
.tag { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 999px; padding: 0 .6rem; margin-right: .3rem; font-size: .8rem; }
.badge-internal { background: #fff4ce; color: #6b4e00; border-color: #e3c567; }
.causes { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; }
ul.plain { list-style: none; padding: 0; }
ul.plain li { padding: .4rem 0; border-bottom: 1px solid var(--line); }
.method { font-family: ui-monospace, monospace; font-weight: 700; text-transform: uppercase; margin-right: .5rem; }
input[type=search], input[type=password], textarea { width: 100%; padding: .5rem .6rem; border: 1px solid var(--muted); border-radius: 6px; font: inherit; background: var(--bg); color: var(--fg); }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875rem; }
button { font: inherit; cursor: pointer; }
.primary { background: var(--accent); color: var(--on-accent); border: 0; border-radius: 6px; padding: .5rem 1rem; font-weight: 600; }
.row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; } .row input { flex: 1; min-width: 12rem; }
.drop { border: 2px dashed var(--line); border-radius: 8px; padding: .8rem; margin-top: .5rem; } .drop.over { border-color: var(--accent); background: var(--panel); }
.badge { display: inline-block; background: #fff4ce; color: #6b4e00; border: 1px solid #e3c567; border-radius: 999px; padding: 0 .5rem; font-size: .75rem; }
.cause { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; } .cause.top { border-color: var(--accent); }
.cause h3 { margin: .2rem 0 .5rem; } .confidence { font-weight: 700; } .lookalike { background: #fff4d6; color: #1b1f24; border-radius: 4px; padding: 0 .35rem; }
.evidence li { margin: .2rem 0; } .entry { border: 1px solid var(--line); background: var(--panel); color: var(--fg); border-radius: 4px; font-size: .8rem; }
.timeline ol { font-family: ui-monospace, monospace; font-size: .8rem; max-height: 16rem; overflow: auto; border: 1px solid var(--line); border-radius: 6px; padding: .4rem .4rem .4rem 3rem; }
.timeline li.failing { color: var(--danger); font-weight: 700; } .timeline button { all: unset; cursor: pointer; text-decoration: underline; } .timeline button:focus-visible { outline: 3px solid #ffbf47; }
.finding { border-left: 4px solid var(--accent); padding-left: .8rem; }
.error { color: var(--danger); } .note { background: var(--panel); border: 1px solid var(--line); padding: .5rem .8rem; border-radius: 6px; }
.suggestions { list-style: none; padding: 0; margin: .3rem 0; } .suggestions li { display: inline-block; margin: 0 .5rem .3rem 0; }
#reply { min-height: 12rem; }
.turn { margin: .6rem 0; } .said { background: var(--panel); border-radius: 8px; padding: .4rem .7rem; display: inline-block; }
.quick button { margin: .2rem .3rem .2rem 0; border: 1px solid var(--accent); color: var(--accent); background: var(--bg); border-radius: 999px; padding: .2rem .7rem; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
@media print { header.site, a.anchor { display: none; } main { max-width: none; padding: 0; } pre { white-space: pre-wrap; } a { color: inherit; } }
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · fixpath</title>
<style>${STYLE}</style>
</head>
<body>
<header class="site"><a href="/">fixpath</a><nav><a href="/v1/articles">Articles (JSON)</a><a href="/docs">API reference</a></nav></header>
<main>
${body}
</main>
</body>
</html>`;
}
