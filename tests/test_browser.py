"""A person in a browser: headless Chromium (Debian's, driven by selenium with an explicit path) follows links
from the home page to a cohort, a member, its licence, and runs a query from the query list.

Screenshots go to test-artifacts/. Chromium and chromedriver are installed by `make test` (Debian packages);
if they are missing this test fails -- it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from opendata_graph.core import paths

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
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # every request, for the offline test
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
    # the vendored SPARQL editor (YASQE) over the form: highlighted, typed into, Ctrl+Enter runs the query
    wait_for(driver, ".CodeMirror .cm-keyword")
    assert driver.find_element(By.ID, "q").get_attribute("hidden") is not None  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, ".CodeMirror-lines").click()  # type: ignore[attr-defined]
    keys = ActionChains(driver)  # type: ignore[arg-type]
    keys.key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE)
    keys.send_keys("SELECT ?name WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?name } ORDER BY ?name LIMIT 3")
    keys.perform()
    assert driver.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-atom")  # type: ignore[attr-defined]
    old = driver.find_element(By.ID, "results")  # type: ignore[attr-defined]
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()  # type: ignore[arg-type]
    WebDriverWait(driver, 20).until(staleness_of(old))
    cells = [c.text for c in wait_for(driver, "#results tbody td")]
    assert cells == ["Guillaume Rischard", "James McKinney", "Jeni Tennison"]
    # nothing fetched from anywhere but this server (no CDN, no prefix or vocabulary service)
    fetched = driver.execute_script(  # type: ignore[attr-defined]
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(f.endswith("/static/yasqe.min.js") for f in fetched)
    assert [f for f in fetched if not f.startswith(server)] == []


AXE = paths.ROOT / ".venv" / "axe-core" / "axe.min.js"
#: Every kind of page a person opens, each screenshot at desktop and phone width and checked by axe-core
#: ("search": the home page's search box with the hits for its own example typed in).
PAGES = {"home": "/", "cohort": "/cohort/cohort-2", "gbif": "/organisation/gbif", "licence": "/licence/odbl-1-0",
         "person": "/person/jeni-tennison", "dataset": "/dataset/gbif-occurrence-index",
         "class-index": "/organisation", "search": "/", "changes": "/changes", "not-found": "/no/such/page",
         "ontology": "/ontology",
         "query": "/query?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Chttp%3A%2F%2Fwww.w3.org%2Fns%2Forg%23"
                  "Organization%3E%20%7D%20LIMIT%205", "tombstone": "/dataset/wikirate-data"}
WIDTHS = {"desktop": (1366, 1000), "phone": (390, 844)}


@pytest.fixture(scope="module")
def with_tombstone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A release of a copy of the data with one record withdrawn, served: for the tombstone page."""
    import shutil

    from click.testing import CliRunner

    from opendata_graph.cli import cli

    root = tmp_path_factory.mktemp("tombstone")
    shutil.copytree(paths.data_dir(), root / "data")
    (root / "data" / "datasets" / "wikirate-data.yaml").write_text(
        "id: wikirate-data\nname: WikiRate open database of company data\nstatus: withdrawn\n"
        "reason: Test of a withdrawal.\ndate: 2026-12-02\n", encoding="utf-8")
    built = CliRunner().invoke(cli, ["build", f"--data={root / 'data'}", f"--dist={root / 'dist'}", "--no-cache"])
    assert built.exit_code == 0, built.output
    with odg_server(root / "dist") as url:
        yield url


def test_pages_pass_an_accessibility_check_at_desktop_and_phone_width(browser: object, with_tombstone: str) -> None:
    """axe-core 4.14 (fetched by `make test`) in headless Chromium: no serious or critical violation on the pages
    people open first; the screenshots go to test-artifacts/."""
    from selenium.webdriver.common.by import By

    assert AXE.is_file(), "axe-core is missing: `make test` fetches it (make .venv/axe-core/axe.min.js)"
    driver = browser
    found = []
    for name, path in PAGES.items():
        for width_name, (width, height) in WIDTHS.items():
            driver.set_window_size(width, height)  # type: ignore[attr-defined]
            driver.get(with_tombstone + path)  # type: ignore[attr-defined]
            wait_for(driver, "h1")
            if name == "search":
                driver.find_element(By.ID, "search").send_keys("CC BY")  # type: ignore[attr-defined]
                wait_for(driver, "#hits li a")
            if name == "query":
                wait_for(driver, "#results tbody td")
            driver.save_screenshot(str(ARTIFACTS / f"page-{name}-{width_name}.png"))  # type: ignore[attr-defined]
            driver.execute_script(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
            violations = driver.execute_async_script(  # type: ignore[attr-defined]
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
                "v => [v.id, v.impact, v.nodes.length, v.nodes[0].target.join(' ')])));")
            found += [f"{name} ({width_name}): {v[0]} ({v[1]}, {v[2]} nodes, e.g. {v[3]})" for v in violations
                      if v[1] in ("serious", "critical")]
            if width_name == "phone":  # nothing wider than the screen: no sideways scrolling
                overflow = driver.execute_script(  # type: ignore[attr-defined]
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 0:
                    found.append(f"{name} (phone): {overflow} px wider than the screen")
    driver.set_window_size(*WIDTHS["desktop"])  # type: ignore[attr-defined]
    assert found == []


def test_the_home_page_explains_the_network_and_searches_every_name(browser: object, server: str) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server + "/")  # type: ignore[attr-defined]
    wait_for(driver, "h1")
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]  # type: ignore[attr-defined]
    assert {"The cohorts", "Licences in use", "Everything, by kind"} <= set(headings), headings
    cohorts = [h.text for h in driver.find_elements(By.TAG_NAME, "h3")]  # type: ignore[attr-defined]
    assert any(t.startswith("Second cohort") for t in cohorts), cohorts
    box = driver.find_element(By.ID, "search")  # type: ignore[attr-defined]
    box.send_keys("wikim")  # an alternative name's beginning is enough
    hits = WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hits li a"))  # type: ignore[arg-type]
    assert hits[0].text == "Wikimedia Foundation"  # a name starting with the text comes first
    hits[0].click()
    WebDriverWait(driver, 10).until(lambda d: "Wikimedia" in d.find_element(By.TAG_NAME, "h1").text)  # type: ignore[attr-defined]
    assert driver.current_url == server + "/organisation/wikimedia-foundation"  # type: ignore[attr-defined]


def test_a_static_site_with_an_endpoint_queries_it_live(browser: object, server: str, dist: Path,
                                                        tmp_path: Path) -> None:
    """``odg site --endpoint``: the static query page's form asks the endpoint (CORS) and shows the answer as a
    table whose IRIs link into the site; an example query file opens in the editor."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from selenium.webdriver.common.by import By

    from opendata_graph.core.namespaces import DEFAULT_BASE
    from opendata_graph.web.site import export

    out = tmp_path / "site"
    export(dist, out, DEFAULT_BASE, paths.queries_dir(), endpoint=server + "/sparql")
    quiet = type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    static = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=str(out)))
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        driver = browser
        site = f"http://127.0.0.1:{static.server_address[1]}"
        driver.get(site + "/query.html")  # type: ignore[attr-defined]
        example = wait_for(driver, "main ul.columns a")[0]
        assert example.get_attribute("href").startswith(site + "/query.html?query=")
        example.click()
        wait_for(driver, ".CodeMirror .cm-keyword")
        assert "Recorded ambiguities" in driver.execute_script("return window.odgEditor.getValue()")  # type: ignore[attr-defined]
        driver.execute_script("window.odgEditor.setValue(arguments[0])",  # type: ignore[attr-defined]
                              "SELECT ?cohort WHERE { ?cohort a <https://w3id.org/opendata-graph/ontology#Cohort> }")
        driver.find_element(By.CSS_SELECTOR, "#query-form button[type=submit]").click()  # type: ignore[attr-defined]
        cells = wait_for(driver, "#live-results table td")
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#live-results td a")]  # type: ignore[attr-defined]
        assert len(cells) == 2 and sorted(links) == [f"{site}/cohort/cohort-1.html", f"{site}/cohort/cohort-2.html"]
    finally:
        static.shutdown()
        static.server_close()


def test_every_example_the_search_box_gives_finds_something(browser: object, server: str) -> None:
    """The placeholder's examples (e.g. "CC BY", a licence's name on its SPDX IRI) each find a record."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server + "/")  # type: ignore[attr-defined]
    box = wait_for(driver, "#search")[0]
    examples = [e.strip() for e in box.get_attribute("placeholder").removeprefix("e.g.").split(",")]
    assert "CC BY" in examples, examples
    for example in examples:
        box.clear()
        box.send_keys(example)
        hits = WebDriverWait(driver, 10).until(  # type: ignore[arg-type]
            lambda d: d.find_elements(By.CSS_SELECTOR, "#hits li"))
        assert hits, f"the search box's own example {example!r} finds nothing"
    box.clear()
    box.send_keys("cc-by-sa")  # hyphens and spaces alike
    hits = WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#hits li"))  # type: ignore[arg-type]
    assert all("(licence)" in h.text for h in hits) and len(hits) >= 2, [h.text for h in hits]


def test_the_search_index_holds_every_licence_by_its_names(dist: Path) -> None:
    from pyoxigraph import RdfFormat, Store

    from opendata_graph.core.namespaces import DEFAULT_BASE
    from opendata_graph.web.pages import Site

    store = Store()
    store.load(path=str(dist / "opendata-graph.nt"), format=RdfFormat.N_TRIPLES)
    index = Site(store, DEFAULT_BASE).search_index()
    licences = {e["href"]: e["names"] for e in index if e["kind"] == "licence"}
    files = sorted((paths.data_dir() / "licences").glob("*.yaml"))
    assert len(licences) == len(files), sorted(licences)
    cc_by = next(names for href, names in licences.items() if str(href).endswith("licence/cc-by-4-0"))
    assert {"CC BY 4.0", "CC-BY-4.0"} <= set(cc_by), cc_by  # its label and its SPDX id


def requests_made(driver: object) -> list[str]:
    """The URLs the browser asked for since the last call (Chromium's performance log, Network domain)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_no_page_asks_anything_of_another_origin(browser: object, server: str) -> None:
    """Nothing from elsewhere: every kind of page, and the query editor while one types a class and a property
    (YASQE's own autocompleters ask an outside vocabulary service), asks only the page's own origin."""
    from selenium.webdriver.common.by import By

    driver = browser
    requests_made(driver)
    for path in ("/", "/organisation/gbif", "/person/tim-robertson", "/licence/cc-by-4-0", "/cohort/cohort-2",
                 "/organisation", "/changes", "/queries", "/ontology", "/no-such-page"):
        driver.get(server + path)  # type: ignore[attr-defined]
        wait_for(driver, "h1")
    driver.get(server + "/sparql")  # type: ignore[attr-defined]
    editor = wait_for(driver, ".CodeMirror")[0]
    editor.click()
    field = driver.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")  # type: ignore[attr-defined]
    for text in ("\nSELECT * WHERE { ?s a foaf:Pers", " . ?s foaf:na", " ?o . ?s schema:"):
        field.send_keys(text)
        field.send_keys(Keys.CONTROL, " ")  # ask for completions
    import time

    time.sleep(1.5)  # the autocompleters ask after a pause in typing
    outside = sorted({u for u in requests_made(driver) if not u.startswith((server, "data:", "blob:", "about:"))})
    assert outside == [], outside


def test_the_editor_completes_from_the_release_and_share_makes_a_link(browser: object, server: str) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server + "/sparql")  # type: ignore[attr-defined]
    wait_for(driver, ".CodeMirror")[0].click()
    field = driver.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")  # type: ignore[attr-defined]
    driver.execute_script(  # type: ignore[attr-defined]
        "odgEditor.setValue('PREFIX org: <http://www.w3.org/ns/org#>\\nSELECT * WHERE { ?s org:memberO');"
        "odgEditor.setCursor(odgEditor.lineCount(), 100);")
    field.send_keys(Keys.CONTROL, " ")
    hints = WebDriverWait(driver, 10).until(  # type: ignore[arg-type]
        lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li"))
    assert "org:memberOf" in [h.text for h in hints], [h.text for h in hints]
    field.send_keys(Keys.ESCAPE)
    driver.find_element(By.CSS_SELECTOR, ".yasqe_share").click()  # type: ignore[attr-defined]
    link = WebDriverWait(driver, 10).until(  # type: ignore[arg-type]
        lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "[class*=share] input, [class*=share] textarea")
                   if "?query=" in (e.get_attribute("value") or "")])
    assert driver.current_url == server + "/sparql"  # type: ignore[attr-defined]  # nothing was submitted
    shared = link[0].get_attribute("value")
    assert shared.startswith(server + "/query?query=PREFIX%20org"), shared
    driver.get(shared)  # type: ignore[attr-defined]  # the link opens the query in the editor
    assert "org:memberO" in driver.execute_script("return odgEditor.getValue()")  # type: ignore[attr-defined]


def test_the_network_and_timeline_read_as_lists_on_a_phone(browser: object, server: str) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    try:
        for width, lists in ((WIDTHS["phone"][0], True), (WIDTHS["desktop"][0], False)):
            driver.set_window_size(width, 900)  # type: ignore[attr-defined]
            driver.get(server + "/")  # type: ignore[attr-defined]
            wait_for(driver, "h1")
            trees = driver.find_elements(By.CSS_SELECTOR, ".narrow ul.tree")  # type: ignore[attr-defined]
            figures = driver.find_elements(By.CSS_SELECTOR, ".wide svg")  # type: ignore[attr-defined]
            assert len(trees) == 2 and len(figures) == 2  # the network and the timeline, each both ways
            assert all(t.is_displayed() == lists for t in trees), width
            assert all(f.is_displayed() != lists for f in figures), width
        links = {a.get_dom_attribute("href") for a in trees[0].find_elements(By.TAG_NAME, "a")}
        figure = {a.get_dom_attribute("href") for a in figures[0].find_elements(By.TAG_NAME, "a")}
        assert {"/organisation/gbif", "/cohort/cohort-2"} <= links
        assert links == figure, "the list and the figure show different nodes"
        assert "held on" in trees[1].get_attribute("textContent") or "until" in trees[1].get_attribute("textContent")
    finally:
        driver.set_window_size(*WIDTHS["desktop"])  # type: ignore[attr-defined]
