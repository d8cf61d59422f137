from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError

from claims.extraction.evaluation import Prediction, claimant_names, load_gold, run_folder, score
from claims.models import Mention
from claims.services.extraction import registry_snapshot


class Command(BaseCommand):
    help = (
        "Score extraction against a gold folder (articles/*.txt, gold.jsonl) with the "
        "matching rule of DESIGN.md: a fresh in-memory run by default, or the claims "
        "already in the database with --db."
    )

    def add_arguments(self, parser):
        parser.add_argument("gold_dir", type=Path)
        parser.add_argument(
            "--db", action="store_true", help="score the database's claims for these files"
        )
        parser.add_argument(
            "--show-misses", action="store_true", help="list misses and false alarms"
        )

    def handle(self, *args, gold_dir, db, show_misses, **options):
        if not (gold_dir / "gold.jsonl").is_file():
            raise CommandError(f"{gold_dir} has no gold.jsonl")
        registry = registry_snapshot()
        if db:
            report = score(self._db_predictions(gold_dir, registry), load_gold(gold_dir))
        else:
            report, _ = run_folder(gold_dir, registry)
        self.stdout.write(report.format(show_misses=show_misses))

    def _db_predictions(self, gold_dir: Path, registry) -> list[Prediction]:
        files = {path.name for path in (gold_dir / "articles").glob("*.txt")}
        mentions = Mention.objects.filter(article__source_file__in=files).select_related(
            "article", "claim__claimant", "claim__speaker"
        )
        if not mentions.exists():
            raise CommandError("No claims in the database for these files: ingest them first.")
        predictions = []
        for mention in mentions:
            claim = mention.claim
            who = SimpleNamespace(
                claimant=claim.claimant.key, speaker=claim.speaker.key if claim.speaker else None
            )
            predictions.append(
                Prediction(
                    file=mention.article.source_file,
                    quote=mention.quote,
                    claimant_names=claimant_names(who, registry),
                    type=claim.type,
                    rule=mention.rule,
                )
            )
        return predictions
