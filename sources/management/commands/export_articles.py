import json
import sys

from django.core.management.base import BaseCommand

from sources.models import Article


def article_record(article: Article) -> dict:
    return {
        "id": article.pk,
        "source_file": article.source_file,
        "url": article.url or None,
        "outlet": article.outlet.name_en or article.outlet.name_ar if article.outlet else None,
        "title": article.title,
        "dateline": article.dateline or None,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "duplicate_of": article.duplicate_of_id,
        "story": article.story_id,
        "status": article.ingested_file.status,
    }


class Command(BaseCommand):
    help = "Export articles as JSON lines, one article per line, in id order."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl"], default="jsonl")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, format, output, **options):
        rows = (
            Article.objects.select_related("outlet", "ingested_file")
            .defer("raw_text", "body", "normalized", "ingested_file__content")
            .order_by("pk")
        )
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for article in rows.iterator(chunk_size=2000):
                stream.write(json.dumps(article_record(article), ensure_ascii=False) + "\n")
        finally:
            if output:
                stream.close()
