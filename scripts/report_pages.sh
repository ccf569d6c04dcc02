#!/usr/bin/env bash
# Page images of a council report and a school report for the README (docs/images/*.png).
#
#   scripts/report_pages.sh data/reports/2015-16/S12000005   # pages of rendered reports (e.g. after make demo)
#   scripts/report_pages.sh sample                           # render the sample tables' reports first
#
# Pages are found by their content, not by number: the cover, the pages that the contents list for
# "Summary of key findings" and "Need and services", and the page with Figure 1 (the first domain's
# charts, or the school's wellbeing at a glance). OUT (docs/images) and DPI (72) may be set in the
# environment; SCHOOL=<seed_code> picks the school (default: the first in schools/). Needs poppler-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:?usage: scripts/report_pages.sh REPORTS_FOLDER|sample}"
out="${OUT:-docs/images}"
dpi="${DPI:-72}"
mkdir -p "$out"

if [ "$src" = sample ]; then
  src="$(mktemp -d)/reports"
  # -c, not a here-document: the spawned rendering workers re-import __main__ from a real path or none.
  SOURCE_DATE_EPOCH=946684800 .venv/bin/python -c '
import sys
from pathlib import Path

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.sample_tables import sample_published

tables = sample_published("2015-16", "S12000005", previous_wave="2012-13")
build_reports(tables, Path(sys.argv[1]), ReportSettings(run_id="sample"), pool=RENDER_POOLS.get(2))
RENDER_POOLS.close()
' "$src"
fi

council="$src/council_report.pdf"
school="$src/schools/${SCHOOL:-$(ls "$src/schools" | grep '\.pdf$' | sort | head -1 | sed 's/\.pdf$//')}.pdf"
[ -f "$council" ] && [ -f "$school" ] || { echo "no council_report.pdf or school report under $src" >&2; exit 2; }

listed_page() {  # page number that the contents page (page 2) gives for a chapter title
  pdftotext -f 2 -l 2 -layout "$1" - | grep -m1 -E "^ *$2[ .]+[0-9]+ *\$" | grep -o '[0-9]\+ *$' | tr -d ' '
}
figure_page() {  # first page that carries Figure 1
  local pages p
  pages=$(pdfinfo "$1" | awk '/^Pages:/ {print $2}')
  for p in $(seq 1 "$pages"); do
    pdftotext -f "$p" -l "$p" "$1" - | grep -q '^Figure 1\.' && { echo "$p"; return; }
  done
}
page() {  # page image NAME of PDF page P
  [ -n "$3" ] || { echo "$1: page not found in $2" >&2; exit 2; }
  pdftoppm -r "$dpi" -png -f "$3" -l "$3" -singlefile "$2" "$out/$1"
  echo "$out/$1.png: page $3 of $2 ($(($(stat -c %s "$out/$1.png") / 1024)) KB)"
}

page council_cover "$council" 1
page council_key_findings "$council" "$(listed_page "$council" 'Summary of key findings')"
page council_domain_charts "$council" "$(figure_page "$council")"
page council_need_and_services "$council" "$(listed_page "$council" 'Need and services')"
page school_summary "$school" "$(listed_page "$school" 'Summary')"
page school_at_a_glance "$school" "$(figure_page "$school")"
