"""Boilerplate stripping: from an article's received text to the `body` the reader sees.

Pure Python (stdlib and `sources.text` only, no Django) so it can be tested and benchmarked
alone.

Cleaning only ever drops whole lines, cuts a dateline off the start of one of the first
lines, or cuts a source note off the end of the last line. It never changes a character
inside the text it keeps: diacritics, tatweel and obfuscated names ("د1عـ.ـش") stay as
received, because mention offsets point into `body` and must show the reader the real text.
Lines are *recognised* on their `normalize` form, so "إقرأ أيضاً:" and "اقرا ايضا" are one
rule; they are never *rewritten* with it.

What is taken out and carries meaning (the dateline's place, the agency tag, the closing
credit, the outlet a text names as its own) is returned beside the body; every removed line
is listed with a reason code, so an editor can see what cleaning did.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from sources.text.normalize import normalize

__all__ = ["REASONS", "Cleaned", "clean_article"]

# Reason codes of `Cleaned.removed`, for the UI and the tests.
REASONS = frozenset(
    {
        "share",  # share-button lines: "Facebook Twitter WhatsApp", "مشاركة :"
        "read_also",  # "اقرأ أيضاً: <headline>", or the bare header and its headlines
        "related",  # "مقالات ذات صلة", "المزيد", "الأكثر قراءة" and the headline list under them
        "comment_form",  # "اترك رداً", "لن يتم نشر عنوان بريدك الإلكتروني" and what follows
        "navigation",  # breadcrumbs, section labels above the headline, "زر الذهاب إلى الأعلى"
        "promo",  # newsletter, Adblock and cookie notices
        "title",  # the headline printed again in the text (the title is stored apart)
        "dateline",  # "القامشلي- نورث برس –", "دير الزور (سوريا) –"
        "agency",  # an agency tag with no place: "SY24 -خاص", "(نورث برس) –"
        "credit",  # "تحرير: ...", "إعداد وتحرير: ...", "متابعة - ..."
        "source",  # a closing "المصدر: عنب بلدي"
        "date",  # a date/time line above the text: "الثلاثاء 21 نيسان/أبريل 2026"
        "hashtags",  # a line made only of hashtags: "#سوريا #الرقة"
        "link",  # a line that is only a URL or an e-mail address
        "empty",  # a line with no letter or digit: "-", "***", "●"
    }
)


@dataclass(frozen=True)
class Cleaned:
    """An article's clean body and what cleaning took out of it."""

    # The text the reader sees, paragraphs separated by "\n\n"; mention offsets point into it.
    body: str
    # The place of the dateline, as written: "القامشلي", "دير الزور".
    dateline: str = ""
    # The agency or outlet tag, as written: "نورث برس", "SY24", "سانا".
    agency: str = ""
    # The person credited ("تحرير: محمد القاسم" gives "محمد القاسم") and the role as written
    # ("تحرير", "إعداد وتحرير"); the role is empty for a byline ("كاجين أحمد ـ xeber24.net").
    credit: str = ""
    credit_role: str = ""
    # Where the text names its own outlet (agency tag, "المصدر: عنب بلدي", "خاص لـ SY24"), as
    # written; the caller resolves it against the actor registry.
    outlet_hint: str = ""
    # A date/time line removed from above the text, as written, for the caller to parse.
    date_line: str = ""
    # (removed text, reason code) in reading order, for transparency.
    removed: tuple[tuple[str, str], ...] = ()


# Lines longer than this are prose: only the repeated-title check looks at them. It also
# keeps cleaning fast, since only short lines are normalized.
_MAX_BOILERPLATE_LINE = 300
# A headline in a "related" list; a longer line is a paragraph and ends the list.
_MAX_HEADLINE = 160
# A line this long, or a sentence of 8+ words ending in a full stop, is article prose: the
# "head" (section labels, date lines, bylines) is what comes before the first one.
_PROSE_LINE = 150
# The dateline is looked for in the first two paragraphs and the short lines above them.
_DATELINE_PARAGRAPHS = 2
_DATELINE_MAX_LINES = 6
# Only short lines are normalized whole; of a paragraph, only its start is (for "اقرأ
# أيضاً: ..." and the like). A line with fewer words than this counts as short, whatever
# its length (share bars, headers, labels).
_SHORT_LINE = 80
_SHORT_LINE_WORDS = 12
_START_CHARS = 48
_BATCH_SEPARATOR = "\ue000"


def _keys(*phrases: str) -> frozenset[str]:
    # Every list below is written the way outlets print it and folded here, so "الأعلى"
    # and "الاعلي" are one entry (normalize turns ى into ي).
    return frozenset(normalize(phrase) for phrase in phrases)


# Punctuation and decoration around a short line: "المزيد ايضا..", "مشاركة :", "« اقرأ أيضاً »".
_EDGE_PUNCTUATION = " \t.:،,؛;!؟?*|/\\>»«<()[]{}\"'“”‘’…-–—_●•·"

_SHARE_NETWORKS = _keys(
    "Facebook", "Twitter", "WhatsApp", "Telegram", "Messenger", "LinkedIn", "Pinterest",
    "Reddit", "Tumblr", "Viber", "Email", "E-mail", "Print", "Share", "Tweet", "X",
    "فيسبوك", "فيس", "تويتر", "واتساب", "واتس", "واتسب", "تلغرام", "تلقرام", "تيلقرام",
    "تليغرام", "تيليغرام", "تلجرام", "تليجرام", "تيليجرام", "تيلجرام", "لينكدإن", "لينكدان",
    "لينكد", "ماسنجر", "مشاركة", "شارك", "شاركها", "شاركوا", "انشر", "طباعة", "اطبع",
    "تغريد", "غرد",
)  # fmt: skip
# Words that may sit beside the network names on a share bar but never make one alone.
_SHARE_FILLERS = _keys(
    "على", "عبر", "في", "بوك", "اب", "آب", "the", "on", "via", "this", "article", "share",
    "link", "copy", "المقال", "الخبر", "الموضوع", "الرابط", "نسخ", "ارسال", "إرسال",
    "أرسل", "بريد", "البريد", "الإلكتروني", "إلكتروني",
)  # fmt: skip
_SHARE_SPLIT_RE = re.compile(r"[\s|/·•,،:;\-–—_+]+")

# "اقرأ أيضاً"، "إقرأ ايضا:"، "طالع أيضاً"، "قد يهمك" (on the normalized line). A real
# sentence that merely contains "اقرأ" somewhere is not touched: the phrase must open the line.
_READ_ALSO_RE = re.compile(
    r"^(?:(?:اقرا|اقرئي|اقراوا|طالع|شاهد|يهمك)\s*(?:ايضا|كذلك)|قد يهمك(?:\s*ايضا)?"
    r"|اقرا المزيد|للمزيد اقرا|read also|read more|see also)(?P<rest>.*)$"
)
_INLINE_HEADLINE_START = frozenset(' :.-–—…»«"“”')

# Headers of related-headline lists. "المزيد" alone is a header; a sentence that merely
# contains "المزيد" ("وتشريد المزيد من المدنيين") is not.
_RELATED_HEADERS = _keys(
    "مقالات ذات صلة", "أخبار ذات صلة", "مواضيع ذات صلة", "مواد ذات صلة", "تقارير ذات صلة",
    "ذات صلة", "أخبار متعلقة", "مقالات متعلقة", "مواضيع متعلقة", "أخبار مشابهة",
    "مقالات مشابهة", "قد يعجبك أيضا", "قد يعجبك", "المزيد", "المزيد أيضا", "المزيد ايضا",
    "المزيد من الأخبار", "المزيد من المقالات", "المزيد من التقارير", "الأكثر قراءة",
    "الأكثر مشاهدة", "الأكثر تداولا", "الأكثر شعبية", "الأكثر قراءة اليوم",
    "Related", "Related articles", "Read more", "More",
)  # fmt: skip
_RELATED_INLINE_RE = re.compile(r"^(?:مقالات|اخبار|مواضيع) ذات صلة\s*[:\-–—]")

# Comment-form headers: they open the footer, and everything after them goes when what
# follows is only the form (labels, notices, short comments).
_COMMENT_HEADERS = _keys(
    "اترك رد", "اترك رداً", "اترك تعليق", "اترك تعليقاً", "أضف تعليق", "أضف تعليقاً",
    "أضف رداً", "اكتب تعليقاً", "اكتب تعليقك", "التعليقات", "تعليقات", "شاركنا رأيك",
    "لا توجد تعليقات", "Leave a reply", "Leave a comment", "Comments",
)  # fmt: skip
_COMMENT_LINE_PREFIXES = tuple(
    _keys(
        "لن يتم نشر عنوان بريدك", "لن يتم نشر بريدك", "لن يظهر بريدك", "لن يتم عرض بريدك",
        "الحقول الإلزامية", "الحقول المطلوبة", "إلغاء الرد", "احفظ اسمي", "إرسال التعليق",
        "أرسل التعليق", "يجب عليك تسجيل الدخول", "يجب أن تكون مسجل", "Your email address",
        "Required fields",
    )
)  # fmt: skip

# Breadcrumbs start at the home page: "الرئيسية > أخبار > سوريا", "الرئيسية / تقارير".
_BREADCRUMB_RE = re.compile(r"^(?:الصفحة الرئيسية|الرئيسية|home)\s*(?:$|[>»/|›‹<«\\])")
_NAVIGATION_LINES = _keys(
    "زر الذهاب إلى الأعلى", "الذهاب إلى الأعلى", "العودة إلى الأعلى", "العودة للأعلى",
    "إلى الأعلى", "للأعلى", "تخطى إلى المحتوى", "انتقل إلى المحتوى", "تواصل معنا",
    "اتصل بنا", "من نحن", "سياسة الخصوصية", "أعلن معنا", "Back to top", "Skip to content",
)  # fmt: skip
# Section labels printed above the headline ("عربي وعالمي", "الشأن التركي"); only removed
# in the head of the text, where no sentence can be mistaken for one.
_SECTION_LABELS = _keys(
    "أخبار", "الأخبار", "آخر الأخبار", "أخر الأخبار", "أهم الأخبار", "اهم الاخبار", "عاجل",
    "أخبار عاجلة", "محليات", "سياسة", "اقتصاد", "تقارير", "تقارير خاصة", "ميداني",
    "ميدانيات", "عربي وعالمي", "عربي ودولي", "عربي", "دولي", "عالمي", "أخبار سوريا",
    "أخبار سورية", "سوريا", "سورية", "الشأن السوري", "الشأن التركي", "الشأن الكردي",
    "شمال وشرق سوريا", "منوعات", "رياضة", "مقالات", "آراء", "رأي", "تحقيقات", "حوارات",
    "ملفات", "تفاصيل الخبر", "الخبر", "News", "Syria",
)  # fmt: skip
# A view counter: "55 قراءة", "1200 مشاهدة".
_VIEW_COUNT_RE = re.compile(r"^\d[\d,.]*\s*(?:قراءة|قراءات|مشاهدة|مشاهدات|views?|reads?)$")
_LABEL_SPLIT_RE = re.compile(r"\s*[|>»/›\\\-–—]\s*")
# Short notices of the site itself, anywhere in the text.
_PROMO_MARKERS = tuple(
    _keys(
        "adblock", "ad block", "مانع الإعلانات", "ملف تعريف الارتباط", "ملفات تعريف الارتباط",
        "cookie", "النشرة البريدية", "نشرتنا البريدية", "نشرتنا الإخبارية", "صندوق بريدك",
        "تابعونا على", "تابعنا على", "حمل تطبيق", "انضم إلى قناتنا", "اشترك في قناتنا",
        "subscribe to our",
    )
)  # fmt: skip
_MAX_PROMO_LINE = 200
# Promo lines are site chrome, never vocalized: a raw substring test finds the candidates
# among longer lines before the line is normalized.
_PROMO_HINTS = (
    "بريد", "ارتباط", "نشرتنا", "تابعونا", "تابعنا", "تطبيق", "قناتنا", "علانات", "dblock",
    "DBLOCK", "ookie", "OOKIE", "ubscribe", "UBSCRIBE",
)  # fmt: skip

_HASHTAGS_RE = re.compile(r"^\s*#[^\s#]+(?:[\s,،]+#[^\s#]+)*[\s,،.]*$")
_LINK_RE = re.compile(r"^\s*(?:https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)\s*$")
_ALNUM_RE = re.compile(r"[^\W_]")
_WORD_RE = re.compile(r"\S+")
_SENTENCE_END = frozenset(".!?؟")

# Closing credits and bylines: "تحرير: سلوى الحسن", "إعداد وتحرير: ...", "متابعة - ...".
# Matched on the normalized line; the name is then taken from the line as written.
_CREDIT_ROLES = (
    "تحرير|اعداد|متابعة|ترجمة|كتابة|بقلم|كتب|كتبت|تصوير|مراجعة|تدقيق|تنسيق|اشراف|صياغة|تغطية"
)
_CREDIT_RE = re.compile(
    rf"^(?:{_CREDIT_ROLES})(?:\s*(?:و|/|،|,|&)\s*(?:{_CREDIT_ROLES}))*\s*[:：\-–—]+\s*\S"
)
_CREDIT_SEPARATOR_RE = re.compile(r"\s*[:：\-–—]+\s*")
_MAX_CREDIT_WORDS = 6
_MAX_CREDIT_CHARS = 60

# A closing "المصدر: عنب بلدي" line, or the same note glued to the end of the last
# paragraph ("... في دير الزور. المصدر: وكالات").
_SOURCE_LINE_RE = re.compile(
    r"^\s*[(\[]?\s*(?:المصدر|مصدر الخبر|نقلا عن|نقلاً عن|Source)\s*[:：\-–—]\s*"
    r"(?P<name>[^()\[\]\n.!?؟:]{1,60}?)\s*[)\]]?[.\s]*$"
)
_SOURCE_SUFFIX_RE = re.compile(
    r"(?<=[.!?؟»”\"])\s*[(\[]?\s*(?:المصدر|مصدر الخبر)\s*[:：]\s*"
    r"(?P<name>[^()\[\]\n.!?؟:]{1,40}?)\s*[)\]]?\s*$"
)
# Not outlets: "وكالات" (agencies), "متابعات" (follow-ups), "خاص" (exclusive)...
_GENERIC_SOURCES = _keys(
    "وكالات", "الوكالات", "متابعات", "خاص", "مواقع", "وسائل إعلام", "وسائل الإعلام",
    "مواقع التواصل", "مواقع التواصل الاجتماعي", "الإنترنت", "مصادر", "مصادر متعددة",
    "ناشطون", "agencies", "staff",
)  # fmt: skip

# Date lines above the text: "الثلاثاء 21 نيسان/أبريل 2026"، "23 نوفمبر 2021، 12:19 م"،
# "date 2026-01-05 منذ 41 دقيقة". Every word must be a date word and a digit must be there.
_MONTHS_AND_DAYS = _keys(
    "كانون", "الثاني", "الأول", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
    "أيلول", "تشرين", "يناير", "فبراير", "مارس", "أبريل", "ابريل", "إبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "اغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر", "جانفي", "فيفري",
    "أفريل", "ماي", "جوان", "جويلية", "أوت", "السبت", "الأحد", "الاثنين", "الإثنين",
    "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
    "saturday", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_DATE_WORDS = _MONTHS_AND_DAYS | _keys(
    "date", "updated", "published", "تاريخ", "بتاريخ", "نشر", "النشر", "تحديث", "آخر",
    "اخر", "في", "منذ", "دقيقة", "دقائق", "ساعة", "ساعات", "يوم", "أيام", "أسبوع",
    "ثانية", "ثوان", "م", "ص", "am", "pm", "مساء", "صباحا", "صباحاً", "مساءً",
)  # fmt: skip
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_DATE_SHAPE_RE = re.compile(r"\d{1,4}\s*[/.\-]\s*\d{1,2}|\b(?:19|20)\d\d\b|\d{1,2}:\d\d")
_MAX_DATE_LINE = 80

# Dateline and agency tags at the start of the text:
#   "القامشلي- نورث برس – ..."  "دير الزور (سوريا) – ..."  "أربيل (كوردستان 24)- ..."
#   "SY24 -خاص"  "خاص – عنب بلدي"  "(نورث برس) – ..."  "دمشق-سانا"  "دمشق - (د ب أ)"
# A segment is 1 to 4 words; which segment is the place and which the agency is decided
# by the lists below, so an ordinary first sentence with a dash in it
# ("قوات سوريا الديمقراطية (قسد) - التي ...") is left alone.
_MARKS = "\u064b-\u065f\u0670"
_SEGMENT_WORD = rf"(?:[^\W_\u0640]|[{_MARKS}.])+"
_SEGMENT = rf"{_SEGMENT_WORD}(?:[ \t]+{_SEGMENT_WORD}){{0,3}}"
_PAREN = r"[^()\n]{1,30}"
# Hyphen, en and em dashes, minus; tatweel only as a free-standing dash ("كاجين أحمد ـ ...").
_DASH = r"(?:[\-\u2010-\u2015\u2212]+|(?<=\s)\u0640+(?=\s))"
_DATELINE_LEAD_RE = re.compile(
    rf"^\s*(?:(?P<x>{_SEGMENT})(?:\s*\((?P<p>{_PAREN})\))?|\((?P<p0>{_PAREN})\))\s*{_DASH}\s*"
)
_DATELINE_SECOND_RE = re.compile(
    rf"(?:(?P<y>{_SEGMENT})|\((?P<yp>{_PAREN})\))[ \t]*(?P<dash>{_DASH})?[ \t]*"
)
_PLACE_RE = re.compile(rf"(?:[^\W\d_\u0640]|[{_MARKS}])+(?:\s+(?:[^\W\d_\u0640]|[{_MARKS}])+)*")
_EXCLUSIVE = normalize("خاص")

_KNOWN_PLACES = _keys(
    "دمشق", "ريف دمشق", "حلب", "حمص", "حماة", "اللاذقية", "طرطوس", "إدلب", "ادلب", "الرقة",
    "دير الزور", "ديرالزور", "الحسكة", "القامشلي", "قامشلو", "درعا", "السويداء",
    "القنيطرة", "منبج", "عفرين", "كوباني", "عين العرب", "الطبقة", "عامودا", "تل أبيض",
    "رأس العين", "سري كانيه", "جرابلس", "الباب", "أعزاز", "اعزاز", "تل رفعت", "البوكمال",
    "الميادين", "هجين", "الشدادي", "تدمر", "المالكية", "ديريك", "عين عيسى", "الهول",
    "الشحيل", "البصيرة", "مارع", "سراقب", "معرة النعمان", "أريحا", "جسر الشغور", "بانياس",
    "جبلة", "دوما", "الغوطة", "بيروت", "بغداد", "أربيل", "اربيل", "السليمانية", "الموصل",
    "أنقرة", "انقرة", "إسطنبول", "اسطنبول", "غازي عنتاب", "هاتاي", "أنطاكيا", "شانلي أورفا",
    "عمان", "القاهرة", "الرياض", "الدوحة", "أبوظبي", "دبي", "طهران", "موسكو", "واشنطن",
    "نيويورك", "باريس", "لندن", "برلين", "جنيف", "بروكسل", "فيينا", "أستانا", "سوتشي",
    "القدس", "غزة", "رام الله", "عمّان",
)  # fmt: skip
_COUNTRIES = _keys(
    "سوريا", "سورية", "العراق", "تركيا", "لبنان", "الأردن", "إيران", "روسيا", "مصر",
    "إسرائيل", "فلسطين", "السعودية", "قطر", "الإمارات", "الكويت", "اليمن", "ليبيا",
    "الولايات المتحدة", "أمريكا", "أميركا", "فرنسا", "بريطانيا", "ألمانيا", "بلجيكا",
    "سويسرا", "النمسا", "كازاخستان",
)  # fmt: skip
_KNOWN_AGENCIES = _keys(
    "سانا", "نورث برس", "هاوار", "وكالة هاوار", "الأناضول", "وكالة الأناضول", "رويترز",
    "فرانس برس", "أ ف ب", "ا ف ب", "أ.ف.ب", "د ب أ", "د.ب.أ", "أ ب", "عنب بلدي", "SY24",
    "سمارت", "قاسيون", "روداو", "رووداو", "كوردستان 24", "كردستان 24", "بلدي نيوز",
    "زمان الوصل", "تلفزيون سوريا", "سبوتنيك", "الجزيرة", "الجزيرة نت", "العربية",
    "العربي الجديد", "عربي21", "عربي 21", "الحل نت", "نداء بوست", "أورينت", "أورينت نت",
    "الخابور", "فرات بوست", "شبكة شام", "ستيب نيوز", "المدن", "الشرق الأوسط", "الوطن",
    "الإخبارية السورية", "حلب اليوم", "أبنا", "مصراوي", "الوكيل الإخباري", "سيريانيوز",
    "فرانس 24", "روسيا اليوم",
    "أثر برس", "اثر برس", "روزنة", "ANHA", "SANA", "AFP", "Reuters", "AP", "DPA",
    "North Press", "Enab Baladi", "Anadolu",
)  # fmt: skip
# Words that make a short segment an outlet's name when they end it ("بلدي نيوز",
# "الوكيل الإخباري") or open it ("وكالة هاوار"); elsewhere they prove nothing.
_AGENCY_LAST_WORDS = _keys(
    "برس", "نيوز", "الإخباري", "الإخبارية", "نت", "بوست", "news", "press", "post", "tv",
    "fm", "net",
)  # fmt: skip
_AGENCY_FIRST_WORDS = _keys("وكالة", "شبكة", "موقع", "قناة", "تلفزيون", "إذاعة", "راديو")
_MAX_AGENCY_WORDS = 3
_LATIN_WITH_DIGIT_RE = re.compile(r"[A-Za-z]\d|\d[A-Za-z]")
_DOMAIN_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}$")
_QUOTES = "\"'“”«»‘’ "

# "خاص لـ SY24"، "في حديث خاص لعنب بلدي": an exclusive for the outlet that publishes it.
_EXCLUSIVE_FOR_RE = re.compile(
    r"خاص[ةه]?\s+ل\u0640*\s*(?:(?:منصة|موقع|وكالة|شبكة|صحيفة|قناة)\s+)?[\"'“«]?\s*"
    r"(?P<words>[\w.]+(?:\s+[\w.]+){0,2})"
)


def _normalize_many(texts: list[str]) -> list[str]:
    """`normalize` of each text, in one call: its cost is mostly per call, not per character.

    The texts are joined by a private-use character that normalization keeps, surrounded
    by spaces so that no word (and no obfuscation chain) runs across two texts.
    """
    if len(texts) < 2:
        return [normalize(text) for text in texts]
    if any(_BATCH_SEPARATOR in text for text in texts):
        return [normalize(text) for text in texts]
    parts = normalize(f" {_BATCH_SEPARATOR} ".join(texts)).split(_BATCH_SEPARATOR)
    if len(parts) != len(texts):
        return [normalize(text) for text in texts]
    return [part.strip() for part in parts]


def _is_short(line: str) -> bool:
    return len(line) <= _SHORT_LINE or line.count(" ") < _SHORT_LINE_WORDS


def _bare(key: str) -> str:
    return key.strip(_EDGE_PUNCTUATION)


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def _looks_like_headline(line: str) -> bool:
    # A related-headline entry: short, and not a sentence ("وقتل ثلاثة مدنيين." is prose).
    text = line.strip()
    if not 0 < len(text) <= _MAX_HEADLINE or len(_words(text)) < 2:
        return False
    return not (text[-1] in ".:،,؛;" and not text.endswith(("..", "…")))


def _is_prose(line: str) -> bool:
    text = line.strip()
    if len(text) >= _PROSE_LINE:
        return True
    return len(_words(text)) >= 8 and text[-1] in _SENTENCE_END


def _is_share_bar(key: str) -> bool:
    # "Facebook Twitter WhatsApp Telegram", "مشاركة :", "شارك على فيسبوك | تويتر"
    tokens = [token for token in _SHARE_SPLIT_RE.split(key) if token]
    if not tokens or not any(token in _SHARE_NETWORKS for token in tokens):
        return False
    return all(
        token in _SHARE_NETWORKS or token in _SHARE_FILLERS or token.isdigit() for token in tokens
    )


def _is_promo(key: str) -> bool:
    return len(key) <= _MAX_PROMO_LINE and any(marker in key for marker in _PROMO_MARKERS)


def _is_section_label(bare: str) -> bool:
    parts = [part for part in _LABEL_SPLIT_RE.split(bare) if part]
    return bool(parts) and all(_bare(part) in _SECTION_LABELS for part in parts)


def _is_date_line(line: str, key: str) -> bool:
    if len(key) > _MAX_DATE_LINE or not any(char.isdigit() for char in key):
        return False
    words = _LETTER_RUN_RE.findall(key)
    if not all(word in _DATE_WORDS for word in words):
        return False
    return any(word in _MONTHS_AND_DAYS for word in words) or (
        _DATE_SHAPE_RE.search(key) is not None or "منذ" in words
    )


def _credit(line: str, key: str) -> tuple[str, str] | None:
    """(role, name) of a credit line as written: "إعداد وتحرير: سلوى الحسن"."""
    if _CREDIT_RE.match(key) is None:
        return None
    separator = _CREDIT_SEPARATOR_RE.search(line)
    if separator is None:
        return None
    role = line[: separator.start()].strip()
    name = line[separator.end() :].strip().rstrip(".")
    if not name or len(name) > _MAX_CREDIT_CHARS or len(_words(name)) > _MAX_CREDIT_WORDS:
        return None
    if any(char in _SENTENCE_END for char in name):
        return None
    return role, name


def _unquoted(text: str) -> str:
    return text.strip().strip(_QUOTES).strip("()").strip()


@lru_cache(maxsize=4096)
def _segment_key(text: str) -> str:
    # Dateline segments repeat from article to article ("الرقة – نورث برس"): cached.
    return normalize(_unquoted(text))


def _is_generic_source(text: str) -> bool:
    return _segment_key(text) in _GENERIC_SOURCES


def _is_agency(text: str) -> bool:
    name = _unquoted(text)
    if not name:
        return False
    key = _segment_key(name)
    if key in _KNOWN_AGENCIES:
        return True
    words = key.split()
    if 2 <= len(words) <= _MAX_AGENCY_WORDS and (
        words[-1] in _AGENCY_LAST_WORDS or words[0] in _AGENCY_FIRST_WORDS
    ):
        return True
    # One Latin token shaped like an outlet's name: "SY24", "xeber24.net". A bare acronym
    # is not enough: "(SDF) –" opens sentences too.
    return " " not in name and (
        _LATIN_WITH_DIGIT_RE.search(name) is not None or _DOMAIN_RE.match(name) is not None
    )


def _is_known_place(text: str) -> bool:
    return _segment_key(text) in _KNOWN_PLACES


def _is_country(text: str) -> bool:
    return _segment_key(text) in _COUNTRIES


def _is_exclusive(text: str) -> bool:
    return _segment_key(text) == _EXCLUSIVE


@dataclass(frozen=True)
class _Dateline:
    end: int  # where the text after the tag starts in the line
    place: str = ""
    agency: str = ""
    author: str = ""


def _match_dateline(line: str) -> _Dateline | None:
    """The dateline or agency tag that opens `line`, if it is one."""
    lead = _DATELINE_LEAD_RE.match(line)
    if lead is None:
        return None
    end = lead.end()
    in_parentheses = lead.group("p0")
    if in_parentheses is not None:  # "(نورث برس) – ..."
        if not _is_agency(in_parentheses):
            return None
        return _Dateline(end=end, agency=in_parentheses.strip())

    first = lead.group("x").strip()
    country_or_agency = lead.group("p")
    # A second segment counts when a dash closes it or when it ends the line
    # ("القامشلي- نورث برس – ..." or a standalone "الرقة – نورث برس").
    second_text = ""
    second_end = end
    second = _DATELINE_SECOND_RE.match(line, end)
    if second is not None and (second.group("dash") or not line[second.end() :].strip()):
        second_text = (second.group("y") or second.group("yp") or "").strip()
        second_end = second.end()

    if country_or_agency is not None:  # "دير الزور (سوريا) –", "أربيل (كوردستان 24)-"
        is_country = _is_country(country_or_agency)
        if _PLACE_RE.fullmatch(first) is None or not (
            is_country or _is_agency(country_or_agency) or _is_known_place(first)
        ):
            return None
        agency = "" if is_country else country_or_agency.strip()
        if not agency and second_text and _is_agency(second_text):
            return _Dateline(end=second_end, place=first, agency=second_text)
        return _Dateline(end=end, place=first, agency=agency)

    if second_text:
        first_is_agency = _is_agency(first)
        second_is_agency = _is_agency(second_text)
        if _is_exclusive(second_text):  # "SY24 -خاص"
            if first_is_agency:
                return _Dateline(end=second_end, agency=first)
        elif _is_exclusive(first):  # "خاص – عنب بلدي"
            if not _is_generic_source(second_text):
                return _Dateline(end=second_end, agency=second_text)
        elif _DOMAIN_RE.match(second_text) and not first_is_agency:
            # A byline: "كاجين أحمد ـ xeber24.net"
            return _Dateline(end=second_end, agency=second_text, author=first)
        elif first_is_agency and not second_is_agency and not _is_known_place(second_text):
            # The agency first, then its reporter ("سمارت - أمنة رياض") or a note
            # ("بلدي نيوز - (متابعات)").
            author = "" if _is_generic_source(second_text) or second.group("yp") else second_text
            return _Dateline(end=second_end, agency=first, author=author)
        elif _PLACE_RE.fullmatch(first) and (second_is_agency or _is_known_place(first)):
            return _Dateline(end=second_end, place=first, agency=second_text)

    # One segment before the text: "دمشق – ...", "الوكيل الإخباري- ...".
    if _is_known_place(first):
        return _Dateline(end=end, place=first)
    if _is_agency(first):
        return _Dateline(end=end, agency=first)
    return None


class _Lines:
    """The text's lines, which of them are removed and why, and their normalized keys."""

    def __init__(self, text: str) -> None:
        unified = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = [line.rstrip() for line in unified.split("\n")]
        self.reason: list[str | None] = [None] * len(self.text)
        # Text cut from the start or end of a kept line: {index: [(cut text, reason)]}.
        self.cuts: dict[int, list[tuple[str, str]]] = {}
        self._keys: dict[int, str] = {}
        self._starts: dict[int, str] = {}

    def key(self, index: int) -> str:
        key = self._keys.get(index)
        if key is None:
            key = self._keys[index] = normalize(self.text[index])
        return key

    def start_key(self, index: int) -> str:
        """The normalized start of a line: enough for the rules that look at how it opens."""
        line = self.text[index].strip()
        if len(line) <= _START_CHARS:
            return self.key(index)
        start = self._starts.get(index)
        if start is None:
            start = self._starts[index] = normalize(line[:_START_CHARS])
        return start

    def prepare(self) -> None:
        """Normalize every short line, and the start of every other one, in one call."""
        wanted: list[tuple[int, bool]] = []
        texts: list[str] = []
        for index, line in enumerate(self.text):
            stripped = line.strip()
            if not stripped or len(stripped) > _MAX_BOILERPLATE_LINE:
                continue
            whole = _is_short(stripped) or len(stripped) <= _START_CHARS
            wanted.append((index, whole))
            texts.append(stripped if whole else stripped[:_START_CHARS])
        for (index, whole), key in zip(wanted, _normalize_many(texts), strict=True):
            (self._keys if whole else self._starts)[index] = key

    def kept(self, index: int) -> bool:
        return self.reason[index] is None and bool(self.text[index].strip())

    def kept_indices(self) -> list[int]:
        pairs = enumerate(zip(self.text, self.reason, strict=True))
        return [index for index, (line, reason) in pairs if reason is None and line.strip()]

    def remove(self, index: int, reason: str) -> None:
        self.reason[index] = reason

    def cut(self, index: int, start: int, end: int, reason: str) -> None:
        line = self.text[index]
        self.cuts.setdefault(index, []).append((line[start:end].strip(), reason))
        self.text[index] = line[:start] + line[end:]
        self._keys.pop(index, None)
        self._starts.pop(index, None)
        if not self.text[index].strip():
            self.reason[index] = reason

    def body(self, *, ignore: frozenset[str] = frozenset()) -> str:
        # A removed line ends its paragraph: "p1\n<اقرأ أيضاً ...>\np2" gives "p1\n\np2".
        paragraphs: list[str] = []
        current: list[str] = []
        for line, reason in zip(self.text, self.reason, strict=True):
            if line.strip() and (reason is None or reason in ignore):
                current.append(line)
            elif current:
                paragraphs.append("\n".join(current))
                current = []
        if current:
            paragraphs.append("\n".join(current))
        return "\n\n".join(paragraphs)

    def removed(self, *, ignore: frozenset[str] = frozenset()) -> tuple[tuple[str, str], ...]:
        entries: list[tuple[str, str]] = []
        touched = sorted({*self.cuts, *(i for i, reason in enumerate(self.reason) if reason)})
        for index in touched:
            cuts = self.cuts.get(index, [])
            entries.extend(cut for cut in cuts if cut[1] not in ignore)
            reason, line = self.reason[index], self.text[index].strip()
            # A line emptied by a cut is listed once, as the cut.
            already_listed = any(cut_reason == reason for _, cut_reason in cuts)
            if reason is not None and reason not in ignore and line and not already_listed:
                entries.append((line, reason))
        return tuple(entries)


def _line_reason(lines: _Lines, index: int, title_key: str) -> str | None:
    """The boilerplate kind of one line wherever it stands, or None for text."""
    stripped = lines.text[index].strip()
    size = len(stripped)
    # Pages print the headline two or three times; the title is stored apart. The line is
    # normalized whole only when its length and its start can match the title.
    if title_key and len(title_key) <= size <= 2 * len(title_key) + 20:
        start = lines.start_key(index).lstrip(_EDGE_PUNCTUATION)
        if title_key.startswith(start[:12]) and _bare(lines.key(index)) == title_key:
            return "title"
    if size > _MAX_BOILERPLATE_LINE:
        return None
    if _ALNUM_RE.search(stripped) is None:
        return "empty"
    if _HASHTAGS_RE.match(stripped):
        return "hashtags"
    if _LINK_RE.match(stripped):
        return "link"

    start = lines.start_key(index)
    start_bare = start.strip(_EDGE_PUNCTUATION)
    read_also = _READ_ALSO_RE.match(start_bare)
    if read_also is not None:
        rest = read_also.group("rest")
        if not rest or rest[0] in _INLINE_HEADLINE_START:
            return "read_also"
    if _RELATED_INLINE_RE.match(start_bare):
        return "related"
    if start.startswith(_COMMENT_LINE_PREFIXES):
        return "comment_form"
    if size <= _MAX_HEADLINE and _BREADCRUMB_RE.match(start_bare):
        return "navigation"

    short = _is_short(stripped)
    may_be_promo = size <= _MAX_PROMO_LINE and any(hint in stripped for hint in _PROMO_HINTS)
    if not short and not may_be_promo:
        return None
    key = lines.key(index)
    bare = _bare(key)
    if short and _is_share_bar(key):
        return "share"
    if bare in _RELATED_HEADERS:
        return "related"
    if bare in _COMMENT_HEADERS:
        return "comment_form"
    if bare in _NAVIGATION_LINES or _VIEW_COUNT_RE.match(bare):
        return "navigation"
    if _is_promo(key):
        return "promo"
    return None


def _is_bare_header(lines: _Lines, index: int, reason: str) -> bool:
    # "اقرأ أيضاً" or "مقالات ذات صلة" alone on its line: a list of headlines may follow.
    bare = _bare(lines.key(index))
    if reason == "read_also":
        match = _READ_ALSO_RE.match(bare)
        return match is not None and not match.group("rest").strip(_EDGE_PUNCTUATION)
    return reason == "related" and bare in _RELATED_HEADERS


def _remove_boilerplate_lines(lines: _Lines, title_key: str) -> None:
    lines.prepare()
    count = len(lines.text)
    reasons: list[str | None] = [None] * count
    for index in range(count):
        if lines.text[index].strip():
            reasons[index] = _line_reason(lines, index, title_key)

    def is_list_entry(index: int) -> bool:
        return reasons[index] is None and _looks_like_headline(lines.text[index])

    index = 0
    while index < count:
        reason = reasons[index]
        if reason is None or lines.reason[index] is not None:
            index += 1
            continue
        lines.remove(index, reason)
        if reason in {"read_also", "related"} and _is_bare_header(lines, index, reason):
            # The headlines right under the header, up to the next blank line; a line that
            # is a sentence ends the list, so a real paragraph is never taken.
            after = index + 1
            while after < count and lines.text[after].strip() and is_list_entry(after):
                lines.remove(after, reason)
                after += 1
            # At the end of the text, a list that goes on after a blank line is still the
            # list when nothing but headlines and boilerplate follows.
            rest = range(after, count)
            if all(
                not lines.text[later].strip() or reasons[later] is not None or is_list_entry(later)
                for later in rest
            ):
                for later in rest:
                    if lines.text[later].strip() and reasons[later] is None:
                        lines.remove(later, reason)
        elif reason == "comment_form" and _bare(lines.key(index)) in _COMMENT_HEADERS:
            # "اترك رداً" opens the comment form: what follows is the form and the
            # comments, unless an article paragraph comes after it.
            rest = range(index + 1, count)
            only_form = all(reasons[i] is not None or not _is_prose(lines.text[i]) for i in rest)
            if only_form:
                for later in rest:
                    if lines.text[later].strip() and lines.reason[later] is None:
                        lines.remove(later, reasons[later] or "comment_form")
        index += 1


@dataclass
class _Found:
    dateline: str = ""
    agency: str = ""
    credit: str = ""
    credit_role: str = ""
    source: str = ""
    date_line: str = ""


def _clean_head(lines: _Lines, found: _Found) -> None:
    # Above the first sentence of the article: section labels, date lines and bylines.
    for index in lines.kept_indices():
        line = lines.text[index]
        if _is_prose(line):
            break
        if len(line.strip()) > _MAX_BOILERPLATE_LINE:
            continue
        key = lines.key(index)
        if _is_section_label(_bare(key)):
            lines.remove(index, "navigation")
        elif _is_date_line(line, key):
            lines.remove(index, "date")
            found.date_line = found.date_line or line.strip()
        elif (credit := _credit(line, key)) is not None:
            lines.remove(index, "credit")
            if not found.credit:
                found.credit_role, found.credit = credit


def _cut_dateline(lines: _Lines, found: _Found) -> None:
    # The tag opens the text, or stands on its own line above it; it may also open the
    # second paragraph when the first is a lede ("توترات متصاعدة ...\n\nدير الزور (سوريا) –").
    paragraphs = 0
    for index in lines.kept_indices()[:_DATELINE_MAX_LINES]:
        line = lines.text[index]
        dateline = _match_dateline(line)
        if dateline is not None:
            reason = "dateline" if dateline.place else "agency"
            lines.cut(index, 0, dateline.end, reason)
            found.dateline = found.dateline or dateline.place
            found.agency = found.agency or dateline.agency
            if dateline.author and not found.credit:
                found.credit = dateline.author
            if lines.kept(index):
                return  # the article's text starts here
        elif _is_prose(line):
            paragraphs += 1
            if paragraphs == _DATELINE_PARAGRAPHS:
                return


def _clean_tail(lines: _Lines, found: _Found) -> None:
    # Closing credits and source notes, last line first, until a line of text.
    for index in reversed(lines.kept_indices()):
        line = lines.text[index]
        if len(line.strip()) <= _MAX_BOILERPLATE_LINE:
            key = lines.key(index)
            if (credit := _credit(line, key)) is not None:
                lines.remove(index, "credit")
                # Reading from the end: the first credit of the closing block wins.
                found.credit_role, found.credit = credit
                continue
            source = _SOURCE_LINE_RE.match(line)
            if source is not None:
                lines.remove(index, "source")
                found.source = source.group("name").strip()
                continue
            if _bare(key) in _KNOWN_AGENCIES:
                # The outlet signing off: a last line "سيريانيوز".
                lines.remove(index, "source")
                found.source = line.strip()
                continue
        suffix = _SOURCE_SUFFIX_RE.search(line)
        if suffix is not None:
            lines.cut(index, suffix.start(), len(line), "source")
            found.source = found.source or suffix.group("name").strip()
        return


def _exclusive_for(body: str) -> str:
    # "خاص لـ SY24": the longest run of the next words (up to three) that names an outlet.
    for match in _EXCLUSIVE_FOR_RE.finditer(body):
        words = match.group("words").split()
        for size in range(len(words), 0, -1):
            candidate = " ".join(words[:size]).strip(".")
            if _is_agency(candidate):
                return candidate
    return ""


def _outlet_hint(found: _Found, body: str) -> str:
    for candidate in (found.agency, found.source):
        if candidate and not _is_generic_source(candidate):
            return _unquoted(candidate)
    return _exclusive_for(body)


def _has_text(text: str) -> bool:
    return _ALNUM_RE.search(text) is not None


def clean_article(text: str, *, title: str = "") -> Cleaned:
    """The clean body of an article's text, with the metadata its boilerplate carried.

    `title` is the stored headline: lines of the text that repeat it are dropped.
    """
    lines = _Lines(text)
    title_key = _bare(normalize(title)) if title else ""
    found = _Found()
    _remove_boilerplate_lines(lines, title_key)
    _clean_head(lines, found)
    _cut_dateline(lines, found)
    _clean_tail(lines, found)

    body = lines.body()
    ignore: frozenset[str] = frozenset()
    if not _has_text(body):
        # A text that is only its headline (a one-paragraph item whose first line serves
        # as title) keeps it: the body is never empty when the text has words.
        ignore = frozenset({"title"})
        body = lines.body(ignore=ignore)
    if not _has_text(body):
        if not _has_text(text):
            return Cleaned(body="")
        # Everything looked like boilerplate: show the text as received rather than nothing.
        return Cleaned(body=_Lines(text).body())
    return Cleaned(
        body=body,
        dateline=found.dateline,
        agency=_unquoted(found.agency),
        credit=found.credit,
        credit_role=found.credit_role,
        outlet_hint=_outlet_hint(found, body),
        date_line=found.date_line,
        removed=lines.removed(ignore=ignore),
    )
