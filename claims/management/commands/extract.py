from django.core.management.base import BaseCommand, CommandError

from claims.services.extraction import articles_extract
from sources.models import Article


class Command(BaseCommand):
    help = (
        "Extract (or re-extract) claims: one or more articles, a story, or everything. "
        "Claims a person confirmed, rejected or edited are never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--article", type=int, action="append", default=[], help="article id")
        parser.add_argument("--story", type=int, action="append", default=[], help="story id")
        parser.add_argument("--all", action="store_true", help="every article")

    def handle(self, *args, article, story, all, **options):
        if not (article or story or all):
            raise CommandError("Say what to extract: --article ID, --story ID or --all.")
        rows = Article.objects.all() if all else Article.objects.filter(pk__in=article)
        if story and not all:
            rows = rows | Article.objects.filter(story_id__in=story)
        ids = list(rows.values_list("pk", flat=True))
        missing = set(article) - set(ids)
        if missing:
            raise CommandError(f"No such article: {', '.join(map(str, sorted(missing)))}")
        results = articles_extract(article_ids=ids)
        self.stdout.write(
            f"extracted {len(results)} article(s): {sum(r.mentions for r in results)} "
            f"mention(s), {sum(r.claims_created for r in results)} new claim(s), "
            f"{sum(r.claims_reused for r in results)} reported again"
        )
