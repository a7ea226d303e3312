"""`loopkit explore` on the big real maps: build time, page size, and the page in a browser.

Run from the repository root (the maps are read from ../shared/data):

    python benchmarks/explore.py              # 3 runs of each map
    python benchmarks/explore.py --browser    # also load each page in headless Chromium

For each map (the Foresight obesity map, 108 variables; World3, 312 variables,
imported from Vensim) it prints the median time of the whole ``loopkit explore``
process with its default bounds, the page's size, the loops listed and whether
a bound stopped the listing. ``--browser`` adds the time to load the page and
the time the script takes to filter the loop list, search, select a variable
(with its zoom to the neighbourhood) and take one story step.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"


def _maps(folder: Path) -> dict[str, Path]:
    from tests.helpers import foresight_diagram

    from loopkit.interop.yaml_writer import write_yaml

    foresight = folder / "foresight.yaml"
    foresight.write_text(write_yaml(foresight_diagram()), encoding="utf-8")
    world3 = folder / "world3.yaml"
    subprocess.run([sys.executable, "-m", "loopkit", "import",
                    str(SHARED / "sd-models" / "world3" / "wrld3-03.mdl"), "-o", str(world3)],
                   check=True, capture_output=True)
    return {"Foresight": foresight, "World3": world3}


def _browser(page: Path) -> dict[str, float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        started = time.perf_counter()
        driver.get(page.as_uri())
        load = time.perf_counter() - started
        times: dict[str, float] = driver.execute_script("""
            const ms = f => { const t = performance.now(); f(); return performance.now() - t; };
            const q = document.getElementById('q');
            return {
              filter: ms(() => document.getElementById('f-R').click()),
              search: ms(() => { q.value = 'a'; q.dispatchEvent(new Event('input')); }),
              select: ms(() => document.querySelector('#q-results button').click()),
              step: ms(() => { document.querySelector('button[data-act=story]').click();
                               document.getElementById('story-next').click(); }),
            };""")
    finally:
        driver.quit()
    return {"load": load * 1000, **times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loopkit-explore-") as name:
        folder = Path(name)
        for title, diagram in _maps(folder).items():
            page = folder / f"{diagram.stem}.html"
            runs = []
            for _ in range(args.runs):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "loopkit", "explore",
                                       str(diagram), "-o", str(page)],
                                      capture_output=True, text=True)
                runs.append(time.perf_counter() - started)
                assert done.returncode == 0, done.stderr
            text = page.read_text(encoding="utf-8")
            stopped = "yes" if "The loop list is incomplete." in text else "no"
            rows = text.count('<tr class="loop-row"')
            print(f"{title}: {statistics.median(runs):.2f} s (median of {args.runs}), "
                  f"{len(text.encode()) / 1e6:.1f} MB, "
                  f"{rows:,} loops listed, "
                  f"bound said on the page: {stopped}")
            if args.browser:
                shown = ", ".join(f"{k} {v:.0f} ms" for k, v in _browser(page).items())
                print(f"  in Chromium: {shown}")


if __name__ == "__main__":
    main()
