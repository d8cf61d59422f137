"""People and groups introduced by pattern become proposed parties (or aliases of known
ones) for an editor to confirm."""

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from claims.extraction.matcher import AliasIndex
from claims.extraction.parties import propose_parties
from sources.text import normalize_for_matching

REGISTRY = Path(__file__).resolve().parents[3] / "claims" / "data" / "actors.toml"


def registry_index() -> AliasIndex:
    """The registry's names and aliases as the matcher sees them, without Django."""
    with REGISTRY.open("rb") as handle:
        actors = tomllib.load(handle)["actor"]
    aliases: dict[str, set[str]] = defaultdict(set)
    for actor in actors:
        for surface in (actor["name_ar"], actor["name_en"], *actor.get("aliases", [])):
            if normalize_for_matching(surface):
                aliases[normalize_for_matching(surface)].add(actor["key"])
    return AliasIndex(aliases)


INDEX = registry_index()


def proposed(text: str) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    """(surface, kind, pattern, parent_hint, known, alias_of) of each proposal, and every
    span checked against the text."""
    found = []
    for party in propose_parties(text, INDEX):
        assert text[party.start : party.end] == party.surface
        found.append(
            (
                party.surface,
                party.kind,
                party.pattern,
                party.parent_hint,
                party.known,
                party.alias_of,
            )
        )
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # المدعو / يُدعى
        (
            "اعتقلت الدورية المدعو خالد حسن العلي في حي الميدان",
            [("خالد حسن العلي", "person", "المدعو", None, None, None)],
        ),
        (
            "اعتقلت الدورية المدعو علي حسن على الحدود",
            [("علي حسن", "person", "المدعو", None, None, None)],
        ),
        (
            "داهمت القوات منزل المدعو (ماهر سليم الدرويش) فجرا",
            [("ماهر سليم الدرويش", "person", "المدعو", None, None, None)],
        ),
        (
            "قتل عنصر من داعش يُدعى أبو صهيب العراقي",
            [("أبو صهيب العراقي", "person", "يدعى", "isis", None, None)],
        ),
        (
            "وسلم المدعو “محمود السعيد/ أبو حمزة” نفسه للشرطة",
            [
                ("محمود السعيد", "person", "المدعو", None, None, None),
                ("أبو حمزة", "person", "المدعو", None, None, "محمود السعيد"),
            ],
        ),
        # the one who arrests is not the one the name belongs to
        (
            "اعتقلت قسد المدعو سامي العبد الله",
            [("سامي العبد الله", "person", "المدعو", None, None, None)],
        ),
        # القيادي في / بـ
        (
            "قتل القيادي في داعش أبو عمر الحلبي في غارة",
            [("أبو عمر الحلبي", "person", "القيادي", "isis", None, None)],
        ),
        (
            "القيادي بداعش المدعو “أبو ياسر الشامي” قتل أمس",
            [("أبو ياسر الشامي", "person", "القيادي", "isis", None, None)],
        ),
        (
            "أكد القيادي أبو محمد الجبوري أن الهدنة انتهت",
            [("أبو محمد الجبوري", "person", "القيادي", None, None, None)],
        ),
        (
            "قال “أبو خالد النعيمي” القيادي في الحرس الثوري إن",
            [("أبو خالد النعيمي", "person", "القيادي", "irgc", None, None)],
        ),
        # قائد / أمير / مسؤول
        (
            "أعلن قائد فصيل صقور الجبل حسن حاج علي أن المعركة بدأت",
            [
                ("صقور الجبل", "armed_group", "فصيل", None, None, None),
                ("حسن حاج علي", "person", "قائد", None, None, None),
            ],
        ),
        (
            "ظهر القائد “أبو جاسم” في تسجيل مصور",
            [("أبو جاسم", "person", "قائد", None, None, None)],
        ),
        (
            "وقال أمير داعش في الرقة “أبو لقمان” إن",
            [("أبو لقمان", "person", "أمير", "isis", None, None)],
        ),
        (
            "وقال مسؤول العلاقات العامة في قسد سعيد خالد إن",
            [("سعيد خالد", "person", "مسؤول", "sdf", None, None)],
        ),
        (
            "قتل مسؤول كبير في داعش يدعى أبو طلحة الأنصاري",
            [("أبو طلحة الأنصاري", "person", "مسؤول", "isis", None, None)],
        ),
        # المتحدث / الناطق باسم: the name after the organisation, after a comma, a rank, or
        # before the title
        (
            "وقال المتحدث الرسمي باسم قسد كمال سليمان إن",
            [("كمال سليمان", "person", "المتحدث باسم", "sdf", None, None)],
        ),
        (
            "وقال المتحدث باسم التحالف الدولي، جون سميث، إن الغارة لم تقع",
            [("جون سميث", "person", "المتحدث باسم", "us_led_coalition", None, None)],
        ),
        (
            "أكد الناطق باسم الجيش الوطني السوري النقيب عمر يوسف أن القصف توقف",
            [("عمر يوسف", "person", "الناطق باسم", "syrian_national_army", None, None)],
        ),
        (
            "وذكر العميد سامي الأحمد المتحدث باسم الفيلق الخامس أن",
            [("سامي الأحمد", "person", "المتحدث باسم", "fifth_corps", None, None)],
        ),
        (
            "وقال المتحدث باسم لواء الفاتحين، سامر عبيد، إن المعارك مستمرة",
            [
                ("لواء الفاتحين", "unit", "لواء", None, None, None),
                ("سامر عبيد", "person", "المتحدث باسم", None, None, None),
            ],
        ),
        # the known come back with their key, for the editor to add a new spelling
        (
            "قال القيادي في حركة أحرار الشام عبد الكريم الكردي إن",
            [
                ("حركة أحرار الشام", "armed_group", "حركة", None, "ahrar_al_sham", None),
                (
                    "عبد الكريم الكردي",
                    "person",
                    "القيادي",
                    "ahrar_al_sham",
                    "abdul_karim_al_kurdi",
                    None,
                ),
            ],
        ),
        (
            "وأوضح المتحدث باسم التحالف الكولونيل رايان ديلون أن",
            [("رايان ديلون", "person", "المتحدث باسم", "us_led_coalition", "ryan_dillon", None)],
        ),
        # nicknames: another name of the one named before
        (
            "قتل خالد العمر الملقب بأبي جعفر في الاشتباك",
            [
                ("خالد العمر", "person", "الملقب", None, None, None),
                ("أبي جعفر", "person", "الملقب", None, None, "خالد العمر"),
            ],
        ),
        (
            "اعتقلت الدورية المدعو سالم الحسين المعروف باسم “الذيب”",
            [
                ("سالم الحسين", "person", "المدعو", None, None, None),
                ("الذيب", "person", "المعروف ب", None, None, "سالم الحسين"),
            ],
        ),
        (
            "ظهر أبو حاتم شقرا الملقب بـ“الهايس” في الفيديو",
            [("الهايس", "person", "الملقب", None, "abu_hatem_shaqra", "أبو حاتم شقرا")],
        ),
        (
            "يسيطر على البلدة فصيل يعرف باسم «درع الجزيرة»، وهو يتبع إلى قسد",
            [("درع الجزيرة", "armed_group", "المعروف ب", "sdf", None, None)],
        ),
        # organisations
        (
            "هاجم فصيل “أسود الشرقية” مواقع الجيش",
            [("أسود الشرقية", "armed_group", "فصيل", None, None, None)],
        ),
        (
            "تقاتل حركة “ثوار الجزيرة” إلى جانب قسد",
            [("حركة “ثوار الجزيرة”", "armed_group", "حركة", None, None, None)],
        ),
        (
            "أعلنت كتيبة المهام الخاصة التابعة لقسد النفير",
            [("كتيبة المهام الخاصة", "unit", "كتيبة", "sdf", None, None)],
        ),
        (
            "تبنى لواء صقور الشمال التابع للجيش الوطني الهجوم",
            [("لواء صقور الشمال", "unit", "لواء", "syrian_national_army", None, None)],
        ),
        (
            "أعلن مجلس الباب العسكري النفير العام",
            [("مجلس الباب العسكري", "unit", "مجلس عسكري", None, None, None)],
        ),
        (
            "انشق عناصر من تجمع الأنصار عن الجبهة",
            [("تجمع الأنصار", "armed_group", "تجمع", None, None, None)],
        ),
        (
            "وصلت تعزيزات من جيش العشائر إلى المنطقة",
            [("جيش العشائر", "armed_group", "جيش", None, "arab_tribal_forces", None)],
        ),
        (
            "اتهم الأهالي ميليشيا “الدفاع المحلي” بالسرقة",
            [("الدفاع المحلي", "armed_group", "ميليشيا", None, "local_defense_forces", None)],
        ),
        (
            "تتمركز فرقة الحمزات في القرية",
            [("فرقة الحمزات", "unit", "فرقة", None, "hamza_division", None)],
        ),
        (
            "اتهم الأهالي ميليشيا “الأسايش” التابعة لـ”قسد” بالاعتقال",
            [("الأسايش", "armed_group", "ميليشيا", "sdf", "asayish", None)],
        ),
        (
            "أسفر الهجوم عن مقتل قائد كتيبة المدفعية في الفرقة الرابعة",
            [("كتيبة المدفعية", "unit", "كتيبة", "fourth_division", None, None)],
        ),
        (
            "ويقود الحملة العقيد محمد الأحمد قائد القطاع الشرقي",
            [("محمد الأحمد", "person", "قائد", None, None, None)],
        ),
        (
            "أعلنت هيئة الأركان في بيان أن الطرق آمنة",
            [("هيئة الأركان", "organization", "هيئة", None, None, None)],
        ),
        (
            "وقالت منظمة العفو الدولية إن المعتقلين مفقودون",
            [("منظمة العفو الدولية", "organization", "منظمة", None, "amnesty", None)],
        ),
    ],
)
def test_a_party_introduced_by_a_pattern_is_proposed(text, expected):
    assert proposed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "قُتل ثلاثة مدنيين في قصف على البلدة",
        "نفى المتحدث باسم التحالف الدولي، مسؤوليته عن القصف",
        "رفض المتحدث باسم الوزارة التعليق على الخبر",
        "وقال قائد ميداني إن الهجوم فشل",
        "شهدت البلدة حركة نزوح واسعة",
        "تشهد الطرقات حركة المرور المعتادة",
        "حذرت جماعة مسلحة من التصعيد",
        "تعتبر أنقرة الحزب منظمة إرهابية",
        "قتل عنصر من الفرقة 25 في الهجوم",
        "ترقى الضابط إلى رتبة لواء في الجيش",
        "أعلن الجيش الوطني السوري النفير",
        "ما يسمى “أبو الفداء” ظهر مجددا",
        "ضمن ما يعرف بـ “اتفاق الهدنة”",
        "الوثيقة تدعي إطلاق سراح المعتقلين مقابل المال",
        "وأعلن التنظيم مقتل قيادي في صفوفه",
        "ظهرت حركة نشطة للطيران فوق المنطقة",
        "قال رئيس المجلس المحلي أحمد حسين إن المياه قطعت",
    ],
)
def test_no_party_is_proposed_without_a_name(text):
    assert proposed(text) == []


def test_known_parties_are_not_proposed_as_new_ones():
    text = "اعتقلت القوات القيادي في داعش المدعو أبو أحمد الجميلي وقائد الفرقة 86 أبو حاتم شقرا"
    found = propose_parties(text, INDEX)
    assert [(party.surface, party.known) for party in found] == [
        ("أبو أحمد الجميلي", "abu_ahmad_al_jumaili"),
        ("أبو حاتم شقرا", "abu_hatem_shaqra"),
    ]
    assert [party.parent_hint for party in found] == ["isis", "division_86"]


def test_spans_point_into_the_text_through_diacritics_tatweel_and_proclitics():
    text = "وقالَ القياديُّ في داعـش المدعوُّ “أبو سـعيد الحمصيّ” إنّ ... ولفصيلِ “نسور الغاب” مقرّ"
    found = propose_parties(text, INDEX)
    assert [party.surface for party in found] == ["أبو سـعيد الحمصيّ", "نسور الغاب"]
    for party in found:
        assert text[party.start : party.end] == party.surface
