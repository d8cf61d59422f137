"""A person logs in with a demo account in a real headless Chromium and searches."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_log_in(page, url, username, password):
    page.goto(f"{url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def test_the_demo_analyst_logs_in_to_a_right_to_left_arabic_page(page, demo_site, screenshot):
    page.goto(f"{demo_site}/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    screenshot("login")

    admin_log_in(page, demo_site, "analyst", "analyst-demo-2026")
    page.wait_for_selector("#content")
    assert "analyst" in page.locator("#user-tools").inner_text().lower()
    # Text laid out right to left: the page's computed direction, not only the attribute.
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    screenshot("admin-index-analyst")


def test_searching_articles_for_isis_finds_the_obfuscated_spelling(page, demo_site, screenshot):
    admin_log_in(page, demo_site, "analyst", "analyst-demo-2026")
    page.goto(f"{demo_site}/admin/sources/article/?q=داعش")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1
    from sources.models import Article

    obfuscated = Article.objects.filter(body__contains="د1عـ.ـش")
    assert obfuscated.exists(), "the sample corpus must hold the obfuscated spelling"
    titles = page.locator("#result_list tbody tr th").all_inner_texts()
    for article in obfuscated:
        assert article.title in titles
    screenshot("article-search-isis")
