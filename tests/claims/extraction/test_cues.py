"""Cue words are found in their conjugations and phrasings, with offsets into the text."""

import pytest

from claims.extraction.cues import find_cues


def cues(text: str) -> list[tuple[str, str, str]]:
    return [(cue.cls, cue.lemma, cue.surface) for cue in find_cues(text)]


@pytest.mark.parametrize(
    ("text", "cls", "lemma", "surface"),
    [
        ("اتهمت الحركة خصومها", "accuse", "اتهم", "اتهمت"),
        ("والجماعة تتهم الشرطة", "accuse", "اتهم", "تتهم"),
        ("متهماً الجيش بالقصف", "accuse", "اتهم", "متهماً"),
        ("وحمّلت الوزارة الفصيل المسؤولية الكاملة", "accuse", "حمّل المسؤولية", "وحمّلت"),
        ("زعمت الصفحة أن الجسر دمر", "accuse", "زعم", "زعمت"),
        ("استنكر المجلس القصف", "accuse", "استنكر", "استنكر"),
        ("نفت الشرطة الخبر", "deny", "نفى", "نفت"),
        ("الهيئة تنفي التهمة", "deny", "نفى", "تنفي"),
        ("كذّبت الإدارة الرواية", "deny", "كذّب", "كذّبت"),
        ("الفصيل يتبرأ من الحادث", "deny", "تبرّأ", "يتبرأ"),
        ("ورفضت البلدية الاتهامات الموجهة إليها", "deny", "رفض الاتهامات", "ورفضت"),
        ("هذه الرواية عارية تماماً عن الصحة", "deny", "عار عن الصحة", "عارية تماماً عن الصحة"),
        ("وهو كلام لا أساس له", "deny", "لا أساس له", "لا أساس له"),
        ("وقال المتحدث إن", "say", "قال", "وقال"),
        ("وأضافت أن", "say", "أضاف", "وأضافت"),
        ("مشيرةً إلى أن", "say", "أشار", "مشيرةً"),
        ("وأكّد البيان أن", "say", "أكد", "وأكّد"),
        ("يرى الخبير أن", "say", "رأى", "يرى"),
        ("وتابع قائلاً", "say", "تابع", "وتابع"),
        ("وأكدت البلدية صحة الرواية", "confirm", "أكد صحة", "وأكدت"),
        ("واعترف الضابط بالخطأ", "confirm", "اعترف", "واعترف"),
        ("تبنت الجماعة التفجير", "claim_responsibility", "تبنّى", "تبنت"),
        (
            "أعلنت الجماعة مسؤوليتها عن التفجير",
            "claim_responsibility",
            "أعلن مسؤوليته",
            "أعلنت الجماعة مسؤوليتها",
        ),
        ("وطالبت المنظمة بالإفراج عنهم", "demand", "طالب", "وطالبت"),
        ("ودعا الوزير إلى التهدئة", "demand", "دعا", "ودعا"),
        ("وناشد الأهالي المنظمات", "demand", "ناشد", "وناشد"),
        ("ولم تعلق الوزارة", "no_comment", "لم يعلق", "ولم تعلق"),
        ("لم تُصدر البلدية تعليقاً", "no_comment", "لم يصدر تعليق", "لم تُصدر البلدية تعليقاً"),
        ("ولم يصدر أي رد عن الشرطة", "no_comment", "لم يصدر تعليق", "ولم يصدر أي رد"),
        ("ورفض الناطق التعليق على الخبر", "no_comment", "رفض التعليق", "ورفض الناطق التعليق"),
        ("ولم يرد المكتب على أسئلتنا", "no_comment", "لم يرد", "ولم يرد"),
        ("ولم يتسنّ لنا الحصول على تعليق", "no_comment", "لم يتسن", "ولم يتسنّ لنا الحصول على تعليق"),
        (
            "ولم تعلن الجماعة مسؤوليتها عن التفجير",
            "no_comment",
            "لم يعلن مسؤوليته",
            "ولم تعلن الجماعة مسؤوليتها",
        ),
        ("وبحسب الدفاع المدني", "attrib", "بحسب", "وبحسب"),
        ("وفقاً للشرطة", "attrib", "وفق", "وفقاً"),
        ("نقلاً عن مصدر", "attrib", "نقلا عن", "نقلاً عن"),
        ("على لسان قائدها", "attrib", "على لسان", "على لسان"),
    ],
)
def test_a_cue_is_found_in_its_forms(text, cls, lemma, surface):
    assert (cls, lemma, surface) in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "حمل المقاتلون السلاح إلى الجبهة",  # حمّل without المسؤولية: carrying, not blaming
        "رفض الأهالي مغادرة القرية",  # رفض without an accusation
        "وقعت الاشتباكات بين الطرفين",  # بين is "between"
        "عنصر تابع للتنظيم",  # تابع is "affiliated"
        "في مدينة الرقة",  # مدينة is not a participle of أدان
    ],
)
def test_look_alike_words_are_not_cues(text):
    assert cues(text) == []


def test_cue_offsets_point_into_the_original_text_through_diacritics_and_tatweel():
    text = "وقد نفـــتْ الشرطةُ الخبر"
    (cue,) = find_cues(text)
    assert text[cue.start : cue.end] == cue.surface == "نفـــتْ"


@pytest.mark.parametrize("text", ["عبر الادعاء بأن قواتها هوجمت", "وهو الزعم بأن الجيش انسحب"])
def test_the_verbal_noun_with_its_article_is_an_accusation_cue(text):
    (cue,) = [c for c in find_cues(text) if c.form == "noun"]
    assert cue.cls == "accuse"


@pytest.mark.parametrize(
    ("text", "form"),
    [
        # After a preposition naming what is answered, "زعم" is the noun ("the claim").
        ("ردّ المتحدث على زعم الحكومة بوجود مقاتلين أجانب", "noun"),
        # Elsewhere it stays the verb.
        ("زعم النظام أن الفصائل قصفت البلدة", "verb"),
    ],
)
def test_a_word_after_a_preposition_is_read_as_the_noun(text, form):
    (cue,) = [c for c in find_cues(text) if c.lemma == "زعم"]
    assert cue.form == form


def test_first_person_verbal_nouns_are_cues():
    lemmas = {c.lemma for c in find_cues("رغم نفينا المطلق وتأكيدنا للصحفي بأن الوثيقة مزورة")}
    assert {"نفي", "تأكيد"} <= lemmas
