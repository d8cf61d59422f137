"""Sentence splitting of Arabic news prose keeps quotes, abbreviations and decimals whole."""

import pytest

from claims.extraction.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "قصفت المدفعية القرية. وقال ناشطون إن طفلين قتلا.",
            ["قصفت المدفعية القرية.", "وقال ناشطون إن طفلين قتلا."],
        ),
        ("هل انتهت الهدنة؟ لا أحد يعرف!", ["هل انتهت الهدنة؟", "لا أحد يعرف!"]),
        ("السطر الأول\n\nالسطر الثاني", ["السطر الأول", "السطر الثاني"]),
        ("وقال: «لم نقصف. لم نشارك» في بيان.", ["وقال: «لم نقصف. لم نشارك» في بيان."]),
        ("وصرح د. سامر خليل بأن الوضع هادئ.", ["وصرح د. سامر خليل بأن الوضع هادئ."]),
        ("ارتفع المؤشر 3.5 نقطة اليوم.", ["ارتفع المؤشر 3.5 نقطة اليوم."]),
        (
            "وأكد المصدر (وهو ضابط. برتبة عقيد) أن الهجوم فشل.",
            ["وأكد المصدر (وهو ضابط. برتبة عقيد) أن الهجوم فشل."],
        ),
        ("قال: «انتهى الأمر.» ثم غادر.", ["قال: «انتهى الأمر.»", "ثم غادر."]),
        ("   ", []),
    ],
)
def test_sentences_split_where_arabic_prose_ends_them(text, expected):
    assert sentences(text) == expected


def test_spans_point_into_the_original_text():
    text = "  أولاً.  ثانياً؟\nثالثاً  "
    for start, end in split_sentences(text):
        assert text[start:end] == text[start:end].strip()
        assert text[start:end]
