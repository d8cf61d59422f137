"""The scorer follows the corpus matching rule: same file, half the anchor, same claimant."""

import pytest

from claims.extraction.evaluation import GoldClaim, Prediction, overlap, score


def gold(
    anchor: str, claimant: str = "SDF", aliases=("قسد",), claim_type="accusation", file="a.txt"
):
    return GoldClaim(
        file=file, anchor=anchor, type=claim_type, claimant=claimant, claimant_aliases=aliases
    )


def prediction(quote: str, names=("قسد",), claim_type="accusation", file="a.txt"):
    return Prediction(file=file, quote=quote, claimant_names=frozenset(names), type=claim_type)


ANCHOR = "اتهمت قسد الفصائل بقصف القرية بالمدفعية الثقيلة"


def test_a_prediction_covering_the_anchor_with_the_right_claimant_matches():
    report = score([prediction("وقال البيان: " + ANCHOR + "، مساء أمس")], [gold(ANCHOR)])
    assert (report.precision, report.recall, report.f1) == (1.0, 1.0, 1.0)
    assert report.type_accuracy == 1.0


@pytest.mark.parametrize(
    ("quote", "matches"),
    [
        (ANCHOR[: len(ANCHOR) // 2 + 2], True),  # a little over half of the anchor
        (ANCHOR[: len(ANCHOR) // 2 - 3], False),  # under half
        ("اتهمت قسد " + "كلام آخر تماماً", False),
    ],
)
def test_the_quote_must_overlap_half_of_the_anchor(quote, matches):
    report = score([prediction(quote)], [gold(ANCHOR)])
    assert (report.recall == 1.0) is matches


def test_overlap_is_measured_after_normalization():
    assert overlap("اتّهمت قسد الفصائل", "اتهمت قسد الفصائل") == 1.0
    assert overlap("أكـد المصدر", "اكد المصدر") == 1.0


def test_the_claimant_matches_by_name_or_alias_after_normalization():
    by_alias = score([prediction(ANCHOR, names=("لـ”قسد”",))], [gold(ANCHOR)])
    by_name = score([prediction(ANCHOR, names=("SDF",))], [gold(ANCHOR, aliases=())])
    wrong = score([prediction(ANCHOR, names=("Turkey", "تركيا"))], [gold(ANCHOR)])
    assert by_alias.recall == by_name.recall == 1.0
    assert wrong.recall == 0.0
    assert wrong.span_recall == 1.0  # spans alone ignore the claimant


def test_duplicate_quotes_in_one_article_count_once():
    predictions = [prediction(ANCHOR), prediction(ANCHOR.replace("اتهمت", "اتّهمت"))]
    report = score(predictions, [gold(ANCHOR)])
    assert report.counts["predicted"] == 1
    assert report.precision == 1.0


def test_the_same_quote_in_two_articles_is_two_predictions():
    predictions = [prediction(ANCHOR, file="a.txt"), prediction(ANCHOR, file="b.txt")]
    report = score(predictions, [gold(ANCHOR, file="a.txt"), gold(ANCHOR, file="b.txt")])
    assert report.counts["matched"] == 2


def test_assignment_is_one_to_one_and_prefers_the_best_overlap():
    second = "وطالبت قسد التحالف الدولي بفتح تحقيق عاجل في الهجمات"
    wide = prediction(ANCHOR + "، " + second)
    exact = prediction(second, claim_type="demand")
    report = score([wide, exact], [gold(ANCHOR), gold(second, claim_type="demand")])
    assert report.counts["matched"] == 2
    assert report.type_accuracy == 1.0


def test_one_prediction_cannot_match_two_gold_claims():
    report = score([prediction(ANCHOR)], [gold(ANCHOR), gold(ANCHOR, claim_type="denial")])
    assert report.counts["matched"] == 1
    assert report.recall == 0.5
    assert len(report.misses) == 1


def test_report_lists_misses_false_alarms_and_wrong_types():
    report = score(
        [prediction(ANCHOR, claim_type="assertion"), prediction("كلام لا علاقة له بأي شيء هنا")],
        [gold(ANCHOR), gold("نفت الحكومة السورية الاتهامات جملة وتفصيلاً", claim_type="denial")],
    )
    assert report.recall_by_type == {"accusation": (1, 1), "denial": (0, 1)}
    assert len(report.false_alarms) == 1
    assert len(report.wrong_types) == 1
    text = report.format(show_misses=True)
    assert "misses (1)" in text
    assert "false alarms (1)" in text
