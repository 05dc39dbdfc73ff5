"""End-to-end: the dashboard in headless Chromium (Debian's chromium and chromium-driver), offline.

1. Standalone (the app `postureflow dashboard` serves):
The app serves a demo lake (scanned by the real engine on moto) with uvicorn on 127.0.0.1. Chromium
may not resolve any other host, so a page that needed a CDN would break. The test follows the path a
user takes: overview -> compliance (the SVG trend chart is drawn) -> a framework's failing
requirement -> its failing findings -> a finding's page; then searches the explorer and opens the
changes page. No page may log a console error (a blocked script or style would).

2. Inside Airflow: a real `airflow api-server` with the project's plugins folder; a viewer logs in to
the Airflow UI, opens Browse > Posture and gets the dashboard in the UI's frame (authenticated by the
UI's cookie).

Screenshots of each step go to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from postureflow.dashboard import create_app
from postureflow.dashboard.demo_lake import build_demo_lake

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install -y chromium chromium-driver",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard over the demo lake, served by uvicorn on 127.0.0.1 in a thread; stopped at the end."""
    import uvicorn

    demo = build_demo_lake(tmp_path_factory.getbasetemp() / "dashboard-demo-lake")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(demo.path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, name="dashboard-uvicorn", daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert thread.is_alive() and time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", demo
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install selenium==4.51.0)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="postureflow-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--disable-extensions", "--window-size=1400,1000",
                 f"--user-data-dir={profile}",
                 # offline: no host but the loopback address resolves, so nothing can come from a CDN
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver path is explicit, so Selenium Manager never downloads anything.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Journey:
    """Drives the browser, collects console messages, saves a screenshot at every step."""

    def __init__(self, driver) -> None:
        self.driver = driver
        self.errors: list[tuple[str, str]] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def settle(self, step: str) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
        for entry in self.driver.get_log("browser"):
            if entry["level"] in ("SEVERE", "ERROR"):
                self.errors.append((step, entry["message"]))
        self.driver.save_screenshot(str(SCREENSHOTS / f"{step}.png"))

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def click(self, element, step: str) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        self.settle(step)


def test_overview_to_a_failing_finding(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    base, demo = server
    j = Journey(browser)

    browser.get(base + "/")
    j.settle("01-overview")
    assert f"Account {demo.account_id}" in browser.find_element(By.TAG_NAME, "h2").text
    failing = int(j.css(".pill.fail b")[0].text.replace(",", ""))
    assert failing > 0

    j.click(browser.find_element(By.LINK_TEXT, "Compliance"), "02-compliance")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#trend-chart svg .series"))
    trend = json.loads(browser.find_element(By.ID, "trend-data").get_attribute("textContent"))
    assert len(j.css("#trend-chart svg .series")) == len(trend) > 0
    drawn = sum(1 for s in trend for p in s["points"] if p[1] is not None)
    assert len(j.css("#trend-chart svg .series circle")) == drawn > 0
    assert j.css("#trend-chart svg .legend text")
    j.settle("02-compliance")  # after the chart is drawn

    rows = [r for r in j.css("#frameworks tbody tr") if r.find_elements(By.CSS_SELECTOR, "td a.fail")]
    assert rows, "some framework has failing requirements"
    label = rows[0].find_element(By.CSS_SELECTOR, "a.framework-link").text
    j.click(rows[0].find_element(By.CSS_SELECTOR, "a.framework-link"), "03-framework")
    assert label in browser.find_element(By.TAG_NAME, "h1").text
    failing_reqs = j.css("#requirements tr.req-fail")
    assert failing_reqs
    statuses = [r.get_attribute("class") for r in j.css("#requirements tbody tr")]
    assert statuses[: len(failing_reqs)] == ["req req-fail"] * len(failing_reqs), "failing requirements first"

    link = next(r.find_element(By.CSS_SELECTOR, "a.failing-findings") for r in failing_reqs
                if r.find_elements(By.CSS_SELECTOR, "a.failing-findings"))
    expected = int(link.text.replace(",", ""))
    j.click(link, "04-failing-findings")
    assert "Findings" in browser.title
    count_text = browser.find_element(By.ID, "result-count").text
    assert f"of {expected:,} findings" in count_text, count_text
    assert {s.text for s in j.css("#findings tbody .st")} == {"FAIL"}

    j.click(j.css("#findings a.finding-link")[0], "05-finding")
    assert j.css("#status-text") and j.css("#status-text")[0].text
    remediation = browser.find_element(By.CSS_SELECTOR, "#remediation .remediation").text
    assert remediation and remediation != "–"
    history = j.css("#history tbody tr")
    assert len(history) == len(demo.days)

    # the explorer's free-text search and the changes page
    browser.get(base + "/findings")
    j.settle("06-findings")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(demo.new_bucket, Keys.ENTER)
    j.settle("07-search")
    resources = {a.text for a in j.css("#findings a.finding-link")}
    assert resources == {demo.new_bucket}
    assert "q=" in browser.current_url and "account=" not in browser.current_url  # empty fields left out

    browser.get(base + "/changes")
    j.settle("08-changes")
    assert demo.new_bucket in browser.find_element(By.ID, "new").text
    assert demo.fixed_bucket in browser.find_element(By.ID, "resolved").text

    assert j.errors == [], f"console errors: {j.errors}"
    for step in ("01-overview", "02-compliance", "03-framework", "05-finding", "08-changes"):
        assert (SCREENSHOTS / f"{step}.png").stat().st_size > 5000


# -- inside the Airflow UI ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def airflow_ui(tmp_path_factory):
    """`airflow api-server` on 127.0.0.1 (its own home, SQLite, the project's plugins), over the demo lake."""
    from postureflow.airflow_env import airflow_env

    demo = build_demo_lake(tmp_path_factory.getbasetemp() / "dashboard-demo-lake")
    home = tmp_path_factory.mktemp("airflow-ui-home")
    env = airflow_env(home, demo.path)
    env.update({
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "viewer:viewer",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
    })
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=300)
    port = free_port()
    log = open(home / "api-server.log", "wb")
    process = subprocess.Popen([airflow, "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert process.poll() is None, (home / "api-server.log").read_text()[-3000:]
            assert time.time() < deadline, "the API server did not start in 120 s"
            try:
                urllib.request.urlopen(f"{base}/postureflow/", timeout=2)
            except urllib.error.HTTPError as err:
                if err.code == 401:  # up, and the plugin refuses an anonymous request
                    break
            except OSError:
                pass
            time.sleep(0.5)
        passwords = home / "simple_auth_manager_passwords.json.generated"
        yield base, demo, json.loads(passwords.read_text())["viewer"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and the worker it started, nothing else
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def test_dashboard_inside_the_airflow_ui(airflow_ui, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, demo, password = airflow_ui
    j = Journey(browser)
    browser.delete_all_cookies()
    browser.get(base + "/postureflow/")
    assert "Not authenticated" in browser.page_source  # no Airflow session, no dashboard
    browser.get_log("browser")  # that expected 401 is not an error of the journey below
    browser.get(base + "/")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.NAME, "username"))
    browser.find_element(By.NAME, "username").send_keys("viewer")
    browser.find_element(By.NAME, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    menu = "//*[normalize-space(text())='Browse']"
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.XPATH, menu))
    browser.find_element(By.XPATH, menu).click()
    entry = "//*[normalize-space(text())='Posture']"
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.XPATH, entry))
    browser.find_element(By.XPATH, entry).click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.TAG_NAME, "iframe"))
    assert browser.current_url.endswith("/plugin/postureflow")
    frame = browser.find_element(By.TAG_NAME, "iframe")
    assert frame.get_attribute("src").rstrip("/").endswith("/postureflow")
    browser.switch_to.frame(frame)
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "section.account h2"))
    assert f"Account {demo.account_id}" in browser.find_element(By.CSS_SELECTOR, "section.account h2").text
    assert "viewer" in browser.find_element(By.CSS_SELECTOR, "header .meta").text
    browser.find_element(By.LINK_TEXT, "Findings").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "findings"))
    assert browser.find_elements(By.CSS_SELECTOR, "#findings a.finding-link")
    browser.switch_to.default_content()
    j.settle("09-airflow-ui-posture")
    # The Airflow UI logs its own messages; the dashboard's requests must not fail.
    ours = [m for step, m in j.errors if "/postureflow/" in m]
    assert ours == [], ours


# -- triage and inventory search (issue 16) --------------------------------------------------------


def test_finding_triage_and_inventory_search(server, browser, tmp_path, monkeypatch):
    """A failing bucket's page shows its inventory record, its other findings and the mute entry; the
    inventory search finds resources by a field value and by a tag."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from postureflow.lake import Lake
    from postureflow.sql.views import connect

    base, demo = server
    j = Journey(browser)
    con = connect(Lake(demo.path))
    account, service, uid, resource_id = con.sql("""
        SELECT account_id, service, finding_uid, resource_id FROM latest_findings f
        WHERE service = 's3' AND status = 'FAIL' AND resource_type = 'AwsS3Bucket'
          AND (SELECT count(*) FROM latest_findings o WHERE o.resource_uid = f.resource_uid) > 1
        ORDER BY finding_uid LIMIT 1""").fetchall()[0]
    others = con.sql("SELECT count(*) FROM latest_findings o JOIN latest_findings f USING (resource_uid) "
                     "WHERE f.finding_uid = $u AND o.finding_uid <> $u", params={"u": uid}).fetchall()[0][0]
    instance_type = con.sql("SELECT data->>'instance_type' FROM latest_inventory WHERE kind = 'instances' "
                            "AND service = 'ec2' LIMIT 1").fetchall()[0][0]
    con.close()

    browser.get(f"{base}/findings/{account}/{service}/{uid}")
    j.settle("09-finding-triage")
    record = browser.find_element(By.ID, "inventory-record").text
    assert "Inventory record" in record and "buckets" in record and "versioning" in record
    assert len(j.css("#other-findings tbody tr")) == others > 0
    entry = browser.find_element(By.ID, "mute-entry").text
    assert entry.startswith("Mutelist:") and account in entry and resource_id in entry
    j.click(j.css("#other-findings tbody a")[0], "10-other-finding")
    assert j.css("#inventory-record")

    browser.get(base + "/inventory")
    j.settle("11-inventory")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(instance_type, Keys.ENTER)
    j.settle("12-inventory-search")
    rows = j.css("#inventory-results tbody tr")
    assert rows and all("instance_type" in r.text for r in rows)
    browser.get(base + "/inventory?q=pf-demo%3Diam")
    j.settle("13-inventory-tag")
    assert j.css("#inventory-results tbody tr") and "tag:pf-demo" in browser.find_element(By.ID, "inventory-results").text

    assert j.errors == [], f"console errors: {j.errors}"
    for step in ("09-finding-triage", "12-inventory-search"):
        assert (SCREENSHOTS / f"{step}.png").stat().st_size > 5000
