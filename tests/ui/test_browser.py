"""The UI in a real browser (Debian's Chromium via Playwright) against a real API over the sample corpus.

Each test works like a user: types an API key into the sidebar, navigates with the
sidebar, fills in forms, clicks. Every page is screenshotted to
``test-artifacts/screenshots/``. A feature whose API endpoint does not exist yet
fails with a message naming the endpoint (after its screenshot), it is not skipped.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest

from tests.ui.conftest import KEYS, SCREENSHOTS, Servers

pytest.importorskip("playwright.sync_api", reason="pip install playwright")
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

NAV = {
    "chat": "Chat",
    "search": "Suche",
    "exchanges": "Vergangene Austausche",
    "calls": "Offene Ausschreibungen",
    "factsheets": "Faktenblätter",
    "library": "Bibliothek",
    "document": "Dokument",
}


# -- helpers ----------------------------------------------------------------------------------------------


_SCRIPT_STATE = "() => document.querySelector('[data-test-script-state]')?.getAttribute('data-test-script-state')"


def wait_idle(page: Page, *, timeout: float = 60.0, started: float = 2.0) -> None:
    """Wait for the Streamlit run an action triggered to finish.

    First up to ``started`` seconds for a run to begin (an action that triggers none just costs
    that wait), then until the app reports ``notRunning`` and no element is stale.
    """
    try:
        page.wait_for_function(f"() => ({_SCRIPT_STATE})() === 'running'", timeout=started * 1000)
    except PlaywrightTimeout:
        pass
    page.wait_for_function(
        f"""() => ({_SCRIPT_STATE})() === 'notRunning' && !document.querySelector('[data-stale="true"]')""",
        timeout=timeout * 1000,
    )
    page.wait_for_timeout(150)


def shot(page: Page, name: str) -> None:
    """A screenshot of the whole page (the viewport is stretched to the height of Streamlit's scroll area)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wait_idle(page)
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
              ...Array.from(document.querySelectorAll('[data-testid=stMain], [data-testid=stAppScrollToBottomContainer], '
                                                       + '[data-testid=stSidebarContent]'))
                 .map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 8000))})
    page.wait_for_timeout(700)  # charts and data grids draw after the run and after a resize
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def open_app(page: Page, servers: Servers, role: str | None, path: str = "/") -> None:
    """Open the UI and sign in with ``role``'s key (None: anonymous)."""
    page.goto(servers.ui_url + path)
    page.get_by_test_id("stSidebar").wait_for()
    wait_idle(page)
    if role is not None:
        key_input = page.get_by_label("API-Schlüssel", exact=True)
        key_input.fill(KEYS[role])
        key_input.press("Enter")
        wait_idle(page)
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Rolle:")


def go(page: Page, name: str) -> None:
    """Navigate with the sidebar (keeps the session, so the API key stays)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=NAV[name], exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", level=1).first).to_be_visible()


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMainBlockContainer")


def not_available_notice(page: Page, what: str = "") -> str | None:
    """The text of a "not available in the API yet" notice (about ``what``, when given) on the page, if any."""
    pattern = re.compile(r"(in der API noch nicht verfügbar|not available in the API yet).*" + re.escape(what))
    notice = main(page).get_by_text(pattern)
    return notice.first.inner_text() if notice.count() else None


def require_endpoint(servers: Servers, method: str, path: str) -> None:
    """Fail (not skip) with a clear message when the API does not declare ``METHOD path``."""
    with servers.api() as api:
        paths = api.get("/openapi.json").json().get("paths", {})
    wanted = re.sub(r"\{[^}]+\}", "{}", path)
    found = any(re.sub(r"\{[^}]+\}", "{}", p) == wanted and method.lower() in ops for p, ops in paths.items())
    if not found:
        pytest.fail(f"the API has no {method} {path} yet: the UI shows 'not available yet' for this feature")


def search(page: Page, query: str) -> None:
    box = main(page).get_by_label("Suchbegriffe")
    box.fill(query)
    box.press("Enter")
    wait_idle(page)


def internal_document(servers: Servers) -> dict[str, Any]:
    with servers.api("editor") as api:
        items = api.get("/documents", params={"visibility": "internal", "limit": 50}).json()["items"]
    assert items, "the sample corpus should hold internal documents"
    return items[0]


# -- the pages ----------------------------------------------------------------------------------------------


def test_every_page_renders_and_switches_language(context: Any, servers: Servers) -> None:
    """A tour: each page renders without an exception; the English switch relabels the navigation."""
    page = context.new_page()
    open_app(page, servers, "editor")
    for name in NAV:
        go(page, name)
        assert not main(page).get_by_test_id("stException").count(), f"page {name} raised an exception"
        shot(page, f"tour-{name}")
    page.get_by_test_id("stSidebar").get_by_role("radio", name="English").or_(
        page.get_by_test_id("stSidebar").get_by_role("button", name="English")).first.click()
    wait_idle(page)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Search", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Open calls", exact=True)).to_be_visible()
    nav.get_by_role("link", name="Open calls", exact=True).click()
    wait_idle(page)
    expect(main(page)).to_contain_text("days left")
    shot(page, "tour-calls-english")


def test_chat_answer_with_citation_opens_passage(context: Any, servers: Servers) -> None:
    page = context.new_page()
    open_app(page, servers, "staff")
    page.get_by_test_id("stChatInputTextArea").fill("Was plant Kiel beim Wasserstoffhafen?")
    page.get_by_test_id("stChatInputTextArea").press("Enter")
    wait_idle(page, timeout=180)
    notice = not_available_notice(page, "/ask")
    shot(page, "chat-answer")
    if notice:
        require_endpoint(servers, "POST", "/ask")
        pytest.fail(f"chat shows a 'not available' notice: {notice}")
    answer = page.get_by_test_id("stChatMessage").last
    expect(answer.locator("sup.cc-cite").first).to_be_visible()
    first_citation = answer.get_by_test_id("stPopover").first
    expect(first_citation).to_contain_text("[1]")
    first_citation.get_by_role("button").first.click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body).to_be_visible()
    expect(body.locator(".cc-passage")).not_to_be_empty()
    expect(body.get_by_role("link", name="Dokument öffnen")).to_be_visible()
    shot(page, "chat-citation-open")
    page.keyboard.press("Escape")
    answer.get_by_text("Wie die Antwort entstand").click()
    expect(answer.get_by_text("Suchen", exact=True).or_(answer.get_by_text("Plan", exact=True)).first).to_be_visible()
    shot(page, "chat-trace")


def test_search_filter_changes_facet_counts(context: Any, servers: Servers) -> None:
    page = context.new_page()
    open_app(page, servers, "staff")
    go(page, "search")
    search(page, "Wasser Klimaanpassung Partnerschaft")
    results = main(page).locator(".cc-snippet")
    expect(results.first).to_be_visible()
    assert main(page).locator(".cc-snippet mark").count() > 0, "snippets should highlight the query terms"
    sidebar = page.get_by_test_id("stSidebar")
    pills = sidebar.get_by_role("button", name=re.compile(r"\(\d+\)$"))
    before = sorted(pills.all_inner_texts())
    assert before, "facet counts should show in the sidebar"
    shot(page, "search-results")
    report = sidebar.get_by_role("button", name=re.compile(r"^Bericht \(\d+\)$"))
    report.click()
    wait_idle(page)
    page.wait_for_function(
        """before => { const now = Array.from(document.querySelectorAll('[data-testid=stSidebar] button'))
              .map(b => b.innerText).filter(t => /\\(\\d+\\)$/.test(t)).sort();
           return JSON.stringify(now) !== JSON.stringify(before); }""",
        arg=before, timeout=20_000,
    )
    after = sorted(sidebar.get_by_role("button", name=re.compile(r"\(\d+\)$")).all_inner_texts())
    assert after != before, "choosing a filter should change the facet counts"
    types = main(page).locator(".cc-chip").all_inner_texts()
    assert "Bericht" in types and not {"Ausschreibung", "Meldung", "Einladung"} & set(types), types
    shot(page, "search-filtered")


def test_open_calls_show_open_and_expired(context: Any, servers: Servers) -> None:
    page = context.new_page()
    open_app(page, servers, "staff")
    go(page, "calls")
    content = main(page)
    expect(content.locator(".cc-days.green, .cc-days.orange, .cc-days.red").first).to_be_visible()
    expired = content.locator(".cc-expired")
    expect(expired.first).to_be_visible()
    assert "abgelaufen" in expired.first.inner_text()
    opacity = expired.first.evaluate("e => getComputedStyle(e).opacity")
    assert float(opacity) < 1, "expired calls should be greyed out"
    shot(page, "calls")


def test_factsheet_draft_and_docx_download(context: Any, servers: Servers) -> None:
    from docx import Document

    page = context.new_page()
    open_app(page, servers, "editor")
    go(page, "factsheets")
    topic = main(page).get_by_label("Thema")
    topic.fill("Grüner Wasserstoff in Hafenstädten")
    main(page).get_by_role("button", name="Entwurf erstellen").click()
    wait_idle(page, timeout=240)
    notice = not_available_notice(page, "/factsheets")
    shot(page, "factsheet")
    if notice:
        require_endpoint(servers, "POST", "/factsheets")
        pytest.fail(f"fact sheets show a 'not available' notice: {notice}")
    expect(main(page).locator("sup.cc-cite").first).to_be_visible()
    # edit the first section, save (PUT), and the export carries the edit
    added = "Dieser Satz wurde im Browsertest ergänzt [1]."
    main(page).get_by_text("Bearbeiten", exact=True).click()
    wait_idle(page)
    first = main(page).get_by_role("textbox").nth(1)  # [0] is the topic field
    first.fill(first.input_value() + "\n" + added)
    first.press("Tab")
    wait_idle(page)
    expect(main(page).get_by_text("Ungespeicherte Änderungen")).to_be_visible()
    main(page).get_by_role("button", name="Speichern").click()
    wait_idle(page, timeout=60)
    if not_available_notice(page, "/factsheets"):
        shot(page, "factsheet-save")
        require_endpoint(servers, "PUT", "/factsheets/{id}")
    expect(main(page).get_by_text("Dieser Satz wurde im Browsertest ergänzt")).to_be_visible()
    shot(page, "factsheet-saved")
    with page.expect_download(timeout=120_000) as info:
        main(page).get_by_role("button", name="DOCX").click()
    download = info.value
    data = download.path().read_bytes()
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Wasserstoff" in text or "hydrogen" in text.lower(), text[:500]
    assert re.search(r"\[\d+\]", text), "the DOCX should keep the citation markers"
    assert "Dieser Satz wurde im Browsertest ergänzt" in text, "the export should be the saved version"
    assert any(p.style.name.startswith("Heading") for p in doc.paragraphs), "the DOCX should have real headings"


def test_upload_as_editor_then_find_it(context: Any, servers: Servers, tmp_path: Any) -> None:
    word = f"Zwiebelturm{uuid.uuid4().hex[:6]}"
    upload = tmp_path / f"notiz-{word.lower()}.md"
    upload.write_text(
        f"# Protokoll {word}: Abstimmung zur Städtepartnerschaft Görlitz – Tiflis\n\n"
        f"Die Arbeitsgruppe {word} hat am 3. März 2026 über Müllvermeidung und Grünflächen beraten. "
        "Nächste Sitzung: 14. April 2026 in Görlitz.\n",
        encoding="utf-8",
    )
    page = context.new_page()
    open_app(page, servers, "editor")
    go(page, "library")
    main(page).get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    main(page).get_by_role("button", name="Hochladen und indexieren").click()
    progress = main(page).get_by_test_id("stProgress")
    finished = main(page).get_by_text(re.compile(r"Dateien · fertig"))
    # Progress shows while the job runs; on a fast machine the job may already be done when we look.
    expect(progress.first.or_(finished)).to_be_visible(timeout=120_000)
    expect(finished).to_be_visible(timeout=180_000)
    expect(main(page).get_by_text(re.compile(r"indexiert"))).to_be_visible()
    shot(page, "library-upload")
    go(page, "search")
    search(page, word)
    link = main(page).get_by_role("link", name=re.compile(f"Protokoll {word}"))
    expect(link).to_be_visible()
    shot(page, "search-uploaded")
    # and an editor can delete it again from its document view
    link.click()
    wait_idle(page)
    expect(main(page).get_by_role("heading", name=re.compile(word))).to_be_visible()
    main(page).get_by_role("button", name="Löschen").first.click()
    page.get_by_test_id("stPopoverBody").get_by_role("button", name="Löschen").click()
    wait_idle(page)
    expect(main(page).get_by_text(re.compile(r"Gelöscht: Protokoll"))).to_be_visible()
    go(page, "search")
    search(page, word)
    expect(main(page).get_by_role("link", name=re.compile(f"Protokoll {word}"))).to_have_count(0)


def test_document_view_with_cited_summary(context: Any, servers: Servers) -> None:
    page = context.new_page()
    open_app(page, servers, "staff")
    go(page, "search")
    search(page, "Kisumu Hochwasser Workshop")
    main(page).locator("[data-testid=stPageLink] a").first.click()
    wait_idle(page)
    content = main(page)
    expect(content.get_by_text("Metadaten")).to_be_visible()
    expect(content.get_by_text("Sichtbarkeit")).to_be_visible()
    content.get_by_role("button", name="Zusammenfassung erstellen").click()
    wait_idle(page, timeout=180)
    notice = not_available_notice(page, "/summary")
    shot(page, "document-summary")
    if notice:
        require_endpoint(servers, "GET", "/documents/{doc_id}/summary")
        pytest.fail(f"the document view shows a 'not available' notice: {notice}")
    expect(content.locator(".cc-answer sup.cc-cite").first).to_be_visible()
    expect(content.get_by_test_id("stPopover").first).to_contain_text("[1]")


def test_arabic_document_renders_right_to_left(context: Any, servers: Servers) -> None:
    with servers.api("staff") as api:
        items = api.get("/documents", params={"language": "ar", "limit": 5}).json()["items"]
    assert items, "the sample corpus has Arabic documents"
    page = context.new_page()
    open_app(page, servers, "staff", path=f"/document?doc_id={items[0]['doc_id']}")
    heading = main(page).locator("h1[dir=rtl]")
    expect(heading).to_be_visible()
    main(page).get_by_text(re.compile(r"Volltext")).click()
    expect(main(page).locator(".cc-passage[dir=rtl]").first).to_be_visible()
    shot(page, "document-arabic")
    go(page, "search")
    search(page, "خفض فاقد المياه في إربد")
    snippet = main(page).locator(".cc-snippet[dir=rtl]").first
    expect(snippet).to_be_visible()
    assert snippet.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert snippet.evaluate("e => getComputedStyle(e).textAlign") in ("right", "start")
    shot(page, "search-arabic")


def test_public_key_does_not_see_internal_document(context: Any, servers: Servers) -> None:
    internal = internal_document(servers)
    title = internal["title"]
    # staff sees it: the control that makes the public check meaningful
    page = context.new_page()
    open_app(page, servers, "staff")
    go(page, "search")
    search(page, title)
    expect(main(page).get_by_role("link", name=title)).to_be_visible()
    page.close()

    page = context.new_page()
    open_app(page, servers, "public")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("öffentlich")
    go(page, "search")
    search(page, title)
    expect(main(page).get_by_role("link", name=title)).to_have_count(0)
    shot(page, "public-search")
    open_app(page, servers, "public", path=f"/document?doc_id={internal['doc_id']}")
    expect(main(page).get_by_text(re.compile("nicht gefunden oder für Ihre Rolle nicht sichtbar"))).to_be_visible()
    assert title not in main(page).inner_text()
    shot(page, "public-document-hidden")


def test_past_exchanges_for_a_problem(context: Any, servers: Servers) -> None:
    page = context.new_page()
    open_app(page, servers, "staff")
    go(page, "exchanges")
    main(page).get_by_label("Ihr Anliegen").fill("Wir verlieren zu viel Trinkwasser im Leitungsnetz.")
    main(page).get_by_role("button", name="Austausche finden").click()
    wait_idle(page, timeout=120)
    notice = not_available_notice(page, "/exchanges")
    shot(page, "exchanges")
    if notice:
        require_endpoint(servers, "GET", "/exchanges")
        pytest.fail(f"past exchanges show a 'not available' notice: {notice}")
    expect(main(page).get_by_text("Passende Austausche")).to_be_visible()
    expect(main(page).locator(".cc-cities").first).to_contain_text("↔")
    expect(main(page).get_by_text(re.compile(r"Belegstellen \(\d+\)")).first).to_be_visible()
    expect(main(page).get_by_text("Beteiligte Städte")).to_be_visible()
    # pick your city: its partner cities with the exchanges they share
    main(page).get_by_text("Stadt wählen", exact=True).click()
    wait_idle(page)
    city = main(page).get_by_role("combobox").first
    city.click()
    city.fill("Jena")
    page.keyboard.press("Enter")
    main(page).get_by_role("button", name="Austausche finden").click()
    wait_idle(page, timeout=60)
    if not_available_notice(page, "/peers"):
        shot(page, "exchanges-city")
        require_endpoint(servers, "GET", "/peers/{city}")
    expect(main(page).get_by_text("Partnerstädte von Jena")).to_be_visible()
    expect(main(page).get_by_text(re.compile(r"gemeinsame\(r\) Austausch")).first).to_be_visible()
    shot(page, "exchanges-city")
