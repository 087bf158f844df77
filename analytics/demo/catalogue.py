"""What the demo's Channel API describes: the account's channels and videos, with titles.

The contents are the ones its analytics data reports: for generated data, the generator's own
draws (`generator.content_catalogue`: same ids, the same channel of each video, the lengths its
segments were cut from); for hand-built data, the contents its segments name (a video's length
is the furthest position watched). Titles, descriptions and creation times are made up, but
deterministically: the same seed and account always get the same ones.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics.contract import ContentType
from analytics.demo.generator import content_catalogue
from analytics.demo.store import Dataset

CHANNEL_NAMES = (
    "Weekly Product Live",
    "Customer Town Hall",
    "Engineering All-Hands",
    "Partner Summit Stage",
    "Developer Office Hours",
    "Sales Kickoff Live",
    "Support Live Desk",
    "Leadership Update",
    "Investor Relations Live",
    "Webinar Studio",
    "Security Briefing",
    "Marketing Showcase",
    "Customer Success Stories",
    "Innovation Lab Live",
    "Benefits Q&A",
    "Training Academy Live",
    "Community Meetup",
    "Design Review Live",
    "Analyst Day",
    "Launch Event Stage",
    "Quarterly Business Review",
    "Field Marketing Live",
)
ALWAYS_ON_NAMES = ("Company News 24/7", "Lobby Screens Live")  # the generator's always-on two
REGIONS = ("EMEA", "Americas", "APAC", "LATAM", "Nordics", "DACH")

VIDEO_TOPICS = (
    "Roadmap Q&A",
    "Getting Started in 10 Minutes",
    "What's New This Quarter",
    "Customer Panel: Scaling Video Delivery",
    "Keynote Replay",
    "Deep Dive: Analytics Dashboards",
    "Onboarding Walkthrough",
    "Security Best Practices",
    "Ask Me Anything",
    "Pricing and Packaging Explained",
    "Live Demo: Workflow Automation",
    "Fireside Chat with the CTO",
    "Quarterly Results Briefing",
    "Hands-on Lab: API Basics",
    "Tips and Tricks",
    "Migrating from Legacy Players",
    "Accessibility and Captions",
    "Behind the Scenes",
    "Partner Spotlight",
    "Year in Review",
    "Live Troubleshooting Session",
    "Integrations Showcase",
    "Town Hall Highlights",
    "Product Tour",
    "Case Study: Global Rollout",
    "Office Hours Recording",
    "Release Notes Walkthrough",
    "Panel: The Future of Hybrid Events",
)
PRIVATE_SHARE = 0.12  # videos only the account sees (the Channel API's `protect`)
HAND_BUILT_LENGTH = 600  # a hand-built video nobody watched: ten minutes


@dataclass(frozen=True)
class DemoChannel:
    id: int
    title: str
    description: str
    is_always_on: bool
    is_default: bool


@dataclass(frozen=True)
class DemoVideo:
    id: int
    title: str
    description: str
    channel_id: int | None
    length: float  # seconds, as the API's string "912.480000"
    created_at: int  # Unix seconds
    protect: str  # public or private
    views: int


@dataclass(frozen=True)
class DemoCatalogue:
    """One account's channels (in creation order) and videos (newest first)."""

    channels: tuple[DemoChannel, ...]
    videos: tuple[DemoVideo, ...]
    channel_by_id: dict[int, DemoChannel] = field(init=False, repr=False)
    video_by_id: dict[int, DemoVideo] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel_by_id", {c.id: c for c in self.channels})
        object.__setattr__(self, "video_by_id", {v.id: v for v in self.videos})

    def videos_of(self, channel_id: int) -> list[DemoVideo]:
        return [video for video in self.videos if video.channel_id == channel_id]


_build_lock = threading.Lock()


def catalogue_of(dataset: Dataset) -> DemoCatalogue:
    """The dataset's catalogue, built on first use and kept with the dataset."""
    built = dataset.catalogue
    if isinstance(built, DemoCatalogue):
        return built
    with _build_lock:
        if not isinstance(dataset.catalogue, DemoCatalogue):
            dataset.catalogue = build_catalogue(dataset)
        return dataset.catalogue  # type: ignore[return-value]


def build_catalogue(dataset: Dataset) -> DemoCatalogue:
    now = dataset.clock().astimezone(UTC)
    with dataset.cursor() as cursor:
        watched = cursor.execute(
            """SELECT content_type, content_id, max(channel_id) AS channel_id,
                      max(pos_to) AS furthest, min(started_at) AS first_seen,
                      count(DISTINCT view_session_id) AS views
               FROM segments GROUP BY ALL"""
        ).df()
    watched["first_seen"] = pd.to_datetime(watched["first_seen"]).dt.tz_localize(UTC)
    if dataset.generated_from is not None:
        settings, client_id, today = dataset.generated_from
        table = content_catalogue(settings.seed, settings.days, client_id, today, settings.contents)
        titles = random.Random(f"{settings.seed}|{client_id}|titles")
    else:
        table = _contents_of_segments(watched)
        titles = random.Random("hand-built|titles")
    return _describe(table, watched, titles, now)


def _contents_of_segments(watched: pd.DataFrame) -> pd.DataFrame:
    """content_type, content_id, channel_id, length, published_at of hand-built segments: every
    live content and every channel a video names is a channel."""
    live = watched[watched["content_type"] == ContentType.LIVE.value]
    recorded = watched[watched["content_type"] == ContentType.RECORDED.value]
    channel_ids = list(dict.fromkeys([*live["content_id"], *recorded["channel_id"].dropna()]))
    rows = [(ContentType.LIVE.value, int(c), None, None, None) for c in sorted(channel_ids)]
    for item in recorded.sort_values("content_id").itertuples():
        furthest = item.furthest if pd.notna(item.furthest) else 0
        length = max(1, math.ceil(furthest)) if furthest else HAND_BUILT_LENGTH
        channel = int(item.channel_id) if pd.notna(item.channel_id) else None
        published = int(item.first_seen.timestamp()) - 3600
        rows.append((ContentType.RECORDED.value, int(item.content_id), channel, length, published))
    return pd.DataFrame(
        rows, columns=["content_type", "content_id", "channel_id", "length", "published_at"]
    )


def _describe(
    table: pd.DataFrame, watched: pd.DataFrame, rng: random.Random, now: datetime
) -> DemoCatalogue:
    views = {
        (row.content_type, int(row.content_id)): int(row.views) for row in watched.itertuples()
    }
    first_seen = {
        (row.content_type, int(row.content_id)): row.first_seen for row in watched.itertuples()
    }
    live = table[table["content_type"] == ContentType.LIVE.value]
    names = _unique(_channel_names(rng, len(live)))
    channels = tuple(
        DemoChannel(
            id=int(content_id),
            title=title,
            description=f"{title}: streams and recordings of our team.",
            is_always_on=index < len(ALWAYS_ON_NAMES),
            is_default=index == 0,
        )
        for index, (content_id, title) in enumerate(zip(live["content_id"], names, strict=True))
    )
    channel_titles = {c.id: c.title for c in channels}
    videos = []
    taken: set[str] = set()
    recorded = table[table["content_type"] == ContentType.RECORDED.value]
    for item in recorded.itertuples():
        content_id = int(item.content_id)
        channel = int(item.channel_id) if pd.notna(item.channel_id) else None
        published = datetime.fromtimestamp(int(item.published_at), UTC)
        # Before its first view wherever its viewers live, and never in the future.
        created = published - timedelta(hours=14) + timedelta(minutes=rng.randrange(0, 120))
        seen = first_seen.get((ContentType.RECORDED.value, content_id))
        if seen is not None and created >= seen:
            created = seen - timedelta(minutes=rng.randrange(5, 90))
        created = min(created, now - timedelta(minutes=5))
        title = _unique_title(_video_title(rng, channel_titles.get(channel), created), taken)
        videos.append(
            DemoVideo(
                id=content_id,
                title=title,
                description=f"Recording: {title}.",
                channel_id=channel,
                length=float(item.length) + rng.randrange(0, 1000) / 1000,
                created_at=int(created.timestamp()),
                protect="private" if rng.random() < PRIVATE_SHARE else "public",
                views=views.get((ContentType.RECORDED.value, content_id), 0),
            )
        )
    videos.sort(key=lambda video: (-video.created_at, video.id))
    return DemoCatalogue(channels, tuple(videos))


def _channel_names(rng: random.Random, count: int) -> list[str]:
    """The always-on channels' names first, then the others shuffled, then regional editions."""
    names = list(ALWAYS_ON_NAMES[:count])
    scheduled = list(CHANNEL_NAMES)
    rng.shuffle(scheduled)
    while len(names) < count:
        base = scheduled[(len(names) - len(ALWAYS_ON_NAMES)) % len(scheduled)]
        round_ = (len(names) - len(ALWAYS_ON_NAMES)) // len(scheduled)
        if round_ == 0:
            names.append(base)
        else:
            region = REGIONS[(round_ - 1) % len(REGIONS)]
            cycle = (round_ - 1) // len(REGIONS)
            names.append(f"{base} {region}" + (f" {cycle + 1}" if cycle else ""))
    return names


def _unique(names: Iterable[str]) -> list[str]:
    taken: set[str] = set()
    return [_unique_title(name, taken) for name in names]


def _video_title(rng: random.Random, channel_title: str | None, created: datetime) -> str:
    topic = rng.choice(VIDEO_TOPICS)
    style = rng.random()
    if channel_title and style < 0.4:
        return f"{topic} ({channel_title})" if ":" in topic else f"{channel_title}: {topic}"
    if channel_title and style < 0.6:
        return f"{channel_title} - {created:%d %B %Y} replay"
    return topic


def _unique_title(title: str, taken: set[str]) -> str:
    """`title`, or `title (Part n)` when it is taken already."""
    candidate, number = title, 1
    while candidate in taken:
        number += 1
        candidate = f"{title} (Part {number})"
    taken.add(candidate)
    return candidate
