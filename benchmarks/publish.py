"""Benchmark: the published site's lookup on a throttled CPU (target: an answer within 100 ms of
the station map being loaded, on a mid-range phone).

Opens ``SITE/ELECTION/index.html`` from the folder in headless Chromium with the CPU slowed
down RATE times (Chrome DevTools' ``Emulation.setCPUThrottlingRate``; 4x is Lighthouse's
"mid-tier mobile"), then types LOOKUPS station numbers drawn from the map itself (seeded) and
times each answer inside the page (``performance.now()`` around the input event, which renders
the answer synchronously). Prints the time until the page and its map are loaded
(DOMContentLoaded), the median and worst answer, and the ratio to a baseline measured in the
same page: an input event with an empty field (the cost of the event itself, nothing looked up).
Also prints the election's size as the 5 MB bound counts it: ``du -sb SITE/ELECTION`` plus the
site's shared files, and what its report figures take per language.

    .venv/bin/smartvote publish site/ russia-duma-2021 ...
    .venv/bin/python benchmarks/publish.py site/ [--election russia-duma-2021] [--rate 4]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
from pathlib import Path

from playwright.sync_api import sync_playwright

MEASURE = """([region, number]) => {
  const r = document.getElementById("region"), n = document.getElementById("number");
  r.value = region; n.value = number;
  const t0 = performance.now();
  n.dispatchEvent(new Event("input"));
  const text = document.getElementById("answer").textContent;
  return [performance.now() - t0, text.length];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--election", default="russia-duma-2021")
    parser.add_argument("--rate", type=float, default=4.0, help="CPU slow-down factor")
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()
    page_path = (args.site / args.election / "index.html").resolve()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 360, "height": 740})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.rate})
        page.goto(page_path.as_uri())
        # the map is a synchronous script: parsed and run before DOMContentLoaded
        load = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        runs = page.evaluate("window.SMARTVOTE_STATIONS")
        rng = random.Random(1)
        cases = []
        for _ in range(args.lookups):
            region = rng.choice(list(runs))
            flat = runs[region]
            i = 3 * rng.randrange(len(flat) // 3)
            cases.append((region, str(rng.randint(flat[i], flat[i + 1]))))
        baseline = [page.evaluate(MEASURE, [region, ""])[0] for region, _ in cases[:50]]
        times = []
        for case in cases:
            elapsed, length = page.evaluate(MEASURE, list(case))
            assert length > 0, case
            times.append(elapsed)
        browser.close()
    size = (args.site / args.election / "stations.js").stat().st_size
    folder = args.site / args.election
    du = int(
        subprocess.run(["du", "-sb", folder], capture_output=True, text=True, check=True).stdout.split()[0]
    )
    shared = sum(p.stat().st_size for p in args.site.iterdir() if p.is_file())
    figures = {"ru": 0, "en": 0}
    for png in folder.glob("*.png"):
        figures["en" if png.name.endswith(".en.png") else "ru"] += png.stat().st_size
    print(json.dumps({
        "election": args.election,
        "du_sb_election_plus_shared_bytes": du + shared,
        "figure_bytes_per_language": figures,
        "cpu_slowdown": args.rate,
        "stations_js_bytes": size,
        "page_and_map_loaded_ms": round(load, 1),
        "lookups": len(times),
        "answer_median_ms": round(statistics.median(times), 2),
        "answer_max_ms": round(max(times), 2),
        "baseline_empty_input_median_ms": round(statistics.median(baseline), 2),
        "ratio_to_baseline": round(statistics.median(times) / max(statistics.median(baseline), 1e-3), 1),
    }, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
