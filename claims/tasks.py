"""Celery tasks for claims: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from claims.services.extraction import article_extract


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def extract_article(article_id: int) -> int:
    """Extract one article's claims; a missing article is a quiet no-op."""
    result = article_extract(article_id=article_id)
    return result.mentions if result else 0


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def extract_articles(article_ids: list[int]) -> int:
    """Extract the claims of the articles one ingest chunk stored. Extraction is safe to
    run twice, so a retry runs the whole list again."""
    mentions = 0
    for article_id in article_ids:
        result = article_extract(article_id=article_id)
        mentions += result.mentions if result else 0
    return mentions
