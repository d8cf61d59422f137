"""Admin search on normalized Arabic text.

The search box folds the query with the project's one normalization before looking it
up, so typing "داعش" finds an article that spells it "د1عـ.ـش" and typing "الأمن" finds
"الامن". Each admin names the normalized columns it searches and how to fold the query.
"""

from collections.abc import Callable

from django.db.models import Q

from sources.text import normalize


class NormalizedSearchMixin:
    # (field lookup, folding function) pairs searched with the folded query.
    normalized_search_fields: tuple[tuple[str, Callable[[str], str]], ...] = ()

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip() or not self.normalized_search_fields:
            return queryset, may_have_duplicates
        matches = Q()
        for lookup, fold in self.normalized_search_fields:
            folded = fold(search_term)
            if folded:
                matches |= Q(**{f"{lookup}__contains": folded})
        extra = self.model._default_manager.filter(matches)
        return queryset | extra, True


def fold_for_search(text: str) -> str:
    return normalize(text)
