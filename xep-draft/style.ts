// The rendered draft's stylesheet (inlined into the page by html.ts).
export const STYLE = `
:root { --ink: #1d232b; --muted: #5b6673; --rule: #d5dbe1; --tint: #f4f6f8; --accent: #1a5fa8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.25rem 4rem; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: .2rem 0 .8rem; }
h2 { font-size: 1.45rem; margin: 2.4rem 0 .6rem; border-bottom: 1px solid var(--rule); padding-bottom: .25rem; }
h3 { font-size: 1.2rem; margin: 1.8rem 0 .5rem; } h4, h5, h6 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
h2 .num, h3 .num, h4 .num, h5 .num { color: var(--muted); font-weight: 600; margin-right: .3rem; }
.series { color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: .8rem; margin: 0; }
.abstract { font-size: 1.05rem; color: #333d48; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; font-size: .93rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .35rem; }
th, td { border: 1px solid var(--rule); padding: .35rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--tint); }
table.meta th { width: 11rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .86rem; }
p code, li code, td code { background: var(--tint); padding: 0 .2rem; border-radius: 3px; }
figure { margin: 1.1rem 0; }
figcaption { font-size: .9rem; font-weight: 600; color: #333d48; margin-bottom: .3rem; }
pre { background: var(--tint); border: 1px solid var(--rule); border-left: 3px solid var(--accent);
  padding: .7rem .9rem; overflow-x: auto; line-height: 1.4; margin: 0; }
figure.code pre { border-left-color: var(--muted); }
nav.toc { background: var(--tint); border: 1px solid var(--rule); padding: .4rem 1.2rem .8rem; margin: 1.5rem 0; }
nav.toc h2 { border: 0; margin: .6rem 0 .3rem; font-size: 1.1rem; }
nav.toc ol { list-style: none; padding: 0; margin: 0; columns: 2 22rem; }
nav.toc li { break-inside: avoid; } nav.toc .num { color: var(--muted); display: inline-block; min-width: 2.6rem; }
nav.toc .toc-2 { padding-left: 1rem; } nav.toc .toc-3 { padding-left: 2rem; } nav.toc .toc-4, nav.toc .toc-5 { padding-left: 3rem; }
dt { font-weight: 600; } dd { margin: 0 0 .6rem 1.5rem; }
p.box { border: 1px solid var(--rule); background: #fffbe6; padding: .5rem .8rem; }
p.em { font-style: italic; }
sup.fn { font-size: .72rem; line-height: 0; } sup.fn a::before { content: "["; } sup.fn a::after { content: "]"; }
ol.notes { font-size: .88rem; color: #333d48; } a.back { font-size: .8rem; }
.legal { font-size: .85rem; color: var(--muted); }
`;
