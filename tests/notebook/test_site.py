"""``make site``: the static site builds from the committed notebooks and pages, and a real browser
(Debian's chromium, driven by selenium through chromedriver) loads its figures and follows its links."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from hybridlib.notebook.site import build, pages

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build(out)
    return out


def test_every_page_is_built_with_a_link_to_every_other(site):
    targets = [p.target for p in pages()]
    assert "index.html" in targets and "REPORT.html" in targets
    assert any(t.startswith("notebooks/variants/") for t in targets), "the cross-dataset variants are missing"
    for t in targets:
        text = (site / t).read_text()
        assert text.count("<nav>") == 1, f"{t}: no navigation bar"
        assert "/work/" not in text and "/root/" not in text, f"{t}: a machine path leaked into the page"


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
    ):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _images_loaded(driver) -> list[tuple[str, int]]:
    return driver.execute_script(
        "return Array.from(document.images).map(i => [i.src.slice(0, 80), i.complete ? i.naturalWidth : 0]);"
    )


@pytest.mark.parametrize("target", ["index.html", "notebooks/03_main_results.html"])
def test_a_browser_loads_the_figures_and_the_navigation_resolves(site, browser, target):
    browser.get((site / target).as_uri())
    images = _images_loaded(browser)
    assert images, f"{target}: no figure on the page"
    broken = [src for src, width in images if width <= 0]
    assert not broken, f"{target}: figures that did not load in Chromium: {broken}"
    hrefs = browser.execute_script("return Array.from(document.querySelectorAll('nav a')).map(a => a.href);")
    assert len(hrefs) == len(pages()), f"{target}: the navigation should link every page"
    missing = [h for h in hrefs if not Path(unquote(urlparse(h).path)).exists()]
    assert not missing, f"{target}: navigation links to pages that were not built: {missing}"
    browser.get(hrefs[1])  # follow one link: the report opens
    assert browser.title == "Report", f"following the navigation from {target} reached {browser.title!r}"
