"""Drives the analytics dashboard in Debian's headless Chromium with Playwright's library.

Usage: dashboard_browser.py URL SCREENSHOT_DIR EXPECTED_CASES DISTRICT DISTRICT_CASES

Checks: the page loads and shows the live figures (EXPECTED_CASES cases), the map draws exactly
13 district paths, choosing DISTRICT in the district filter changes the figures to DISTRICT_CASES
and highlights it on the map, and the English switch translates the page. Screenshots are kept in
SCREENSHOT_DIR (dashboard.png, dashboard-district.png, dashboard-en.png), and the monthly
bulletin printed to PDF (bulletin.pdf).
Prints "dashboard checks passed" and exits 0, or exits 1 with the reason.
"""
import os
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("TEKSIN_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 60_000


def kpi(page, name):
    text = page.inner_text(f"#kpi-{name} b")
    return int("".join(ch for ch in text if ch.isdigit()) or "0")


def main():
    url, shots, expected, district, district_cases = sys.argv[1:6]
    expected, district_cases = int(expected), int(district_cases)
    os.makedirs(shots, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, timeout=TIMEOUT_MS)
        page.wait_for_selector("body[data-updates]", timeout=TIMEOUT_MS)
        paths = page.locator("svg#map path.district")
        if paths.count() != 13:
            raise SystemExit(f"the map has {paths.count()} district paths, not 13")
        names = sorted(paths.nth(i).get_attribute("data-district") for i in range(13))
        if district not in names:
            raise SystemExit(f"{district} is not on the map: {names}")
        # The live figures arrive by polling: wait until every case is shown.
        page.wait_for_function(
            f"() => Number(document.querySelector('#kpi-cases b').textContent.replace(/\\D/g, '')) === {expected}",
            timeout=TIMEOUT_MS)
        coloured = [p for p in names
                    if float(page.get_attribute(f'svg#map path[data-district="{p}"]', "data-value") or 0) > 0]
        if not coloured:
            raise SystemExit("no district is coloured on the map")
        page.screenshot(path=os.path.join(shots, "dashboard.png"), full_page=True)

        before = kpi(page, "cases")
        page.select_option("#f-district", district)
        page.wait_for_function(
            f"() => document.body.dataset.filters.includes('district=') && "
            f"Number(document.querySelector('#kpi-cases b').textContent.replace(/\\D/g, '')) === {district_cases}",
            timeout=TIMEOUT_MS)
        after = kpi(page, "cases")
        if after == before:
            raise SystemExit(f"the district filter did not change the figures ({before})")
        if "selected" not in (page.get_attribute(f'svg#map path[data-district="{district}"]', "class") or ""):
            raise SystemExit(f"{district} is not highlighted on the map")
        if page.inner_text("#drill-name") != district:
            raise SystemExit("the drill-down does not show the district")
        page.screenshot(path=os.path.join(shots, "dashboard-district.png"), full_page=True)

        page.click("#lang")
        page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=TIMEOUT_MS)
        if "Requests dashboard" not in page.inner_text("header h1"):
            raise SystemExit("the English switch did not translate the title")
        page.screenshot(path=os.path.join(shots, "dashboard-en.png"), full_page=True)
        if errors:
            raise SystemExit(f"script errors on the page: {errors}")

        # The monthly bulletin, printed to PDF as a clerk would from the browser.
        bulletin = browser.new_page()
        base = url.split("/dashboard/")[0]
        bulletin.goto(f"{base}/v1/bulletin?lang=tr", timeout=TIMEOUT_MS)
        if "Aylık Başvuru Bülteni" not in bulletin.inner_text("h1"):
            raise SystemExit("the bulletin has no title")
        if district not in bulletin.inner_text("body"):
            raise SystemExit(f"the bulletin does not list {district}")
        bulletin.pdf(path=os.path.join(shots, "bulletin.pdf"), format="A4", print_background=True)
        browser.close()
    print(f"dashboard checks passed: 13 districts, {expected} cases, {district} {district_cases}")


if __name__ == "__main__":
    main()
