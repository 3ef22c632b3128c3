"""The moderator page in a real Chromium (Debian's, driven by Playwright) against a real `greenmark serve`.

Needs ``/usr/bin/chromium`` (``.ci/install-chromium``). The watermarked-text test saves a
screenshot to ``artifacts/moderator-page.png`` (the CI artefact the README names).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from greenmark.receipts import load_public_keys, verify_receipt
from tests.api.conftest import bearer, watermarked_text

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed: run .ci/install-chromium (as root)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    problems = []
    # console errors other than the browser's note on an expected 4xx answer (CSP violations land here)
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.goto(server.url + "/")
    yield opened
    context.close()
    assert problems == [], problems  # no script error and no CSP violation


def sign_in(page, token: str) -> None:
    page.fill("#api-key", token)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#work:not([hidden])")


def check(page, text: str) -> None:
    page.fill("#text-input", text)
    page.click("#single-form button[type=submit]")
    page.wait_for_selector("#result:not([hidden])")


def pasted(tenants, human_texts) -> str:
    """A human passage, a watermarked stretch pasted into it, and more human text."""
    return (
        human_texts[0][:700]
        + " "
        + watermarked_text(tenants.acme_key, tenants.acme_spec, seed=21)
        + " "
        + (human_texts[1][:700])
    )


def test_a_watermarked_stretch_is_highlighted_at_its_offsets(page, server, tenants, human_texts):
    text = pasted(tenants, human_texts)
    sign_in(page, tenants.acme_token)
    check(page, text)
    expected = httpx.post(
        f"{server.url}/v1/detect",
        json={"inputs": [{"id": "t", "text": text}], "return_spans": True},
        headers=bearer(tenants.acme_token),
    ).json()["results"][0]
    assert page.text_content("#decision") == "Watermarked"
    assert page.text_content("#fact-key").startswith("news v1 (")
    marks = page.query_selector_all("#highlighted mark.span")
    assert expected["spans"] and len(marks) == len(expected["spans"])
    shown = sorted(
        (int(m.get_attribute("data-start")), int(m.get_attribute("data-end")), m.text_content()) for m in marks
    )
    wanted = sorted((s["start_char"], s["end_char"], text[s["start_char"] : s["end_char"]]) for s in expected["spans"])
    assert shown == wanted
    assert page.text_content("#highlighted") == text  # every character shown once, in order
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderator-page.png"), full_page=True)


def test_human_text_shows_not_watermarked(page, tenants, human_texts):
    sign_in(page, tenants.acme_token)
    check(page, human_texts[2])
    assert page.text_content("#decision") == "Not watermarked"
    assert page.query_selector_all("#highlighted mark") == []
    assert page.is_visible("#no-spans")


def test_a_wrong_api_key_shows_the_problems_message(page, tenants):
    page.fill("#api-key", tenants.acme_token[:-4] + "AAAA")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#sign-in-error:not([hidden])")
    assert page.text_content("#sign-in-error") == "invalid or revoked API key"
    assert page.is_hidden("#work")


def test_a_script_in_the_text_is_shown_as_text_not_run(page, tenants, human_texts):
    payload = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"><b>bold</b>'
    sign_in(page, tenants.acme_token)
    check(page, human_texts[3][:800] + payload + human_texts[3][800:1500])
    assert payload in page.text_content("#highlighted")
    assert page.query_selector_all("#highlighted script, #highlighted img, #highlighted b") == []
    assert page.evaluate("window.pwned") is None


def test_the_api_key_is_kept_in_memory_only(page, tenants):
    sign_in(page, tenants.acme_token)
    stored = page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
    assert stored == [0, 0, ""]
    assert tenants.acme_token not in page.content()
    page.reload()
    assert page.is_visible("#sign-in") and page.is_hidden("#work")


def test_green_marks_need_the_green_marks_scope(page, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=22)
    sign_in(page, tenants.acme_token)
    assert page.is_hidden("#marks-option")
    page.click("#sign-out")
    sign_in(page, tenants.acme_marks_token)
    page.check("#want-marks")
    check(page, text)
    assert page.is_visible("#marks-block")
    assert len(page.query_selector_all("#marks-view .token.green")) > 100


def test_short_text_says_how_many_tokens_are_missing(page, tenants):
    sign_in(page, tenants.acme_token)
    check(page, "A short note.")
    assert page.text_content("#decision") == "Insufficient evidence"
    assert "more are needed" in page.text_content("#insufficient")


def test_canonicalisation_is_shown_as_possible_tampering(page, tenants):
    text = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=23)
    sign_in(page, tenants.acme_token)
    check(page, text.replace("o", "\u043e"))  # Cyrillic "o"
    assert page.is_visible("#tampering")
    assert "look-alike letters" in page.text_content("#tampering-list")
    assert page.text_content("#decision") == "Watermarked"


def test_the_batch_view_makes_a_sortable_table(page, tenants, human_texts):
    texts = [human_texts[4][:1200], watermarked_text(tenants.acme_key, tenants.acme_spec, seed=24), "Too short."]
    sign_in(page, tenants.acme_token)
    page.click("#tab-batch")
    page.fill("#batch-input", "\n---\n".join(texts))
    page.click("#batch-form button[type=submit]")
    page.wait_for_selector("#batch-table:not([hidden])")
    decisions = lambda: [row.text_content() for row in page.query_selector_all("#batch-table tbody td:nth-child(3)")]  # noqa: E731
    assert decisions() == ["Not watermarked", "Watermarked", "Insufficient evidence"]
    page.click("#batch-table button[data-sort=p_value]")
    assert decisions()[0] == "Watermarked"
    assert page.get_attribute("#batch-table th:has(button[data-sort=p_value])", "aria-sort") == "ascending"
    page.click("#batch-table button[data-sort=p_value]")
    assert decisions()[-1] == "Watermarked"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderator-batch.png"), full_page=True)


def test_jsonl_upload_feeds_the_batch_view(page, tenants, human_texts, tmp_path):
    jsonl = tmp_path / "posts.jsonl"
    records = [{"id": "post-1", "text": human_texts[5][:300]}, {"id": "post-2", "text": "Hi."}]
    jsonl.write_text("".join(json.dumps(record) + "\n" for record in records))
    sign_in(page, tenants.acme_token)
    page.click("#tab-batch")
    page.set_input_files("#jsonl-input", str(jsonl))
    page.click("#batch-form button[type=submit]")
    page.wait_for_selector("#batch-table:not([hidden])")
    ids = [cell.text_content() for cell in page.query_selector_all("#batch-table tbody td:nth-child(2)")]
    assert ids == ["post-1", "post-2"]


def test_the_page_works_from_the_keyboard_alone(page, tenants, human_texts):
    page.keyboard.type(tenants.acme_token)  # the API key field has the focus on load
    page.keyboard.press("Enter")
    page.wait_for_selector("#work:not([hidden])")
    page.keyboard.type(human_texts[6][:600])  # the focus moved to the text field
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#single-form button[type=submit]')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])")
    assert page.text_content("#decision") == "Not watermarked"


def test_the_page_sends_a_strict_content_security_policy(server):
    for path in ("/", "/ui", "/ui/app.js", "/ui/app.css"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "require-trusted-types-for 'script'" in policy
    assert httpx.get(server.url + "/ui/secrets.txt").status_code == 404


def test_the_page_hands_out_a_receipt_that_verifies(page, server, tenants):
    words = watermarked_text(tenants.acme_key, tenants.acme_spec, seed=25).split(" ")
    # the text field hands the server LF for CRLF and lone CR: the receipt must still verify against the original
    text = " ".join(words[:20]) + "\r\n" + " ".join(words[20:40]) + "\r" + " ".join(words[40:])
    sign_in(page, tenants.acme_token)
    page.check("#want-receipt")
    check(page, text)
    receipt = json.loads(page.text_content("#receipt-view"))
    keys = load_public_keys(httpx.get(server.url + "/v1/receipts/keys").content)
    assert verify_receipt(receipt, keys, text=text)["decision"] == "watermarked"
    assert page.get_attribute("#receipt-download", "href").startswith("blob:")
