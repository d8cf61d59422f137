"""An ingest chunk's stories kept in memory (ChunkStories) give the candidates, in the
order and number, that the database gives one article at a time (StoryBook)."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from sources.models import Story, StoryKey
from sources.services import stories

pytestmark = pytest.mark.django_db

KEYS = [f"place:{name}" for name in ("منبج", "الرقة", "دير الزور", "عفرين")] + [
    "actor:sdf",
    "actor:isis",
]


def _stories(now) -> None:
    rng = random.Random(7)
    for number in range(60):
        # Many stories share each key (more than MAX_CANDIDATES), some seen at the same
        # moment (the order then falls to the id), some outside the window, some merged.
        seen = now - timedelta(days=rng.choice([0, 0, 1, 3, 9, 11, 30]))
        story = Story.objects.create(
            title=f"قصة {number}",
            places=[],
            actors=[],
            keywords={},
            first_seen=seen - timedelta(days=rng.choice([0, 2, 15])),
            last_seen=seen,
        )
        for key in rng.sample(KEYS, rng.randint(1, 4)):
            StoryKey.objects.create(story=story, key=key)
    merged = Story.objects.order_by("pk")[5]
    merged.merged_into = Story.objects.order_by("pk")[6]
    merged.save()


def test_the_chunks_candidates_are_the_databases():
    now = timezone.now()
    _stories(now)
    asked = [
        ({KEYS[0]}, now, []),
        ({KEYS[0], KEYS[1]}, now, []),
        (set(KEYS[:4]), now - timedelta(days=4), []),
        ({KEYS[4], KEYS[5]}, now, []),
        ({KEYS[2]}, now - timedelta(days=25), []),
        (set(KEYS), now, [Story.objects.order_by("pk")[0].pk]),
    ]
    chunk = stories.ChunkStories()
    chunk.read([(keys, moment) for keys, moment, _ in asked[:2]])  # the others read later
    compared = 0
    for keys, moment, exclude in asked:
        expected = [story.pk for story in stories.StoryBook().candidates(keys, moment, exclude)]
        assert [story.pk for story in chunk.candidates(keys, moment, exclude)] == expected
        compared += len(expected)
    assert compared > 40


def test_a_story_changed_in_the_chunk_is_a_candidate_by_its_new_keys_and_written_once():
    now = timezone.now()
    _stories(now)
    chunk = stories.ChunkStories()
    chunk.read([({KEYS[0]}, now)])
    story = chunk.create("قصة جديدة")
    story.places, story.actors, story.keywords = ["تل أبيض"], [], {"معبر": 1.0}
    story.first_seen = story.last_seen = now
    chunk.save(story, ["place:تل أبيض"])

    assert chunk.candidates({"place:تل أبيض"}, now, []) == [story]
    # Not in the database until the chunk is written.
    assert not StoryKey.objects.filter(key="place:تل أبيض").exists()
    chunk.flush()
    assert [s.pk for s in stories.StoryBook().candidates({"place:تل أبيض"}, now, [])] == [story.pk]
    stored = Story.objects.get(pk=story.pk)
    assert (stored.places, stored.keywords, stored.last_seen) == (["تل أبيض"], {"معبر": 1.0}, now)


def test_a_chunk_spread_over_years_or_over_too_many_stories_is_not_held_in_memory(
    django_assert_max_num_queries,
):
    now = timezone.now()
    _stories(now)
    spread = stories.ChunkStories()
    with django_assert_max_num_queries(0):
        assert spread.read([({KEYS[0]}, now), ({KEYS[1]}, now - timedelta(days=3 * 365))]) is False
    assert spread.stories == {}

    crowded = stories.ChunkStories()
    crowded.MAX_READ = 5
    assert crowded.read([(set(KEYS), now)]) is False
    assert crowded.stories == {}

    enough = stories.ChunkStories()
    assert enough.read([(set(KEYS), now), (set(KEYS), now - timedelta(days=2))]) is True
    assert len(enough.stories) > 5
