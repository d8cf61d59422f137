"""Every extraction rule, on sentences written for these tests (not taken from the corpus)."""

from pathlib import Path

import pytest

from claims.extraction.engine import extract
from claims.extraction.registry import Party, Registry

REGISTRY_PATH = Path(__file__).resolve().parents[3] / "claims" / "data" / "actors.toml"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_toml(REGISTRY_PATH)


def only(text: str, registry: Registry, **wanted):
    """The one candidate of `text` that has every wanted attribute."""
    found = [
        c for c in extract(text, registry) if all(getattr(c, k) == v for k, v in wanted.items())
    ]
    assert len(found) == 1, (wanted, extract(text, registry))
    return found[0]


@pytest.mark.parametrize(
    ("text", "claim_type", "claimant", "rule"),
    [
        # VSO: the subject follows the verb.
        ("اتهمت قسد الفرقة الرابعة بقصف قرية الخفسة بالمدفعية.", "accusation", "sdf", "vso_accuse"),
        # SVO and headline forms: the subject stands before the verb.
        ("قسد تتهم دمشق بتسهيل مرور خلايا داعش إلى الرقة", "accusation", "sdf", "svo_accuse"),
        ("الداخلية السورية تنفي اعتقال صحفيين في حمص", "denial", "syrian_interior", "svo_deny"),
        (
            "وزارة الدفاع التركية: تحييد 7 عناصر من بي كا كا قرب تل أبيض",
            "assertion",
            "turkey",
            "svo_colon_say",
        ),
        # Denial verbs and phrasings.
        (
            "نفى التحالف الدولي أن تكون طائراته قد قصفت سوق البلدة ليلة أمس.",
            "denial",
            "us_led_coalition",
            "vso_deny",
        ),
        ("كذّبت قوات سوريا الديمقراطية الأنباء عن انسحابها من تل تمر.", "denial", "sdf", "vso_deny"),
        # A neutral cue whose content says the report is false is a denial.
        (
            "وقال المرصد السوري لحقوق الإنسان إن صور الجثث المتداولة مفبركة بالكامل.",
            "denial",
            "sohr",
            "vso_say",
        ),
        # Demand.
        (
            "وطالبت الإدارة الذاتية الأمم المتحدة بفتح تحقيق في مقتل المدنيين.",
            "demand",
            "aanes",
            "vso_demand",
        ),
        # Confirmation.
        (
            "وأكدت وزارة الداخلية السورية صحة الأنباء عن توقيف ضابطين في درعا.",
            "confirmation",
            "syrian_interior",
            "vso_confirm",
        ),
        # Assertion: an operation and a figure, no accused party.
        (
            "أعلنت وحدات حماية الشعب أنها أحبطت تسلل مجموعة مسلحة قرب عين عيسى "
            "وقتلت ثلاثة من أفرادها.",
            "assertion",
            "ypg",
            "vso_say",
        ),
        # Claim of responsibility is an assertion.
        (
            "تبنى تنظيم داعش تفجير سيارة مفخخة في ريف الحسكة الجنوبي أمس.",
            "assertion",
            "isis",
            "vso_claim_responsibility",
        ),
        (
            "أعلن تنظيم داعش، مساء الجمعة، مسؤوليته عن اغتيال مختار قرية الصبحة.",
            "assertion",
            "isis",
            "vso_claim_responsibility",
        ),
        # Obfuscated spelling of ISIS.
        (
            "تبنى د1عـ.ـش الهجوم على حاجز للأمن العام قرب الميادين مساء السبت.",
            "assertion",
            "isis",
            "vso_claim_responsibility",
        ),
        # Blame with "حمّل ... المسؤولية".
        (
            "وحمّلت الحكومة السورية قسد مسؤولية انقطاع المياه عن مدينة الحسكة.",
            "accusation",
            "syrian_government",
            "vso_accuse",
        ),
    ],
)
def test_a_claim_gets_its_type_claimant_and_rule(registry, text, claim_type, claimant, rule):
    candidate = only(text, registry, rule=rule)
    assert (candidate.type, candidate.claimant) == (claim_type, claimant)


@pytest.mark.parametrize(
    ("text", "claimant", "rule"),
    [
        (
            "حتى الآن، لم تُصدر وزارة الدفاع السورية تعليقاً على الاتهامات.",
            "syrian_mod",
            "no_comment_lam_yasdur",
        ),
        ("ولم يصدر تعليق عن تركيا حول ما نشرته الصحيفة.", "turkey", "no_comment_lam_yasdur"),
        (
            "ولم يرد التحالف الدولي على طلب للتعليق أرسلته الوكالة.",
            "us_led_coalition",
            "no_comment_lam_yarud",
        ),
        ("ورفضت قوات سوريا الديمقراطية التعليق على التقرير.", "sdf", "no_comment_rafada_attaliq"),
        (
            "ولم تعلق الحكومة السورية على الحادثة حتى مساء اليوم.",
            "syrian_government",
            "no_comment_lam_tuallaq",
        ),
        (
            "ولم يعلن تنظيم داعش مسؤوليته عن تفجير الجسر حتى الآن.",
            "isis",
            "no_comment_lam_yulin_masuliyya",
        ),
    ],
)
def test_a_party_that_has_not_answered_is_a_no_comment(registry, text, claimant, rule):
    candidate = only(text, registry, type="no_comment")
    assert (candidate.claimant, candidate.rule) == (claimant, rule)


def test_nobody_in_particular_claiming_an_attack_is_not_a_claim(registry):
    text = "ولم تعلن أي جهة مسؤوليتها عن تفجير العبوة الناسفة في سوق المدينة."
    assert [c for c in extract(text, registry) if c.type == "no_comment"] == []


def test_a_person_speaks_for_the_organisation_of_the_apposition(registry):
    text = (
        "قال فرهاد شامي، مدير المركز الإعلامي لـ”قسد”، "
        "إن الجيش التركي قصف سيارة مدنية قرب القامشلي."
    )
    candidate = only(text, registry, rule="vso_say")
    assert candidate.speaker == "farhad_shami"
    assert candidate.claimant == "sdf"
    assert candidate.type == "accusation"
    assert "turkey" in candidate.targets


def test_a_person_without_apposition_speaks_for_his_role_organisation(registry):
    text = "وقال نور الدين البابا إن قوى الأمن أوقفت عصابة لتهريب السلاح في ريف حمص."
    candidate = only(text, registry, rule="vso_say")
    assert (candidate.speaker, candidate.claimant) == ("nour_al_din_al_baba", "syrian_interior")


def test_a_continuation_keeps_the_speaker_of_the_sentence_before(registry):
    text = (
        "قال فرهاد شامي، مدير المركز الإعلامي لـ”قسد”، إن الاشتباكات مستمرة في ريف منبج. "
        "وأضاف شامي أن قواتنا أسقطت طائرة مسيرة فوق سد تشرين. "
        "وأكد أن خسائر المهاجمين كبيرة في العتاد والأرواح."
    )
    candidates = extract(text, registry)
    assert [c.speaker for c in candidates] == ["farhad_shami"] * 3
    assert {c.claimant for c in candidates} == {"sdf"}
    assert candidates[2].rule == "continuation_say"


def test_a_participle_opens_a_second_claim_in_the_same_sentence(registry):
    text = (
        "نفت وزارة الداخلية السورية اعتقال ناشطين في السويداء، "
        "مؤكدة أن الموقوفين متهمون بتهريب المخدرات عبر الحدود."
    )
    denial, counter = extract(text, registry)
    assert (denial.type, denial.claimant) == ("denial", "syrian_interior")
    assert counter.rule == "participle_continuation_say"
    assert counter.claimant == "syrian_interior"
    assert counter.quote.startswith("مؤكدة أن")


def test_an_alternative_after_a_denial_is_a_counterclaim(registry):
    text = (
        "نفى الجيش الوطني السوري قصف الأحياء السكنية في مارع، "
        "مؤكداً أن القذائف أطلقتها قسد من مواقعها في تل رفعت بهدف خلق ذرائع للتصعيد."
    )
    types = [c.type for c in extract(text, registry)]
    assert types == ["denial", "counterclaim"]


def test_the_allegation_inside_a_denial_is_the_accusers_claim(registry):
    text = (
        "نفت قوات سوريا الديمقراطية المزاعم التي نشرتها وزارة الدفاع السورية حول "
        "قصف مواقع للجيش قرب مسكنة بالطائرات المسيرة."
    )
    embedded = only(text, registry, rule="embedded_allegation")
    assert (embedded.type, embedded.claimant) == ("accusation", "syrian_mod")
    assert embedded.quote.startswith("حول")
    assert embedded.targets == ("sdf",)


@pytest.mark.parametrize(
    ("text", "claimant", "rule"),
    [
        (
            "وبحسب المرصد السوري لحقوق الإنسان، فإن الغارة أوقعت ستة قتلى بين المدنيين.",
            "sohr",
            "attrib_bihasab",
        ),
        (
            "ووفقاً لوكالة سانا، فإن وحدات الجيش دمرت مستودعاً للذخيرة في ريف إدلب.",
            "sana",
            "attrib_wifqa",
        ),
        (
            "وقتل ثلاثة عناصر من الشرطة في كمين قرب بلدة الشحيل، حسب مصادر محلية.",
            "local_sources",
            "attrib_trailing",
        ),
    ],
)
def test_attribution_prepositions_name_the_claimant(registry, text, claimant, rule):
    candidate = only(text, registry, rule=rule)
    assert candidate.claimant == claimant


@pytest.mark.parametrize(
    ("text", "claimant", "description"),
    [
        # An anonymous source tied to a party by the text belongs to that party.
        (
            "وقال مصدر عسكري في قسد لموقعنا إن الهجوم انطلق من مواقع الجيش.",
            "sdf",
            "مصدر عسكري في قسد",
        ),
        (
            "قال مصدر أمني سوري إن الانفجار ناجم عن عبوة ناسفة زرعها مجهولون.",
            "syrian_government",
            "مصدر أمني سوري",
        ),
        # With no party it is the collective source of the registry.
        ("وقالت مصادر محلية إن رتلاً عسكرياً دخل البلدة صباح اليوم.", "local_sources", "مصادر محلية"),
        ("وقال ناشطون إن الطيران المروحي ألقى براميل متفجرة على البلدة.", "activists", "ناشطون"),
    ],
)
def test_anonymous_sources_keep_their_description(registry, text, claimant, description):
    (candidate,) = extract(text, registry)
    assert candidate.claimant == claimant
    assert candidate.speaker_description == description


def test_a_proclitic_before_a_quoted_name_still_finds_the_party(registry):
    text = "وأوضح المركز الإعلامي لـ”قسد” أن قواته صدت هجوماً على قرية الدبسي."
    candidate = only(text, registry, rule="vso_say")
    assert candidate.claimant in {"sdf", "sdf_media_center"}


def test_an_anaphor_refers_to_the_party_that_spoke_before(registry):
    text = (
        "أصدرت وزارة الدفاع التركية بياناً حول العملية. "
        "وذكرت الوزارة أن قواتها دمرت ثلاثة مخابئ للأسلحة في ريف تل أبيض."
    )
    candidate = only(text, registry, rule="anaphor_say")
    assert candidate.claimant == "turkey"


def test_a_reporting_chain_gives_the_source_not_the_outlet(registry):
    text = "ونقلت وكالة رويترز عن مصدر أمني سوري أن المسلحين فروا باتجاه البادية."
    candidate = only(text, registry, cue="ونقلت")
    assert candidate.claimant == "syrian_government"


def test_vague_observers_are_not_a_claimant(registry):
    assert extract("ويرى مراقبون أن التصعيد سيستمر خلال الأسابيع المقبلة.", registry) == []


def test_a_relative_verb_is_not_a_new_claim(registry):
    text = "نفت قسد التقارير التي نشرتها صحيفة تركية عن تجنيد أطفال في صفوفها."
    cues = [c.cue for c in extract(text, registry)]
    assert "نشرتها" not in cues


def test_quotes_are_exact_spans_of_the_text_and_record_rule_and_cue(registry):
    text = (
        "متابعة -\n\nاتهمت قسد الفصائل الموالية لأنقرة بخرق الهدنة في ريف منبج، "
        "مشيرةً إلى أن القصف استهدف منازل المدنيين. وقال ناشطون إن ثلاثة أطفال أصيبوا."
    )
    candidates = extract(text, registry)
    assert len(candidates) == 3
    for candidate in candidates:
        assert text[candidate.start : candidate.end] == candidate.quote
        assert 12 <= len(candidate.quote) <= 400
        assert candidate.rule
        assert candidate.cue
        assert text.find(candidate.cue) >= 0
    assert candidates[0].quote.endswith("في ريف منبج")
    assert not candidates[0].quote.endswith("،")


def test_a_direct_quote_is_marked_direct(registry):
    text = "وقال المرصد السوري لحقوق الإنسان: «الغارة استهدفت مخبزاً في وسط البلدة»."
    (candidate,) = extract(text, registry)
    assert candidate.direct


def test_a_registry_built_from_rows_works_like_the_file():
    registry = Registry.from_rows(
        [
            Party("north_front", "جبهة الشمال", "North Front", "armed_group"),
            Party("river_council", "مجلس النهر", "River Council", "unit", parent="north_front"),
        ]
    )
    (candidate,) = extract("واتهمت جبهة الشمال مجلس النهر بقصف الجسر.", registry)
    assert (candidate.claimant, candidate.type) == ("north_front", "accusation")
    assert registry.ancestors("river_council") == ["north_front"]


def test_empty_text_has_no_claims(registry):
    assert extract("", registry) == []
    assert extract("   \n", registry) == []


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # A relative clause ("التي نشرتها وكالة سانا") does not give "نفت" its subject.
        (
            "أصدرت قسد بياناً نفت فيه صحة الأنباء التي نشرتها وكالة سانا عن انسحاب قواتها.",
            [("denial", "sdf")],
        ),
        # A quotation mark around the party's name does not end the subject.
        ("واعتبر بيان “قسد” أن التقرير مفبرك بالكامل.", [("denial", "sdf")]),
        # "تقرير نشرته وكالة رويترز": a verb with a pronoun back to the noun is relative.
        (
            "نفت وزارة الداخلية السورية ما جاء في تقرير نشرته وكالة رويترز عن اعتقال صحفيين "
            "في مدينة حمص.",
            [("denial", "syrian_interior"), ("accusation", "reuters")],
        ),
        # The allegation denied is the object of the verb, not a claim of its own.
        (
            "الإدارة الذاتية تكذّب مزاعم وزارة الدفاع السورية حول قصف مخيم للنازحين",
            [("denial", "aanes"), ("accusation", "syrian_mod")],
        ),
        # "أن الكولونيل X قال": the reported speaker is the claimant, not the outlet.
        (
            "وذكرت وكالة سانا أن الكولونيل ستيف وارن قال إن طائرات التحالف لم تستهدف الجسر.",
            [("denial", "us_led_coalition")],
        ),
    ],
)
def test_the_subject_is_found_past_quotes_relatives_and_reporting_chains(registry, text, wanted):
    assert [(c.type, c.claimant) for c in extract(text, registry)] == wanted


def test_a_statement_that_denies_then_counters_gives_two_claims(registry):
    text = (
        "وقال المركز الإعلامي لقسد إن قواته لم تنفذ أي عملية عسكرية قرب منبج، "
        "وإن هذه الأنباء مفبركة بهدف خلق ذرائع للتصعيد."
    )
    denial, counter = extract(text, registry)
    assert (denial.type, counter.type) == ("denial", "counterclaim")
    assert denial.quote.endswith("قرب منبج")
    assert counter.quote.startswith("وإن هذه الأنباء")
    assert counter.rule == "coordinated_say"


def test_a_statement_going_on_with_the_same_claim_stays_one(registry):
    text = "وأكدت قسد أن الاشتباكات مستمرة، وأن النتائج غير مكتملة حتى الآن."
    assert len(extract(text, registry)) == 1


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # A first-person verb inside a quotation goes on with the quotation's speaker.
        (
            'وقال المتحدث باسم التحالف الدولي: "لم نقصف أي موقع للجيش في المنطقة، '
            'لذلك نرى أن هذه الاتهامات باطلة".',
            [("denial", "us_led_coalition"), ("denial", "us_led_coalition")],
        ),
        # A cue opening the quotation speaks for the one who is quoted, not for its subject.
        (
            "وقالت الإدارة الذاتية في بيان على موقعها: “نشرت بعض الصفحات أخباراً كاذبة "
            "عن اعتقال معلمين في الرقة”.",
            [("denial", "aanes")],
        ),
        # The noun after a first-person verb is its object: "وندعو وسائل الإعلام".
        (
            "وقالت قسد في بيان: “ليس لدينا أي تواجد في تلك القرى، "
            "وندعو وسائل الإعلام إلى تحري الدقة في أخبارها”.",
            [("denial", "sdf"), ("demand", "sdf")],
        ),
        # An excerpt cut off inside the quotation: the quotation still speaks.
        (
            "وقال مظلوم عبدي، في منشور له على حسابه، “ندين قصف القوات التركية لقرى ريف",
            [("accusation", "sdf")],
        ),
    ],
)
def test_cues_inside_a_quotation_belong_to_its_speaker(registry, text, wanted):
    assert [(c.type, c.claimant) for c in extract(text, registry)] == wanted


def test_a_party_named_by_its_kind_has_not_claimed_an_attack(registry):
    text = (
        "اتهمت الحكومة السورية تنظيم داعش بتفجير الجسر. "
        "ولم يعلن التنظيم مسؤوليته عن التفجير حتى الآن."
    )
    candidate = only(text, registry, type="no_comment")
    assert candidate.claimant == "isis"


def test_the_accused_answering_with_its_own_version_is_a_counterclaim(registry):
    text = (
        "اتهمت قسد وزارة الدفاع السورية بقصف قرية الخفسة. "
        "وصدر بيان عن وزارة الدفاع السورية، حاولت فيه الرد عبر الادعاء بأن قسد هاجمت "
        "مواقع الجيش أولاً وقتلت ثلاثة من جنوده."
    )
    candidate = only(text, registry, rule="noun_content_accuse")
    assert (candidate.type, candidate.claimant) == ("counterclaim", "syrian_mod")
    assert candidate.targets == ("sdf",)


# --- Round 3: who did the act, denials in every shape, the accuser's party ---


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # The speaker's own men did the act: an operation claim, even against a named enemy.
        (
            "وقالت وكالة أعماق إن عناصره هاجموا حاجزاً للحكومة السورية قرب سراقب.",
            ("assertion", "isis"),
        ),
        # The claimant named as the one acting, helped by another party: its own operation.
        (
            "وقال مصدر عسكري في قسد إن قسد، وبمساندة من التحالف الدولي، نفذت عملية دهم "
            "في بلدة الشحيل.",
            ("assertion", "sdf"),
        ),
        # Another party named before the act: the act is blamed on it.
        (
            "وقال المرصد السوري لحقوق الإنسان إن القوات التركية نفذت مجزرة بقصفها قرية قرب منبج.",
            ("accusation", "sohr"),
        ),
        # Deaths caused by another party's strikes: an accusation of that party.
        (
            "وذكرت وكالة سانا أن 6 مدنيين قتلوا في غارات شنها طيران التحالف الدولي على "
            "قرية قرب البوكمال.",
            ("accusation", "sana"),
        ),
        # An enemy killed "during a security operation": the speaker's operation.
        (
            "وأعلنت قسد مقتل قيادي في تنظيم داعش خلال عملية أمنية في ريف الحسكة.",
            ("assertion", "sdf"),
        ),
        # An expectation is no blame yet.
        (
            "وتوقع جيش الفتح أن يقوم النظام السوري بخرق الاتفاق خلال أيام.",
            ("assertion", "jaish_al_fath"),
        ),
        # Something orchestrated, with nobody named: still an accusation.
        (
            "وأكدت الإدارة الذاتية أن الاحتجاجات في الطبقة لم تكن عفوية.",
            ("accusation", "aanes"),
        ),
    ],
)
def test_the_agent_of_the_act_decides_assertion_or_accusation(registry, text, wanted):
    found = [(c.type, c.claimant) for c in extract(text, registry)]
    assert found == [wanted]


@pytest.mark.parametrize(
    "text",
    [
        # The outlet the source spoke to is not the accused.
        "وقال مصدر عسكري في قسد لوكالة نورث برس إن المفاوضات مع الحكومة مستمرة.",
        # A place named after a party ("ريف دمشق") and a border are not accused parties.
        "وقال المرصد السوري لحقوق الإنسان إن قذائف سقطت على بلدة قرب الحدود مع العراق "
        "وأخرى في ريف دمشق.",
        # Ground held by a party where the shells fell does not accuse it.
        "وقالت مصادر محلية إن عدة قذائف سقطت في حي سكني خاضع لسيطرة قسد.",
    ],
)
def test_addressees_places_and_held_ground_are_not_targets(registry, text):
    (candidate,) = extract(text, registry)
    assert candidate.type == "assertion"
    assert candidate.targets == ()


def test_fire_coming_from_held_ground_accuses_who_holds_it(registry):
    text = "وتقول قسد إن الهجمات تنطلق من مناطق خاضعة لسيطرة الحكومة السورية."
    (candidate,) = extract(text, registry)
    assert (candidate.type, candidate.targets) == ("accusation", ("syrian_government",))


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        # "نفى كل من X و Y": the first of the listed subjects denies.
        (
            "نفى كل من فيلق الشام وأحرار الشرقية أي علاقة لهما بالاشتباكات في جنديرس.",
            [("denial", "faylaq_al_sham")],
        ),
        # A party declaring itself innocent, then its own version in a second clause.
        (
            "وأعلنت فرقة الحمزة في بيان، براءتها من حادثة الحرق، وأن الخلاف كان بين عائلتين.",
            [("denial", "hamza_division"), ("counterclaim", "hamza_division")],
        ),
        # Two denials in one statement joined by "، و".
        (
            "وقال المتحدث باسم قسد إن “ليس هناك أي نقل لسجناء التنظيم من الحسكة، "
            "وكل ما تنشره بعض الصفحات عن ذلك أخبار كاذبة”.",
            [("denial", "sdf"), ("denial", "sdf")],
        ),
        # The accusation "الاتهام للحكومة" called false: the clause is a denial, no claim by
        # the accused party of its own.
        (
            "وقالت الخارجية السورية إن “كل الاتهامات للحكومة السورية باطلة ولا أساس لها”.",
            [("denial", "syrian_government")],
        ),
    ],
)
def test_denials_in_their_many_shapes(registry, text, wanted):
    assert [(c.type, c.claimant) for c in extract(text, registry)] == wanted


def test_a_speaker_introduced_with_a_colon_in_a_reported_clause(registry):
    text = (
        "وذكرت وكالة رويترز أن الكولونيل ستيف وارن المتحدث باسم التحالف : "
        "لم ننفذ أي ضربة في تلك المنطقة أمس."
    )
    (candidate,) = extract(text, registry)
    assert (candidate.type, candidate.claimant, candidate.speaker, candidate.rule) == (
        "denial",
        "us_led_coalition",
        "steve_warren",
        "reported_colon_say",
    )


def test_a_participle_goes_on_with_the_subject_of_the_sentence(registry):
    text = (
        "ردّ المتحدث باسم قسد على زعم النظام السوري بنقل سجناء داعش، مؤكداً أن "
        "لا يوجد أي تغيير في أوضاع السجون."
    )
    found = [(c.type, c.claimant, c.rule) for c in extract(text, registry)]
    assert ("accusation", "syrian_government", "noun_genitive_accuse") in found
    assert ("denial", "sdf", "participle_subject_say") in found


def test_a_bare_noun_names_the_party_whose_name_it_heads(registry):
    # No armed group named before "التجمع"; "أحرار الشرقية" is, later, through its parent.
    text = (
        "وأصدر التجمع بياناً أشار فيه إلى أن لا علاقة له بحادثة الاغتيال. "
        "وأعلن جيش الشرقية وأحرار الشرقية في بيان مشترك رفضهما للفوضى."
    )
    candidate = extract(text, registry)[0]
    assert (candidate.type, candidate.claimant) == ("denial", "ahrar_al_sharqiya")


def test_local_sources_denying_give_a_rival_version(registry):
    text = (
        "وأكدت مصادر محلية أن القذائف أطلقت من مواقع النظام السوري، نافية أن يكون "
        "مصدرها مناطق المعارضة."
    )
    found = [(c.type, c.rule) for c in extract(text, registry)]
    assert ("counterclaim", "participle_continuation_deny") in found


def test_recasting_the_allegation_after_calling_it_false_is_a_counterclaim(registry):
    text = (
        "وقالت الخارجية السورية إن “ما يسمونه أدلة كاذب، إنما هي صور قديمة نشرتها "
        "الجماعات المسلحة”."
    )
    (candidate,) = extract(text, registry)
    assert candidate.type == "counterclaim"


def test_an_attribution_set_inside_its_clause_takes_the_words_before_it(registry):
    text = (
        "وبحسب قسد، فإن الحكومة تكتفي بالبيانات، فيما تتجاهل -وفقا لفرهاد شامي- "
        "وجود مسلحين يرفعون رايات داعش على حواجزها الأمامية."
    )
    candidate = only(text, registry, rule="attrib_wifqa")
    assert candidate.quote.startswith("فيما تتجاهل")
    assert candidate.type == "accusation"


def test_our_own_earlier_assurance_in_a_quotation_is_a_claim(registry):
    text = "وقالت قسد في بيان: “رغم تأكيدنا للصحفي بأن الرسالة مزورة، إلا أنه نشرها”."
    found = [(c.type, c.claimant) for c in extract(text, registry)]
    assert ("denial", "sdf") in found
