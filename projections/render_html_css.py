"""The style sheets of the HTML pages: screen first, then what printing changes."""

from __future__ import annotations

from typing import Final

#: Shared by the report and the comparison page (`render_html_compare`).
CSS: Final = """
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --rule: #d9dee3;
  --within: #2f6690; --below: #e07b39; --goal: #7b2d26; --overall: #3e4c59; }
* { box-sizing: border-box; }
body { margin: 0; padding: 32px 40px 48px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 20px; margin: 36px 0 4px; padding-top: 12px; border-top: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 0 0 8px; color: var(--muted); font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
p.limit { margin: 0 0 16px; color: var(--muted); }
figure { margin: 0; }
svg.chart { display: block; width: 100%; height: auto; max-width: 760px; }
svg.chart text { font-size: 13px; fill: var(--ink); font-family: inherit; }
svg.chart .small { font-size: 12px; fill: var(--muted); }
p.empty { color: var(--muted); font-style: italic; padding: 24px 0; margin: 0; }
p.legend { margin: 4px 0 0; font-size: 13px; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px;
  vertical-align: -1px; border-radius: 2px; }
table { border-collapse: separate; border-spacing: 0; font-size: 14px; margin-top: 12px; }
th, td { padding: 4px 12px; white-space: nowrap; text-align: left; }
thead th { position: sticky; top: 0; background: #eef1f4; border-bottom: 2px solid #9aa5b1;
  z-index: 1; }
tbody tr:nth-child(even) td { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
"""

#: What the report page adds: the overall rates, the chart grid, the dossier lists, printing.
REPORT_CSS: Final = """
nav.summary { display: flex; flex-wrap: wrap; gap: 16px; margin: 24px 0 0; }
nav.summary a { flex: 1 1 220px; display: block; padding: 12px 16px; color: inherit;
  text-decoration: none; border: 1px solid var(--rule); border-left: 6px solid var(--within);
  border-radius: 4px; }
nav.summary .rate, .overall .rate { display: block; font-size: 30px; font-weight: 700;
  line-height: 1.2; font-variant-numeric: tabular-nums; }
nav.summary .what, .overall .what { color: var(--muted); font-size: 14px; }
.overall { display: flex; align-items: baseline; gap: 16px; margin: 4px 0 20px;
  padding: 10px 16px; background: #f3f6f9; border-left: 6px solid var(--within); }
.overall .rate { font-size: 36px; white-space: nowrap; }
nav.summary .rate { white-space: nowrap; }
th .unit { display: block; font-weight: 400; font-size: 12px; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
  gap: 24px 40px; align-items: start; }
.charts figure.sectors { grid-row: span 2; }
table.sectors { border-collapse: collapse; }
table.sectors > thead > tr { background: #eef1f4; }
tbody.sector > tr.late > td { padding: 0 12px 4px 28px; }
/* A sector and its list share one shade; painted on the rows, so no seam between cells. */
table.sectors > tbody.sector > tr > td { background: none !important; }
tbody.sector:nth-of-type(even) > tr { background: #f6f8fa; }
tbody.total th, tbody.total td { border-top: 2px solid #9aa5b1; font-weight: 700;
  background: #eef1f4 !important; }
details summary { cursor: pointer; color: var(--goal); font-size: 13px; }
table.late { margin: 4px 0 8px; font-size: 13px; }
table.late thead th { position: static; background: #f3f6f9; border-bottom: 1px solid #9aa5b1; }
table.late tbody tr:nth-child(even) td { background: #f9fafb; }
table.report th, table.report td { padding: 4px 8px; }
p.note { color: var(--muted); font-size: 13px; margin: 4px 0 0; max-width: 900px; }

@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { padding: 0; font-size: 10pt; }
  main { max-width: none; }
  h1, h2, h3, summary, .overall, p.limit { break-after: avoid; page-break-after: avoid; }
  figure, svg.chart, .overall, nav.summary a, tr:not(.late), tbody.total
    { break-inside: avoid; page-break-inside: avoid; }
  /* A sector's row stays with the start of its list; a long list then runs on. */
  tbody.sector > tr:first-child { break-after: avoid; page-break-after: avoid; }
  section.engagement, section.detail { break-before: page; page-break-before: always; }
  h2 { border-top: none; margin-top: 0; }
  /* Small enough that an engagement's heading, overall rate and three charts share a page. */
  .charts { grid-template-columns: 115mm 115mm; gap: 4mm 12mm; }
  svg.chart { max-width: 110mm; }
  p.legend { margin: 0; }
  thead th { position: static; }
  table { font-size: 9pt; }
  th, td { padding: 2px 8px; }
  details summary { color: var(--ink); list-style: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
/* Printing opens every dossier list (browsers that know ::details-content, e.g. Chromium
   131 and later): a list closed on screen still shows on paper. */
@media print { details::details-content { content-visibility: visible; display: block; } }
"""
