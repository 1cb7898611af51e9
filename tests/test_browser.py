"""A person in a browser: headless Chromium (Debian's, driven by selenium with an explicit path) follows links
from the home page to a cohort, a member, its licence, and runs a query from the query list.

Screenshots go to test-artifacts/. Chromium and chromedriver are installed by `make test` (Debian packages);
if they are missing this test fails -- it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from opendata_graph import paths

from .servers import odg_server

ARTIFACTS = paths.ROOT / "test-artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "chromium/chromedriver missing: run `make tools`"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[str]:
    with odg_server(dist) as url:
        yield url


def wait_for(driver: object, css: str) -> list:  # type: ignore[type-arg]
    """The elements matching ``css`` once the page that has them has loaded."""
    from selenium.webdriver.common.by import By

    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))  # type: ignore[arg-type]
    return driver.find_elements(By.CSS_SELECTOR, css)  # type: ignore[attr-defined, no-any-return]


def test_follow_links_from_home_to_a_licence(browser: object, server: str) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server + "/")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "opendata-graph release"  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "home.png"))  # type: ignore[attr-defined]
    driver.find_element(By.PARTIAL_LINK_TEXT, "Second cohort").click()  # type: ignore[attr-defined]  # featured
    assert "Second cohort" in driver.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "cohort.png"))  # type: ignore[attr-defined]
    driver.find_elements(By.LINK_TEXT, "OpenStreetMap Foundation")[0].click()  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "OpenStreetMap Foundation"  # type: ignore[attr-defined]
    assert driver.current_url == server + "/organisation/openstreetmap-foundation"  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "organisation.png"))  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, "Open Database License (ODbL) 1.0").click()  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "Open Database License (ODbL) 1.0"  # type: ignore[attr-defined]
    assert "http://spdx.org/licenses/ODbL-1.0" in driver.page_source  # type: ignore[attr-defined]
    driver.save_screenshot(str(ARTIFACTS / "licence.png"))  # type: ignore[attr-defined]


def test_run_a_query_from_the_query_list(browser: object, server: str) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server + "/queries.html")  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, 'button[aria-label="Run People and their roles"]').click()  # type: ignore[attr-defined]
    rows = wait_for(driver, "#results tbody tr")
    assert len(rows) == 9
    assert rows[0].find_element(By.TAG_NAME, "td").text == "Tim Robertson"
    driver.save_screenshot(str(ARTIFACTS / "query.png"))  # type: ignore[attr-defined]
    textarea = driver.find_element(By.ID, "q")  # type: ignore[attr-defined]
    textarea.clear()
    textarea.send_keys("SELECT ?name WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?name } ORDER BY ?name LIMIT 3")
    old = driver.find_element(By.ID, "results")  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 20).until(staleness_of(old))
    cells = [c.text for c in wait_for(driver, "#results tbody td")]
    assert cells == ["Guillaume Rischard", "James McKinney", "Jeni Tennison"]
