"""Readers turn received bytes into articles, or say clearly why they cannot.

Pure functions, no database. Every Arabic sentence here was written for these tests.
"""

import codecs
import json
from unittest import mock

import pytest

from sources.text import readers
from sources.text.readers import (
    SUPPORTED_SUFFIXES,
    Decoded,
    ParsedArticle,
    ParsedRecord,
    UnreadableInput,
    decode,
    decode_bytes,
    parse_html,
    parse_json,
    parse_jsonl,
    parse_txt,
    read_file,
)

SENTENCE = "أعلنت البلدية إغلاق الطريق الشمالي بسبب الأمطار الغزيرة."
SENTENCES = [
    SENTENCE,
    # ك ى ي ق ه و: the letters that Windows-1256 and ISO-8859-6 map differently.
    "وقال الناطق باسم الكتيبة إن القوات لم تتقدم، ونفى وقوع إصابات.",
    "ضربة جوية على مستودع قديم قرب الضفة الشرقية للنهر؛ هل انتهت المعارك؟",
    "أكد الطبيب أن عشرة جرحى وصلوا إلى المستشفى،\nوأن حالتهم مستقرة.",
]


def _detector_calls():
    return mock.patch.object(
        readers.charset_normalizer, "from_bytes", wraps=readers.charset_normalizer.from_bytes
    )


# Decoding.


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("utf-16"), "utf-16-le"),  # Python writes an LE mark
        (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16-be"),
        (lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"), "utf-32-le"),
        (lambda text: codecs.BOM_UTF32_BE + text.encode("utf-32-be"), "utf-32-be"),
        (lambda text: text.encode("utf-16-le"), "utf-16-le"),  # no mark: NULs at odd bytes
        (lambda text: text.encode("utf-16-be"), "utf-16-be"),  # no mark: NULs at even bytes
        (lambda text: text.encode("utf-32-le"), "utf-32-le"),
        (lambda text: text.encode("cp1256"), "cp1256"),
        (lambda text: text.encode("iso8859_6"), "iso8859-6"),
    ],
)
def test_each_encoding_decodes_to_the_same_arabic_and_is_named(encode, encoding):
    assert decode(encode(SENTENCE)) == Decoded(SENTENCE, encoding)


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize(("codec", "name"), [("cp1256", "cp1256"), ("iso8859_6", "iso8859-6")])
def test_legacy_arabic_code_pages_decode_to_the_exact_arabic(sentence, codec, name):
    assert decode(sentence.encode(codec)) == Decoded(sentence, name)


def test_utf16_arabic_without_a_space_or_a_mark_is_recognised_by_its_high_bytes():
    # No NUL byte at all: every unit is 06xx.
    assert decode("الانسحاب".encode("utf-16-le")) == Decoded("الانسحاب", "utf-16-le")


@pytest.mark.parametrize("word", ["كتب", "ضربة", "ساحة"])
def test_a_short_text_valid_in_both_code_pages_is_read_as_cp1256(word):
    # "كتب" in ISO-8859-6 bytes reads "متب" in Windows-1256, both all Arabic: nothing in
    # so few bytes tells them apart, and Windows-1256 is by far the more common.
    assert decode(word.encode("cp1256")) == Decoded(word, "cp1256")
    assert decode(word.encode("iso8859_6")).encoding == "cp1256"


def test_text_without_arabic_falls_back_to_windows_1252():
    text = "Le porte-parole a démenti l’attaque «à l’aube»."
    assert decode(text.encode("cp1252")) == Decoded(text, "cp1252")


def test_mixed_arabic_and_latin_in_cp1256_stays_cp1256():
    text = "قال مراسل AFP إن الهدوء عاد إلى الحي… “مؤقتاً”"
    assert decode(text.encode("cp1256")) == Decoded(text, "cp1256")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"GIF89a\x01\x00\x01\x00", "GIF"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Office 97-2003"),
        (b"text\x00\x01\x02\x03\xff\xfe\x80\x81" * 8, "NUL bytes"),
        (bytes(range(256)) * 4, "NUL bytes"),
    ],
)
def test_binary_input_is_refused_naming_what_it_looks_like(data, kind):
    with pytest.raises(UnreadableInput, match="binary") as caught:
        decode(data)
    assert kind in str(caught.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        # A byte cut out of the middle, and a last letter cut in half: damaged UTF-8,
        # not a legacy code page.
        (SENTENCE.encode()[:9] + SENTENCE.encode()[10:], "UTF-8 with damaged bytes"),
        (SENTENCE.encode()[:-2], "UTF-8 with damaged bytes (bad byte 0xd8 at offset"),
        (bytes(range(0x80, 0x100)) * 4, "not valid UTF-8 (bad byte 0x80 at offset 0)"),
        (bytes(range(0x80, 0x100)) * 4, "Windows-1256 or ISO-8859-6"),
        (codecs.BOM_UTF16_LE + "نص".encode("utf-16-le") + b"\x00", "not valid utf-16-le"),
        (codecs.BOM_UTF8 + b"\xff\xfe abc", "not valid utf-8 at byte 3"),
    ],
)
def test_undecodable_bytes_give_a_clear_reason(data, reason):
    with pytest.raises(UnreadableInput) as caught:
        decode(data)
    assert reason in str(caught.value)


def test_valid_utf8_never_reaches_the_slow_detector():
    paragraph = "قالت مصادر محلية إن القصف استهدف أطراف القرية فجراً، ولم تسجل إصابات.\n\n"
    data = (paragraph * 40).encode("utf-8")
    assert len(data) >= 5000
    with _detector_calls() as detector:
        assert decode(data).encoding == "utf-8"
    detector.assert_not_called()


def test_legacy_bytes_go_through_the_detector():
    # The counterpart of the test above: the patched name is the one decode really uses.
    with _detector_calls() as detector:
        assert decode(SENTENCE.encode("cp1256")).encoding == "cp1256"
    detector.assert_called()


def test_decode_bytes_returns_just_the_text():
    assert decode_bytes(SENTENCE.encode("cp1256")) == SENTENCE


# Plain text.


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        ("عنوان\nالنص", "عنوان", "النص"),
        ("\n\n  عنوان  \r\nالفقرة الأولى\r\n\r\nالفقرة الثانية\r\n", "عنوان", None),
        ("عنوان\rسطر\rآخر", "عنوان", "سطر\nآخر"),
    ],
)
def test_txt_first_line_is_the_title_and_paragraphs_are_kept(text, title, body):
    parsed = parse_txt(text)
    assert parsed.title == title
    assert parsed.text == (body or "الفقرة الأولى\n\nالفقرة الثانية")


@pytest.mark.parametrize(("text", "reason"), [(" \n\t\n", "only white space"), ("", "white")])
def test_txt_without_text_is_unreadable(text, reason):
    with pytest.raises(UnreadableInput, match=reason):
        parse_txt(text)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("خبر عاجل وحده", "خبر عاجل وحده"),
        ("قتل جنديان. وجرح ثالث.", "قتل جنديان"),
        ("هل انتهت المعارك؟ يبدو ذلك", "هل انتهت المعارك"),
        ("كلمة " * 60, ("كلمة " * 40).strip() + "…"),
    ],
)
def test_a_one_line_txt_is_its_own_text_titled_by_its_first_sentence(line, title):
    parsed = parse_txt(line + "\n")
    assert parsed.text == line.strip()
    assert parsed.title == title


# HTML.

PARAGRAPHS = [
    "تجددت الاشتباكات صباح اليوم بين مجموعتين مسلحتين في قرية صغيرة شرقي المدينة، "
    "بحسب ما أفاد سكان محليون.",
    "وقال أحد السكان إن أصوات القصف سمعت منذ ساعات الفجر الأولى، وإن عائلات كثيرة "
    "غادرت منازلها نحو القرى المجاورة.",
    "ولم يصدر أي تعليق رسمي حتى ساعة إعداد هذا الخبر، فيما كتب ناشط الرمز <b> في منشور له.",
    "وأكدت مصادر طبية وصول عدد من الجرحى إلى المستشفى الوطني، من دون أن تحدد أعدادهم "
    "أو طبيعة إصاباتهم.",
]
FURNITURE = {
    "nav": "الصفحة الرئيسية للشبكة",
    "share": "شارك الخبر على المنصات",
    "comments": "تعليق زائر غاضب على الخبر",
    "related": "خبر قديم عن حالة الطقس",
    "footer": "جميع الحقوق محفوظة للشبكة",
    "script": "متغير سري في السكربت",
    "style": "محتوى من ورقة الأنماط",
}


def _page(
    *,
    head: str = "",
    headline: str = "<h1>اشتباكات متجددة في الريف الشرقي</h1>",
    paragraphs: list[str] = PARAGRAPHS,
) -> str:
    escaped = "\n".join(
        "<p>" + p.replace("<b>", "&lt;b&gt;") + "<img src=x onerror=alert(1)></p>"
        for p in paragraphs
    )
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">{head}
<style>.x::before {{ content: "{FURNITURE["style"]}" }}</style>
<script>var secret = "{FURNITURE["script"]}"; alert(1);</script>
</head><body>
<header><nav><a href="/">{FURNITURE["nav"]}</a> <a href="/s">رياضة</a></nav></header>
<main><article>
{headline}
<div class="share-buttons"><a href="#">{FURNITURE["share"]}</a></div>
{escaped}
<script>alert(1)</script>
</article>
<section class="related-articles"><h3>اقرأ أيضاً</h3><ul><li><a href="/o">{FURNITURE["related"]}</a>
</li></ul></section>
<section id="comments"><div class="comment"><p>{FURNITURE["comments"]}</p></div>
<form><textarea></textarea><button>أرسل</button></form></section>
</main>
<footer><p>{FURNITURE["footer"]}</p></footer>
</body></html>"""


HEAD = """<title>اشتباكات في الريف - شبكة النهر</title>
<meta property="og:title" content="اشتباكات متجددة في الريف الشرقي للمدينة">
<meta property="og:site_name" content="شبكة النهر">
<meta property="og:url" content="https://nahr.example/news/41">
<meta property="article:published_time" content="2024-03-05T10:30:00+03:00">"""


def test_html_main_text_is_extracted_as_blank_line_separated_paragraphs():
    parsed = parse_html(_page(head=HEAD))
    assert parsed.text == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize("block", sorted(FURNITURE))
def test_html_page_furniture_and_code_never_reach_the_text(block):
    parsed = parse_html(_page(head=HEAD))
    assert FURNITURE[block] not in parsed.text
    assert FURNITURE[block] not in parsed.title


@pytest.mark.parametrize("fallback", [False, True], ids=["trafilatura", "lxml-fallback"])
def test_html_script_and_event_handlers_stay_inert(fallback):
    if fallback:
        with mock.patch.object(readers.trafilatura, "bare_extraction", return_value=None):
            parsed = parse_html(_page(head=HEAD))
    else:
        parsed = parse_html(_page(head=HEAD))
    assert "alert(" not in parsed.text
    assert "onerror" not in parsed.text
    assert "secret" not in parsed.text
    # Escaped markup in a paragraph is the literal text "<b>", plain text to be escaped.
    assert "الرمز <b> في" in parsed.text


def test_html_fallback_also_drops_the_furniture():
    with mock.patch.object(readers.trafilatura, "bare_extraction", return_value=None):
        parsed = parse_html(_page(head=HEAD))
    assert parsed.text == "\n\n".join(PARAGRAPHS)


# A page with no <article> or <main>: the fallback reads every paragraph of <body>, so
# only the furniture removal keeps these out.
LOOSE_PAGE = f"""<html><head><title>خبر قصير</title></head><body>
<nav><p>{FURNITURE["nav"]}</p></nav>
<div class="content">
<p>{PARAGRAPHS[0]}<script>var secret = "{FURNITURE["script"]}";</script></p>
<div class="post-share"><p>{FURNITURE["share"]}</p></div>
<p>{PARAGRAPHS[1]}<style>b {{ content: "{FURNITURE["style"]}" }}</style></p>
</div>
<div id="comment-list"><p>{FURNITURE["comments"]}</p></div>
<aside><p>{FURNITURE["related"]}</p></aside>
<footer><p>{FURNITURE["footer"]}</p></footer>
</body></html>"""


@pytest.mark.parametrize("block", sorted(FURNITURE))
def test_html_fallback_without_article_element_drops_each_furniture_block(block):
    with mock.patch.object(readers.trafilatura, "bare_extraction", return_value=None):
        parsed = parse_html(LOOSE_PAGE)
    assert FURNITURE[block] not in parsed.text
    assert parsed.text == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}"


def test_html_wrapper_named_like_furniture_keeps_the_article():
    # Old ASP.NET pages wrap the whole body in one <form>; themes name columns "sidebar".
    page = (
        "<html><body><form id='aspnetForm'><div class='layout-with-sidebar'>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS[:2])
        + "</div></form></body></html>"
    )
    with mock.patch.object(readers.trafilatura, "bare_extraction", return_value=None):
        parsed = parse_html(page)
    assert (parsed.title, parsed.text) == (PARAGRAPHS[0], PARAGRAPHS[1])


@pytest.mark.parametrize(
    ("head", "headline", "title"),
    [
        (HEAD, "<h1>عنوان داخلي</h1>", "اشتباكات متجددة في الريف الشرقي للمدينة"),
        (
            '<title>قصف على الجسر - شبكة النهر</title><meta property="og:site_name" '
            'content="شبكة النهر">',
            "",
            "قصف على الجسر",
        ),
        ("<title>قصف على الجسر | تقرير خاص</title>", "", "قصف على الجسر | تقرير خاص"),
        ("", "<h1>انقطاع الكهرباء عن الحي</h1>", "انقطاع الكهرباء عن الحي"),
        ("", "", PARAGRAPHS[0]),
    ],
    ids=["og-title", "title-minus-sitename", "title", "h1", "first-paragraph"],
)
def test_html_title_comes_from_og_title_then_title_then_h1(head, headline, title):
    parsed = parse_html(_page(head=head, headline=headline))
    assert parsed.title == title
    assert not parsed.text.startswith(title), "the title is not repeated as text"


def test_html_metadata_gives_url_outlet_and_publication_time():
    parsed = parse_html(_page(head=HEAD))
    assert (parsed.url, parsed.outlet, parsed.published_at) == (
        "https://nahr.example/news/41",
        "شبكة النهر",
        "2024-03-05T10:30:00+03:00",
    )


def test_html_javascript_url_is_not_kept():
    head = '<meta property="og:url" content="javascript:alert(1)">'
    assert parse_html(_page(head=head)).url == ""


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><nav><a href='/'>الرئيسية</a></nav><footer>حقوق</footer></body></html>",
        "<html><body><script>document.write('نص')</script></body></html>",
        "<html><head><title>عنوان فقط</title></head><body></body></html>",
    ],
)
def test_html_without_article_text_is_unreadable(html):
    with pytest.raises(UnreadableInput, match="no article text found in the HTML"):
        parse_html(html)


def test_html_fragment_and_tiny_page_are_read():
    fragment = "<p>الفقرة الأولى من البيان.</p><p>الفقرة الثانية من البيان.</p>"
    assert parse_html(fragment) == ParsedArticle(
        title="الفقرة الأولى من البيان.", text="الفقرة الثانية من البيان."
    )
    tiny = "<html><head><title>بيان قصير</title></head><body><p>نص البيان.</p></body></html>"
    assert parse_html(tiny) == ParsedArticle(title="بيان قصير", text="نص البيان.")


def test_html_dtd_entities_are_not_expanded():
    bomb = (
        '<!DOCTYPE html [<!ENTITY a "هههههههههه"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        "<html><body><p>&b;&b;&b; نص الخبر هنا.</p></body></html>"
    )
    parsed = parse_html(bomb)
    assert "هههههههههه" not in parsed.text


# JSON and JSON Lines.

RECORD = {
    "title": "انفجار قرب السوق",
    "body": "وقع انفجار قرب السوق المركزي.\n\nولم تعرف أسبابه بعد.",
    "url": "https://nahr.example/news/7",
    "outlet": "شبكة النهر",
    "published_at": "2024-03-05T08:00:00Z",
}
RECORD_ARTICLE = ParsedArticle(
    title="انفجار قرب السوق",
    text="وقع انفجار قرب السوق المركزي.\n\nولم تعرف أسبابه بعد.",
    url="https://nahr.example/news/7",
    outlet="شبكة النهر",
    published_at="2024-03-05T08:00:00+00:00",
)
OTHER = {"title": "عودة التيار", "text": "عاد التيار الكهربائي إلى الأحياء الغربية."}


@pytest.mark.parametrize(
    ("value", "count"),
    [(RECORD, 1), ([RECORD, OTHER], 2), ({"articles": [RECORD, OTHER]}, 2)],
    ids=["object", "list", "articles-wrapper"],
)
def test_json_holds_one_object_a_list_or_an_articles_wrapper(value, count):
    records = parse_json(json.dumps(value, ensure_ascii=False))
    assert len(records) == count
    assert records[0] == ParsedRecord(index=0, line=None, article=RECORD_ARTICLE)
    assert all(record.error == "" for record in records)


@pytest.mark.parametrize(
    ("record", "title", "text"),
    [
        ({"body": "سطر العنوان\nنص الخبر"}, "سطر العنوان", "نص الخبر"),
        ({"content": "\n  العنوان  \r\n\r\nفقرة"}, "العنوان", "فقرة"),
        ({"text": "سطر واحد فقط"}, "سطر واحد فقط", "سطر واحد فقط"),
        ({"title": "  عنوان \n طويل ", "body": "نص"}, "عنوان طويل", "نص"),
        ({"title": None, "body": "أ\nب", "url": None, "published_at": ""}, "أ", "ب"),
    ],
)
def test_json_record_fields_and_a_title_taken_from_the_first_line(record, title, text):
    [parsed] = parse_json(json.dumps(record, ensure_ascii=False))
    assert (parsed.article.title, parsed.article.text) == (title, text)


@pytest.mark.parametrize(
    ("published_at", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T08:00:00+03:00", "2024-03-05T08:00:00+03:00"),
        ("2024-03-05 08:00", "2024-03-05T08:00:00"),
        ("20240305", "2024-03-05"),
    ],
)
def test_json_iso_dates_are_accepted(published_at, expected):
    [parsed] = parse_json(json.dumps({"body": "أ\nب", "published_at": published_at}))
    assert parsed.article.published_at == expected


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"title": "عنوان"}, 'record 2: missing body (a "body", "text" or "content" field)'),
        ({"body": ["فقرة"]}, 'record 2: field "body" must be a string, not a list'),
        ({"body": "   "}, 'record 2: field "body" is empty'),
        ({"body": "نص", "title": 5}, 'record 2: field "title" must be a string, not a number'),
        ({"body": "نص", "outlet": True}, 'record 2: field "outlet" must be a string, not true'),
        ({"body": "نص", "published_at": "05/03/2024"}, 'record 2: field "published_at"'),
        ({"body": "نص", "published_at": "2024-02-30"}, 'record 2: field "published_at"'),
        ({"body": "نص", "url": "javascript:alert(1)"}, 'record 2: field "url"'),
        ("مجرد نص", "record 2: expected an object, got a string"),
        ({"body": "<div><nav>قائمة</nav></div>"}, "record 2: no article text found in the HTML"),
    ],
)
def test_a_bad_json_record_fails_alone(record, error):
    records = parse_json(json.dumps([RECORD, record, OTHER], ensure_ascii=False))
    assert records[0].article == RECORD_ARTICLE
    assert records[2].article is not None
    assert records[1].article is None
    assert records[1].error.startswith(error)


def test_json_html_body_is_reduced_to_its_article_text():
    body = (
        "<div><nav>القائمة الرئيسية</nav><h1>عنوان من الصفحة</h1>"
        "<p>الفقرة الأولى من الخبر.</p><script>alert(1)</script>"
        "<p>الفقرة الثانية من الخبر.</p></div>"
    )
    [with_title, without_title] = parse_json(
        json.dumps([{"title": "عنوان السجل", "body": body}, {"body": body}], ensure_ascii=False)
    )
    expected_text = "الفقرة الأولى من الخبر.\n\nالفقرة الثانية من الخبر."
    assert with_title.article == ParsedArticle(title="عنوان السجل", text=expected_text)
    assert without_title.article == ParsedArticle(title="عنوان من الصفحة", text=expected_text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"body": "نص",}', "not valid JSON: Expecting property name enclosed in double quotes"),
        ('[{"body": "نص"}\n{"body": "آخر"}]', "at line 2, column 1"),
        ("", "not valid JSON: Expecting value at line 1, column 1"),
        ("[]", "no records"),
        ('{"articles": {"body": "نص"}}', '"articles" must be a list of objects, not an object'),
        ("[" * 100_000 + "]" * 100_000, "not JSON this reader can take"),
    ],
    ids=["trailing-comma", "missing-comma", "empty", "empty-list", "wrapper", "too-deep"],
)
def test_a_json_file_that_cannot_be_read_fails_as_a_whole(text, reason):
    with pytest.raises(UnreadableInput) as caught:
        parse_json(text)
    assert reason in str(caught.value)


JSONL = "\n".join(
    [
        json.dumps(RECORD, ensure_ascii=False),
        "",
        '{"title": "خبر", "body": "نص" "خطأ"}',
        json.dumps(OTHER, ensure_ascii=False) + "\r",
        '["ليس كائناً"]',
        json.dumps({"body": "أ\nب", "published_at": "أمس"}, ensure_ascii=False),
        "   ",
    ]
)


def test_jsonl_reads_each_line_and_a_bad_line_fails_alone_with_its_number():
    records = parse_jsonl(JSONL)
    assert [(record.index, record.line) for record in records] == [
        (0, 1),
        (1, 3),
        (2, 4),
        (3, 5),
        (4, 6),
    ]
    assert records[0].article == RECORD_ARTICLE
    assert records[2].article == ParsedArticle(
        title="عودة التيار", text="عاد التيار الكهربائي إلى الأحياء الغربية."
    )
    assert records[1].error.startswith("line 3: invalid JSON: Expecting ',' delimiter")
    assert records[3].error == "line 5: expected an object, got a list"
    assert records[4].error.startswith('line 6: field "published_at" is not an ISO 8601 date')
    assert [record.article is None for record in records] == [False, True, False, True, True]


def test_jsonl_line_separators_inside_a_string_do_not_split_a_record():
    line = json.dumps({"body": "عنوان\nفقرة\u2028تتمة"}, ensure_ascii=False)
    [record] = parse_jsonl(line)
    assert record.article.text == "فقرة\u2028تتمة"


@pytest.mark.parametrize("text", ["", "\n \n\r\n"])
def test_jsonl_without_records_is_unreadable(text):
    with pytest.raises(UnreadableInput, match="no records"):
        parse_jsonl(text)


# Dispatch.

TXT = f"عنوان الخبر\n\n{SENTENCE}\n"
HTML = _page(head=HEAD)
ONE_JSON = json.dumps(RECORD, ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "data", "title"),
    [
        ("a.txt", TXT.encode("utf-8"), "عنوان الخبر"),
        ("A.TXT", TXT.encode("cp1256"), "عنوان الخبر"),
        ("page.html", HTML.encode("utf-8"), "اشتباكات متجددة في الريف الشرقي للمدينة"),
        ("page.HTM", HTML.encode("utf-16"), "اشتباكات متجددة في الريف الشرقي للمدينة"),
        ("one.json", ONE_JSON.encode("utf-8"), RECORD["title"]),
        ("dir.d/feed.Jsonl", (ONE_JSON + "\n" + ONE_JSON).encode(), RECORD["title"]),
    ],
)
def test_read_file_picks_the_reader_by_suffix(name, data, title):
    records = read_file(name, data)
    assert records[0].index == 0
    assert records[0].article.title == title
    assert records[0].line == (1 if name.lower().endswith(".jsonl") else None)


def test_read_file_gives_one_record_per_jsonl_line():
    data = (ONE_JSON + "\n" + "{oops}\n").encode("utf-8")
    assert [record.error[:6] for record in read_file("feed.jsonl", data)] == ["", "line 2"]


@pytest.mark.parametrize("name", ["report.pdf", "notes.docx", "README", "archive.json.gz"])
def test_read_file_refuses_an_unsupported_suffix_listing_the_supported_ones(name):
    with pytest.raises(UnreadableInput, match="not supported") as caught:
        read_file(name, b"%PDF-1.4")
    assert ".html, .json, .jsonl, .txt" in str(caught.value)


def test_read_file_reports_unreadable_bytes():
    with pytest.raises(UnreadableInput, match="binary"):
        read_file("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_supported_suffixes_are_exported():
    assert {".txt", ".html", ".htm", ".json", ".jsonl"} == SUPPORTED_SUFFIXES
