"""Sources of a claim are kept as reported: vague and anonymous ones with their description
and party, and the chain of outlets the information passed through."""

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from claims.extraction.matcher import AliasIndex
from claims.extraction.sources import find_sources, reporting_chain
from sources.text import normalize_for_matching

REGISTRY = Path(__file__).resolve().parents[3] / "claims" / "data" / "actors.toml"


def registry() -> tuple[AliasIndex, frozenset[str]]:
    """The registry's aliases as the matcher sees them, and the keys of media actors."""
    with REGISTRY.open("rb") as handle:
        actors = tomllib.load(handle)["actor"]
    aliases: dict[str, set[str]] = defaultdict(set)
    for actor in actors:
        for surface in (actor["name_ar"], actor["name_en"], *actor.get("aliases", [])):
            if normalize_for_matching(surface):
                aliases[normalize_for_matching(surface)].add(actor["key"])
    media = frozenset(actor["key"] for actor in actors if actor["kind"] == "media")
    return AliasIndex(aliases), media


INDEX, MEDIA = registry()


def reported(text: str, **options) -> list[tuple[str, bool, str | None, str | None, str | None]]:
    """(description, anonymous, party, collective, via) of each source; spans checked."""
    found = []
    for source in find_sources(text, INDEX, **options):
        assert text[source.start : source.end] == source.description
        found.append(
            (source.description, source.anonymous, source.party, source.collective, source.via)
        )
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a party's anonymous source, and the outlet it spoke to
        (
            "وقال مصدر عسكري في قسد لـ“نورث برس” إن القوات تقدمت",
            [("مصدر عسكري في قسد", True, "sdf", "military_source", "north_press")],
        ),
        (
            "أفاد مصدر عسكري من قسد لوكالة نورث برس بأن الطريق مغلق",
            [("مصدر عسكري من قسد", True, "sdf", "military_source", "north_press")],
        ),
        (
            "وقال مصدر عسكري بقسد إن الهجوم صُدّ",
            [("مصدر عسكري بقسد", True, "sdf", "military_source", None)],
        ),
        (
            "وقال المصدر العسكري في قسد إن التعزيزات وصلت",
            [("المصدر العسكري في قسد", True, "sdf", "military_source", None)],
        ),
        (
            "قال مصدر مطلع في الحكومة السورية إن الاتفاق قريب",
            [("مصدر مطلع في الحكومة السورية", True, "syrian_government", "unnamed_sources", None)],
        ),
        (
            "أشار مصدر مسؤول في وزارة الداخلية إلى أن التحقيق مستمر",
            [("مصدر مسؤول في وزارة الداخلية", True, "syrian_interior", None, None)],
        ),
        ("حسب رواية مصادر قسد فإن الهجوم فشل", [("مصادر قسد", True, "sdf", None, None)]),
        # the side a source is close to, and the registry's reading of the whole phrase
        (
            "وقالت وسائل إعلام موالية لـ“قسد” إن الحاجز أزيل",
            [("وسائل إعلام موالية لـ“قسد”", True, "sdf", "media_outlets", None)],
        ),
        (
            "وزعمت وسائل إعلام موالية للنظام السوري أن الوفد وصل",
            [
                (
                    "وسائل إعلام موالية للنظام السوري",
                    True,
                    "syrian_government",
                    "pro_government_media",
                    None,
                )
            ],
        ),
        (
            "وذكرت مصادر مقربة من الجيش الوطني أن القصف توقف",
            [("مصادر مقربة من الجيش الوطني", True, "syrian_national_army", None, None)],
        ),
        # a state's security or military source speaks for that state
        (
            "قال مصدر أمني سوري إن الدورية تعرضت لكمين",
            [("مصدر أمني سوري", True, "syrian_government", "security_source", None)],
        ),
        (
            "صرّح مصدر عسكري تركي لوكالة الأناضول بأن العملية انتهت",
            [("مصدر عسكري تركي", True, "turkey", "military_source", "anadolu")],
        ),
        (
            "قال مصدر أمني عراقي لـ“رويترز” إن الحدود أغلقت",
            [("مصدر أمني عراقي", True, "iraq", "security_source", "reuters")],
        ),
        # the name-withheld remark belongs to the description
        (
            "وقال مصدر في قسد، فضّل عدم الكشف عن اسمه، إن الاجتماع تأجل",
            [("مصدر في قسد، فضّل عدم الكشف عن اسمه", True, "sdf", None, None)],
        ),
        (
            "وأكد مصدر أمني طلب عدم الكشف عن هويته أن المعبر أغلق",
            [("مصدر أمني طلب عدم الكشف عن هويته", True, None, "security_source", None)],
        ),
        # vague sources: the registry's collective actor
        (
            "قالت مصادر محلية إن القصف طال السوق",
            [("مصادر محلية", True, None, "local_sources", None)],
        ),
        (
            "قالت مصادر محلية من بلدة الصور، إن القصف طال السوق",
            [("مصادر محلية من بلدة الصور", True, None, "local_sources", None)],
        ),
        (
            "أكدت مصادر طبية أن الحصيلة ارتفعت",
            [("مصادر طبية", True, None, "local_medical_sources", None)],
        ),
        (
            "أكد مصدر طبي بمستشفى المدينة أن الجرحى نقلوا",
            [("مصدر طبي", True, None, "local_medical_sources", None)],
        ),
        (
            "وأفادت مصادر ميدانية بأن الاشتباكات تجددت",
            [("مصادر ميدانية", True, None, "field_source", None)],
        ),
        ("ذكرت مصادر أهلية أن الأهالي نزحوا", [("مصادر أهلية", True, None, "local_sources", None)]),
        ("ذكرت مصادر كردية أن الوفد وصل", [("مصادر كردية", True, None, "unnamed_sources", None)]),
        (
            "وذكرت مصادرُ إعلاميةٌ محليةٌ أنّ الطريق قطع",
            [("مصادرُ إعلاميةٌ محليةٌ", True, None, "local_media_sources", None)],
        ),
        (
            "قالت وسائل إعلام محلية إن الجسر انهار",
            [("وسائل إعلام محلية", True, None, "local_media_sources", None)],
        ),
        ("قال ناشطون إن الطيران قصف البلدة", [("ناشطون", True, None, "activists", None)]),
        ("وذلك بحسب ناشطين في المنطقة", [("ناشطين", True, None, "activists", None)]),
        ("وثق نشطاء سقوط قتلى في القصف", [("نشطاء", True, None, "activists", None)]),
        (
            "وقال ناشطون سوريون معارضون إن الغارة استهدفت مخبزا",
            [("ناشطون سوريون معارضون", True, None, "activists", None)],
        ),
        ("يرى مراقبون أن التصعيد سيستمر", [("مراقبون", True, None, "analysts_observers", None)]),
        (
            "وقال شهود عيان إن الانفجار وقع قرب المدرسة",
            [("شهود عيان", True, None, "eyewitnesses", None)],
        ),
        # the outlet a vague source spoke to, after it or before it
        (
            "قالت مصادر مطلعة لعنب بلدي إن الاتفاق فشل",
            [("مصادر مطلعة", True, None, "unnamed_sources", "enab_baladi")],
        ),
        (
            "كشفت مصادر خاصة في حديث لتلفزيون سوريا أن المعبر سيفتح",
            [("مصادر خاصة", True, None, "private_sources", "syria_tv")],
        ),
        (
            "نقلت وكالة الأناضول عن مصدر أمني أن المهاجمين فروا",
            [("مصدر أمني", True, None, "security_source", "anadolu")],
        ),
        (
            "وأفاد لـ SY24 مصدر محلي بأن الحاجز أزيل",
            [("مصدر محلي", True, None, "local_sources", "sy24")],
        ),
        (
            "قال مصدر دبلوماسي غربي لوكالة فرانس برس إن المحادثات تعثرت",
            [("مصدر دبلوماسي غربي", True, None, "unnamed_sources", "afp")],
        ),
        (
            "وقال ناشطون لـ“سمارت” إن المياه قطعت",
            [("ناشطون", True, None, "activists", "smart_news")],
        ),
        # a described source with a name is not anonymous
        (
            "قال الناشط الحقوقي سامر الخليل لعنب بلدي إن الحملة مستمرة",
            [("الناشط الحقوقي سامر الخليل", False, None, None, "enab_baladi")],
        ),
        (
            "وأوضح المحلل العسكري عمار الديري أن الهجوم كان متوقعا",
            [("المحلل العسكري عمار الديري", False, None, None, None)],
        ),
        # two sources in one sentence
        (
            "وأفاد ناشطون ووسائل إعلام محلية بأن القصف تجدد",
            [
                ("ناشطون", True, None, "activists", None),
                ("وسائل إعلام محلية", True, None, "local_media_sources", None),
            ],
        ),
    ],
)
def test_a_source_is_kept_as_reported(text, expected):
    assert reported(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "قُتل ثلاثة مدنيين في قصف على البلدة مساء أمس",
        "وتنفذ القوات عمليات تمشيط في الريف الشرقي",
        "حدد الخبراء مصدر القذائف بدقة",
        "وبقي مصدر الصواريخ مجهولاً",
        "أصبحت المدينة مصدرا للقلق",
        "وأضاف المصدر أن الطريق مغلق",
        "وأكدت المصادر أن الطريق مغلق",
        "المصدر: وكالات",
        "اعتقلت الشرطة عددا من الناشطين",
        "هدد التنظيم الناشطين في المدينة",
        "قتل الناشط الإعلامي سامر الخليل في القصف",
    ],
)
def test_narration_without_a_source_gives_none(text):
    assert reported(text) == []


def test_only_listed_outlets_count_when_the_caller_lists_them():
    text = "نقلت وكالة أعماق عن مصدر في التنظيم أن الهجوم نفذ"
    # Amaq is the ISIS mouthpiece: an outlet by its place in the sentence, not by the registry.
    assert reported(text)[0][4] == "isis"
    assert reported(text, outlets=MEDIA)[0][4] is None


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("قال مصدر عسكري في قسد لنورث برس إن الوضع هادئ", ["north_press"]),
        (
            "ذكر موقع عنب بلدي، نقلاً عن وكالة نورث برس، أن مصدرا عسكريا في قسد قال إن",
            ["north_press", "enab_baladi"],
        ),
        (
            "نقلت وكالة رويترز عن صحيفة الوطن السورية أن المفاوضات فشلت",
            ["al_watan_syria", "reuters"],
        ),
        ("وبحسب وكالة سبوتنيك، قال مصدر ميداني سوري إن", ["sputnik"]),
        ("وفقاً لوكالة سانا الرسمية فإن الطريق فتح", ["sana"]),
        ("قالت مصادر محلية إن القصف طال السوق", []),
        ("ونقلاً عن مصادر محلية فإن القصف طال السوق", []),
        ("وبحسب قسد، فإن الهجوم فشل", []),
        # only a whole quoted name is an outlet: "صوت العاصمة" is not the outlet "الصوت"
        ("ونقل موقع “صوت العاصمة” عن مصادر محلية أن الدورية انسحبت", []),
    ],
)
def test_the_reporting_chain_runs_from_the_source_outwards(text, chain):
    assert reporting_chain(text, INDEX) == chain


def test_with_the_outlets_listed_an_outlet_needs_no_media_noun():
    text = "وقالت عنب بلدي نقلاً عن نورث برس إن مصدرا في قسد أكد الخبر"
    assert reporting_chain(text, INDEX, outlets=MEDIA) == ["north_press", "enab_baladi"]
    assert reporting_chain(text, INDEX) == ["north_press"]


def test_source_spans_point_into_the_text_through_tatweel_and_quotes():
    text = "وقـال مصـدر عسكـري في «قسـد» لـ“نورث برس”: الهجوم فشل"
    (source,) = find_sources(text, INDEX)
    assert text[source.start : source.end] == "مصـدر عسكـري في «قسـد»"
    assert (source.party, source.via) == ("sdf", "north_press")
