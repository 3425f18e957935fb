"""The note_text filter: paragraphs, line breaks, lists and safe links from an activity's text; the rest escaped."""

import time

import pytest
from django.template import engines
from django.urls import reverse
from django.utils.safestring import SafeString

from crm.activities.models import ActivityKind
from crm.activities.services import activity_create, note_create
from crm.activities.templatetags.activity_text import note_text
from tests.factories import AccountFactory

REL = 'rel="nofollow noopener noreferrer"'


def link(href, text=None):
    return f'<a href="{href}" {REL}>{text or href}</a>'


def test_empty_text_is_nothing():
    assert note_text("") == ""
    assert note_text(" \n\n \t") == ""
    assert note_text(None) == ""


def test_the_result_is_safe_html():
    assert isinstance(note_text("Salut"), SafeString)


def test_paragraphs_and_line_breaks():
    text = "Called Ana.\r\nShe wants a quote.\n\n\n  \nSend it by Friday.  "
    assert note_text(text) == "<p>Called Ana.<br>\nShe wants a quote.</p>\n<p>Send it by Friday.</p>"


def test_a_bulleted_list_with_dashes_or_stars():
    text = "She wants:\n- a quote\n* a demo\n  next week\nThat is all."
    assert note_text(text) == (
        "<p>She wants:</p>\n<ul>\n<li>a quote</li>\n<li>a demo<br>\nnext week</li>\n</ul>\n<p>That is all.</p>"
    )


def test_a_numbered_list_keeps_its_first_number():
    assert note_text("1. Call\n2) Write") == "<ol>\n<li>Call</li>\n<li>Write</li>\n</ol>"
    assert note_text("3. Sign\n4. Pay") == '<ol start="3">\n<li>Sign</li>\n<li>Pay</li>\n</ol>'


def test_a_bullet_after_a_number_starts_another_list():
    assert note_text("1. one\n- two") == "<ol>\n<li>one</li>\n</ol>\n<ul>\n<li>two</li>\n</ul>"


@pytest.mark.parametrize("text", ["-5 degrees", "**important**", "1.5 million", "2026.", "-", "10)"])
def test_what_only_looks_like_a_list_stays_text(text):
    assert note_text(text) == f"<p>{text}</p>"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("see https://example.com/q?a=1&b=2.", f"see {link('https://example.com/q?a=1&amp;b=2')}."),
        ("http://example.com", link("http://example.com")),
        ("HTTPS://EXAMPLE.COM/", link("HTTPS://EXAMPLE.COM/")),
        ("(www.carpati.ro)", f"({link('https://www.carpati.ro', 'www.carpati.ro')})"),
        ("mailto:ana@carpati.ro?subject=Ofert%C4%83", link("mailto:ana@carpati.ro?subject=Ofert%C4%83")),
        (
            "https://ro.wikipedia.org/wiki/Bra%C8%99ov_(ora%C8%99)",
            link("https://ro.wikipedia.org/wiki/Bra%C8%99ov_(ora%C8%99)"),
        ),
        ("<https://example.com>", f"&lt;{link('https://example.com')}&gt;"),
    ],
)
def test_links(text, html):
    assert note_text(text) == f"<p>{html}</p>"


@pytest.mark.parametrize(
    "text",
    [
        "example.com",  # a bare domain
        "ana@carpati.ro",  # a bare e-mail address
        "https:// and mailto: alone",
        "mailto:nobody",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.com",
        "xhttps://example.com",
    ],
)
def test_no_other_address_or_scheme_is_a_link(text):
    assert "<a " not in note_text(text)


def test_an_address_cannot_break_out_of_its_attribute():
    html = note_text('https://example.com/"onmouseover="alert(1) https://example.com/\'x')
    assert html == (
        f"<p>{link('https://example.com/')}&quot;onmouseover=&quot;alert(1) {link('https://example.com/&#x27;x')}</p>"
    )


def test_everything_else_is_escaped():
    html = note_text('<script>alert("x")</script>\n- <b>bold</b> & <img src=x onerror=alert(1)>\n{{ 7*7 }}')
    assert html == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>\n"
        "<ul>\n<li>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;</li>\n</ul>\n<p>{{ 7*7 }}</p>"
    )


def test_text_that_looks_escaped_is_still_text():
    assert note_text("&lt;b&gt; &amp; https://example.com/?a=1&amp;b=2") == (
        f"<p>&amp;lt;b&amp;gt; &amp;amp; {link('https://example.com/?a=1&amp;amp;b=2')}</p>"
    )


def test_in_a_template_with_autoescape():
    template = engines["django"].from_string("{% load activity_text %}{{ text|note_text }}")
    assert template.render({"text": "- <i>a</i>\n- www.example.com"}) == (
        f"<ul>\n<li>&lt;i&gt;a&lt;/i&gt;</li>\n<li>{link('https://www.example.com', 'www.example.com')}</li>\n</ul>"
    )


def test_a_long_text_is_rendered_whole_and_quickly():
    lines = [f"- item {number} https://example.com/{number} <b>" for number in range(300)]
    text = "\n".join(lines) + "\n\n" + "x" * 4000 + "\n\n" + "https://example.com/" + ")" * 3000
    assert len(text) <= 20000  # the longest description an activity takes
    started = time.perf_counter()
    html = note_text(text)
    assert time.perf_counter() - started < 1
    assert html.count("<li>") == 300 and html.count("<a ") == 301 and html.count("&lt;b&gt;") == 300
    assert "x" * 4000 in html and html.endswith(")" * 3000 + "</p>")


@pytest.mark.django_db
def test_the_timeline_and_the_activity_page_show_the_formatted_escaped_text(client, salesperson):
    account = AccountFactory()
    text = "Next steps:\n- send the <b>quote</b>\n- see https://example.com/offer\n\n<script>alert(1)</script>"
    note = note_create(regarding=account, text=text, actor=salesperson)
    task = activity_create(
        kind=ActivityKind.TASK, regarding=account, actor=salesperson, subject="Quote", description=text
    )
    formatted = (
        "<p>Next steps:</p>\n<ul>\n<li>send the &lt;b&gt;quote&lt;/b&gt;</li>\n"
        f"<li>see {link('https://example.com/offer')}</li>\n</ul>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    client.force_login(salesperson)
    timeline = reverse("activities:timeline", args=["account", account.pk])
    pages = [client.get(timeline), client.get(timeline, headers={"HX-Request": "true"})]
    pages += [client.get(note.get_absolute_url()), client.get(task.get_absolute_url())]
    for response in pages:
        content = response.content.decode()
        assert response.status_code == 200
        assert formatted in content
        assert "<script>alert(1)" not in content and "<b>quote" not in content
    assert pages[0].content.decode().count(formatted) == 2  # the note and the task
