"""An analyst drops article files on the ingest page in a real Chromium and follows each
one to its outcome; without JavaScript the plain form still uploads."""

import io

import pytest
from django.core.management import call_command

from sources.models import IngestedFile
from tests.browser.conftest import log_in
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = REPO / "samples" / "articles"
ORIGINAL = SAMPLES / "01_sdf_accuses_division86_tabqa.txt"
# Sample 02 re-publishes sample 01 almost word for word.
REPUBLISHED = SAMPLES / "02_sy24_republishes_tabqa_clash.txt"
SETTLED = """() => {
  const items = [...document.querySelectorAll('#ingest-queue .ingest-item')];
  const over = ['done', 'duplicate', 'failed'];
  return items.length > 0 && items.every(i => over.includes(i.dataset.status));
}"""


@pytest.fixture
def empty_site(live_server):
    """The demo's registry and users, but no article received yet."""
    call_command("load_registry", stdout=io.StringIO())
    call_command("demo_users", stdout=io.StringIO())
    return live_server.url


def item(page, name: str):
    return page.locator("#ingest-queue .ingest-item", has_text=name)


def test_an_analyst_drops_files_and_sees_each_ones_outcome(page, empty_site, screenshot, tmp_path):
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, empty_site, "analyst")
    page.goto(f"{empty_site}/ingest/")
    assert page.locator("[data-ingest-submit]").is_hidden(), "the script drives the uploads"

    # Two sample files dropped at once, as a drag from the desktop delivers them.
    dropped = [[path.name, path.read_text(encoding="utf-8")] for path in (ORIGINAL, REPUBLISHED)]
    page.evaluate(
        """(files) => {
          const zone = document.querySelector('[data-ingest-drop]');
          const data = new DataTransfer();
          for (const [name, text] of files) {
            data.items.add(new File([text], name, {type: 'text/plain'}));
          }
          for (const type of ['dragenter', 'dragover', 'drop']) {
            const init = {dataTransfer: data, bubbles: true, cancelable: true};
            zone.dispatchEvent(new DragEvent(type, init));
          }
        }""",
        dropped,
    )
    page.wait_for_function(SETTLED, timeout=60_000)
    assert item(page, ORIGINAL.name).get_attribute("data-status") == "done"
    assert item(page, REPUBLISHED.name).get_attribute("data-status") == "duplicate"

    # Then a broken file through the drop zone's file input.
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x00\x01\x02 not an article \xff\xfe")
    page.set_input_files("[data-ingest-drop] input[type=file]", str(broken))
    page.wait_for_function(SETTLED, timeout=60_000)
    failed = item(page, "broken.txt")
    assert failed.get_attribute("data-status") == "failed"
    reason = IngestedFile.objects.get(original_name="broken.txt").error
    assert reason
    assert reason in failed.locator(".ingest-message").inner_text()
    for name in (ORIGINAL.name, REPUBLISHED.name, "broken.txt"):
        assert (
            item(page, name)
            .locator(".ingest-link")
            .get_attribute("href")
            .startswith("/ingest/jobs/")
        )
    screenshot("ingest")

    # The ledger lists all three once the page is shown again.
    page.click("#ingest-refresh")
    page.wait_for_load_state("domcontentloaded")
    ledger = page.locator("table.ledger tbody").inner_text()
    for name in (ORIGINAL.name, REPUBLISHED.name, "broken.txt"):
        assert name in ledger
    assert reason in ledger
    assert page.locator("table.ledger form[action*='/retry/']").count() == 1
    assert not problems, problems
    assert {f.origin for f in IngestedFile.objects.all()} == {IngestedFile.Origin.UPLOAD}


def test_without_javascript_the_plain_form_uploads(browser, empty_site):
    context = browser.new_context(locale="ar", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, empty_site, "analyst")
        page.goto(f"{empty_site}/ingest/")
        page.set_input_files("#upload-form input[type=file]", [str(ORIGINAL), str(REPUBLISHED)])
        page.click("#upload-form [data-ingest-submit]")
        page.wait_for_load_state("domcontentloaded")
        assert "/ingest/jobs/" in page.url
        rows = page.locator("table.ledger tbody").inner_text()
        assert ORIGINAL.name in rows
        assert REPUBLISHED.name in rows
        statuses = dict(IngestedFile.objects.values_list("original_name", "status"))
        assert statuses == {ORIGINAL.name: "done", REPUBLISHED.name: "duplicate"}
    finally:
        context.close()
