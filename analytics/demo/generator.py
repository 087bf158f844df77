"""Deterministic synthetic traffic for the demo API, generated with vectorised numpy.

The shape imitates a streaming account: ~40 contents (live channels and recorded videos),
viewers in 40 countries whose sessions follow their local evening and the weekend, live
events with sharp concurrency peaks plus two always-on channels, recorded videos that are hot
when new and then fade, returning devices, ~30% of devices signed in with an e-mail identity,
and sessions split into several segments by pauses and seeks.

`generate()` returns numeric columns plus small lookup tables; the store joins them into the
segment table in SQL, which keeps 1M+ segments fast (no per-row Python).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

GENERATOR_VERSION = 4  # 4: the live-now layer (analytics.demo.live_now)

# country code, UTC offset in hours (of its main audience), weight, cities
COUNTRIES: list[tuple[str, int, float, tuple[str, ...]]] = [
    ("US", -5, 22.0, ("New York", "Los Angeles", "Chicago", "Houston", "Seattle")),
    ("GB", 0, 8.0, ("London", "Manchester", "Birmingham")),
    ("DE", 1, 7.0, ("Berlin", "Munich", "Hamburg")),
    ("FR", 1, 5.0, ("Paris", "Lyon", "Marseille")),
    ("HU", 1, 3.0, ("Budapest", "Debrecen", "Szeged")),
    ("BR", -3, 5.0, ("São Paulo", "Rio de Janeiro", "Belo Horizonte")),
    ("IN", 5, 5.0, ("Mumbai", "Bengaluru", "Delhi")),
    ("JP", 9, 3.0, ("Tokyo", "Osaka")),
    ("CA", -5, 3.5, ("Toronto", "Vancouver", "Montreal")),
    ("AU", 10, 2.5, ("Sydney", "Melbourne", "Brisbane")),
    ("MX", -6, 2.5, ("Mexico City", "Guadalajara", "Monterrey")),
    ("ES", 1, 2.5, ("Madrid", "Barcelona", "Valencia")),
    ("IT", 1, 2.5, ("Rome", "Milan", "Naples")),
    ("NL", 1, 2.0, ("Amsterdam", "Rotterdam", "Utrecht")),
    ("PL", 1, 1.8, ("Warsaw", "Kraków", "Wrocław")),
    ("SE", 1, 1.2, ("Stockholm", "Gothenburg")),
    ("NO", 1, 0.8, ("Oslo", "Bergen")),
    ("DK", 1, 0.7, ("Copenhagen", "Aarhus")),
    ("FI", 2, 0.6, ("Helsinki", "Tampere")),
    ("IE", 0, 0.7, ("Dublin", "Cork")),
    ("PT", 0, 0.9, ("Lisbon", "Porto")),
    ("AR", -3, 1.2, ("Buenos Aires", "Córdoba")),
    ("CL", -4, 0.7, ("Santiago", "Valparaíso")),
    ("CO", -5, 0.9, ("Bogotá", "Medellín")),
    ("ZA", 2, 0.9, ("Johannesburg", "Cape Town")),
    ("NG", 1, 0.6, ("Lagos", "Abuja")),
    ("EG", 2, 0.5, ("Cairo", "Alexandria")),
    ("KE", 3, 0.4, ("Nairobi", "Mombasa")),
    ("TR", 3, 1.0, ("Istanbul", "Ankara")),
    ("AE", 4, 0.5, ("Dubai", "Abu Dhabi")),
    ("SA", 3, 0.5, ("Riyadh", "Jeddah")),
    ("KR", 9, 1.2, ("Seoul", "Busan")),
    ("SG", 8, 0.6, ("Singapore",)),
    ("ID", 7, 1.0, ("Jakarta", "Surabaya")),
    ("PH", 8, 0.8, ("Manila", "Cebu City")),
    ("AT", 1, 0.8, ("Vienna", "Graz")),
    ("CH", 1, 0.8, ("Zurich", "Geneva")),
    ("BE", 1, 0.8, ("Brussels", "Antwerp")),
    ("CZ", 1, 0.7, ("Prague", "Brno")),
    ("RO", 2, 0.7, ("Bucharest", "Cluj-Napoca")),
]

# city -> ISO 3166-2 subdivision code: what the `region` dimension answers in `point`.
CITY_REGIONS: dict[str, str] = {
    "New York": "US-NY", "Los Angeles": "US-CA", "Chicago": "US-IL", "Houston": "US-TX",
    "Seattle": "US-WA", "London": "GB-ENG", "Manchester": "GB-ENG", "Birmingham": "GB-ENG",
    "Berlin": "DE-BE", "Munich": "DE-BY", "Hamburg": "DE-HH", "Paris": "FR-IDF",
    "Lyon": "FR-ARA", "Marseille": "FR-PAC", "Budapest": "HU-BU", "Debrecen": "HU-HB",
    "Szeged": "HU-CS", "São Paulo": "BR-SP", "Rio de Janeiro": "BR-RJ",
    "Belo Horizonte": "BR-MG", "Mumbai": "IN-MH", "Bengaluru": "IN-KA", "Delhi": "IN-DL",
    "Tokyo": "JP-13", "Osaka": "JP-27", "Toronto": "CA-ON", "Vancouver": "CA-BC",
    "Montreal": "CA-QC", "Sydney": "AU-NSW", "Melbourne": "AU-VIC", "Brisbane": "AU-QLD",
    "Mexico City": "MX-CMX", "Guadalajara": "MX-JAL", "Monterrey": "MX-NLE",
    "Madrid": "ES-MD", "Barcelona": "ES-CT", "Valencia": "ES-VC", "Rome": "IT-62",
    "Milan": "IT-25", "Naples": "IT-72", "Amsterdam": "NL-NH", "Rotterdam": "NL-ZH",
    "Utrecht": "NL-UT", "Warsaw": "PL-14", "Kraków": "PL-12", "Wrocław": "PL-02",
    "Stockholm": "SE-AB", "Gothenburg": "SE-O", "Oslo": "NO-03", "Bergen": "NO-46",
    "Copenhagen": "DK-84", "Aarhus": "DK-82", "Helsinki": "FI-18", "Tampere": "FI-11",
    "Dublin": "IE-L", "Cork": "IE-M", "Lisbon": "PT-11", "Porto": "PT-13",
    "Buenos Aires": "AR-C", "Córdoba": "AR-X", "Santiago": "CL-RM", "Valparaíso": "CL-VS",
    "Bogotá": "CO-DC", "Medellín": "CO-ANT", "Johannesburg": "ZA-GP", "Cape Town": "ZA-WC",
    "Lagos": "NG-LA", "Abuja": "NG-FC", "Cairo": "EG-C", "Alexandria": "EG-ALX",
    "Nairobi": "KE-30", "Mombasa": "KE-28", "Istanbul": "TR-34", "Ankara": "TR-06",
    "Dubai": "AE-DU", "Abu Dhabi": "AE-AZ", "Riyadh": "SA-01", "Jeddah": "SA-02",
    "Seoul": "KR-11", "Busan": "KR-26", "Singapore": "SG-01", "Jakarta": "ID-JK",
    "Surabaya": "ID-JI", "Manila": "PH-00", "Cebu City": "PH-07", "Vienna": "AT-9",
    "Graz": "AT-6", "Zurich": "CH-ZH", "Geneva": "CH-GE", "Brussels": "BE-BRU",
    "Antwerp": "BE-VAN", "Prague": "CZ-10", "Brno": "CZ-64", "Bucharest": "RO-B",
    "Cluj-Napoca": "RO-CJ",
}  # fmt: skip

# Codes a geolocation database answers when it cannot name a country (user-assigned or
# reserved ISO codes, and Kosovo's provisional one): what `unknown_country_rate` puts in.
UNKNOWN_COUNTRIES = ("ZZ", "XK", "A1", "EU")

# DeviceInfo profiles as a user-agent parser reports them:
# browser (family, major, minor, patch), os (family, major, minor, patch, patch_minor),
# device (family, brand, model), is_mobile_view, weight.
PROFILES: list[tuple[tuple, tuple, tuple, bool, float]] = [
    (
        ("Chrome", "124", "0", "6367"),
        ("Windows", "10", None, None, None),
        ("Other", None, None),
        False,
        21.0,
    ),
    (
        ("Edge", "124", "0", "2478"),
        ("Windows", "10", None, None, None),
        ("Other", None, None),
        False,
        6.0,
    ),
    (
        ("Firefox", "125", "0", None),
        ("Windows", "10", None, None, None),
        ("Other", None, None),
        False,
        3.0,
    ),
    (
        ("Safari", "17", "4", "1"),
        ("Mac OS X", "10", "15", "7", None),
        ("Mac", "Apple", "Mac"),
        False,
        7.0,
    ),
    (
        ("Chrome", "124", "0", "6367"),
        ("Mac OS X", "10", "15", "7", None),
        ("Mac", "Apple", "Mac"),
        False,
        5.0,
    ),
    (
        ("Firefox", "125", "0", None),
        ("Ubuntu", None, None, None, None),
        ("Other", None, None),
        False,
        1.5,
    ),
    (
        ("Chrome", "124", "0", "6367"),
        ("Chrome OS", "14541", "0", "0", None),
        ("Other", None, None),
        False,
        1.0,
    ),
    (
        ("Mobile Safari", "17", "4", "1"),
        ("iOS", "17", "4", "1", None),
        ("iPhone", "Apple", "iPhone"),
        True,
        18.0,
    ),
    (
        ("Chrome Mobile", "124", "0", "6367"),
        ("Android", "14", None, None, None),
        ("Samsung SM-S911B", "Samsung", "SM-S911B"),
        True,
        12.0,
    ),
    (
        ("Chrome Mobile", "124", "0", "6367"),
        ("Android", "14", None, None, None),
        ("Pixel 8", "Google", "Pixel 8"),
        True,
        4.0,
    ),
    (
        ("Samsung Internet", "24", "0", None),
        ("Android", "13", None, None, None),
        ("Samsung SM-A546B", "Samsung", "SM-A546B"),
        True,
        3.0,
    ),
    (
        ("Mobile Safari", "17", "4", "1"),
        ("iOS", "17", "4", "1", None),
        ("iPad", "Apple", "iPad"),
        True,
        5.0,
    ),
    (
        ("Chrome", "124", "0", "6367"),
        ("Android", "14", None, None, None),
        ("Samsung SM-X710", "Samsung", "SM-X710"),
        True,
        1.5,
    ),
    (
        ("Samsung Internet", "5", "0", None),
        ("Tizen", "7", "0", None, None),
        ("Samsung SmartTV", "Samsung", "SmartTV"),
        False,
        3.0,
    ),
    (
        ("Roku", "12", "5", None),
        ("Roku", "12", "5", None, None),
        ("Roku Ultra", "Roku", "Ultra"),
        False,
        2.0,
    ),
    (
        ("Chrome", "124", "0", "6367"),
        ("Android", "12", None, None, None),
        ("Chromecast", "Google", "Chromecast"),
        False,
        1.5,
    ),
    (
        ("Other", None, None, None),
        ("Other", None, None, None, None),
        ("Other", None, None),
        False,
        0.5,
    ),
]

FIRST_NAMES = (
    "anna",
    "ben",
    "chloe",
    "david",
    "emma",
    "felix",
    "grace",
    "henrik",
    "ines",
    "jamal",
    "kata",
    "liam",
    "maria",
    "noah",
    "olga",
    "peter",
    "quinn",
    "rosa",
    "sam",
    "tamas",
    "uma",
    "victor",
    "wei",
    "xena",
    "yusuf",
    "zoe",
)
LAST_NAMES = (
    "smith",
    "kovacs",
    "muller",
    "garcia",
    "rossi",
    "tanaka",
    "silva",
    "nagy",
    "brown",
    "novak",
    "dubois",
    "jensen",
    "kim",
    "singh",
    "lopez",
    "horvath",
    "wilson",
    "berg",
)
MAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example.com")

# Relative audience by local hour of day (0..23): low at night, evening prime time.
LOCAL_HOUR_CURVE = np.array(
    [0.35, 0.2, 0.12, 0.08, 0.07, 0.09, 0.18, 0.35, 0.5, 0.55, 0.6, 0.65,
     0.75, 0.75, 0.7, 0.72, 0.8, 0.95, 1.15, 1.4, 1.55, 1.45, 1.1, 0.65]
)  # fmt: skip
WEEKDAY_FACTOR = np.array([0.92, 0.9, 0.93, 0.97, 1.05, 1.25, 1.2])  # Monday..Sunday

N_LIVE = 8  # with the default 40 contents
N_ALWAYS_ON = 2
N_RECORDED = 32
LIVE_CONTENT_SHARE = 0.2  # of `contents`: live channels; the rest are recorded videos
MEAN_SEGMENTS_PER_SESSION = 2.6
LIVE_SHARE = 0.45


@dataclass(frozen=True)
class GeneratedData:
    """Numeric segment columns plus the lookup tables they index (joined in SQL by the store)."""

    segments: pd.DataFrame  # one row per segment, integer codes and epoch seconds
    devices: pd.DataFrame  # device index -> client_id, country, city, profile, identity
    contents: pd.DataFrame  # content index -> content_type, content_id, channel_id
    profiles: pd.DataFrame  # profile index -> DeviceInfo families and versions
    window_start: datetime
    window_end: datetime


def window_for(days: int, today: datetime) -> tuple[datetime, datetime]:
    """[start, end): `days` whole UTC days ending at the end of `today` (UTC)."""
    end = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
    return end - timedelta(days=days), end


def account_seed(seed: int, client_id: str) -> np.random.SeedSequence:
    """Each account gets its own stream of data, derived from the seed and its client id."""
    digest = hashlib.sha256(client_id.encode()).digest()
    return np.random.SeedSequence([seed, int.from_bytes(digest[:8], "little")])


def extras_rng(seed: int, client_id: str) -> np.random.Generator:
    """A second stream for what later versions added (channels of videos, null and unknown
    places), so the main stream, and the data of existing settings, stay as they were."""
    digest = hashlib.sha256(client_id.encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little"), 1])


def content_counts(contents: int) -> tuple[int, int]:
    """(live channels, recorded videos) out of `contents` (40 -> 8 and 32)."""
    n_live = max(N_ALWAYS_ON + 1, round(contents * LIVE_CONTENT_SHARE))
    return n_live, contents - n_live


def generate(
    segments: int,
    days: int,
    seed: int,
    client_id: str,
    today: datetime,
    *,
    contents: int = N_LIVE + N_RECORDED,
    null_rate: float = 0.0,
    unknown_country_rate: float = 0.0,
) -> GeneratedData:
    """Generate exactly `segments` segments for the window of `days` ending with `today`.

    `contents` live channels and recorded videos (a fifth live); each video belongs to one
    channel. A `null_rate` share of devices has no known place (country, city and region
    null), an `unknown_country_rate` share a country code outside ISO 3166-1's assigned ones.
    """
    rng = np.random.default_rng(account_seed(seed, client_id))
    extras = extras_rng(seed, client_id)
    start, end = window_for(days, today)
    t0 = int(start.timestamp())
    n_days = days
    n_live, n_recorded = content_counts(contents)

    contents_table, video_length, video_published_day, live_weight = _contents(
        rng, n_days, n_live, n_recorded
    )
    contents_table["channel_id"] = _video_channels(extras, contents_table, n_live)
    n_sessions_guess = max(1, int(segments / MEAN_SEGMENTS_PER_SESSION * 1.15) + 10)
    devices, device_weight, device_offset = _devices(rng, max(50, n_sessions_guess // 3))
    unknown_places(extras, devices, null_rate, unknown_country_rate)

    day_weight = _day_weights(rng, start, n_days)
    n_live_sessions = int(n_sessions_guess * LIVE_SHARE)
    n_rec = n_sessions_guess - n_live_sessions

    # Devices pick sessions with a heavy tail: a few devices come back often.
    live_dev = rng.choice(len(devices), size=n_live_sessions, p=device_weight)
    rec_dev = rng.choice(len(devices), size=n_rec, p=device_weight)

    live_content, live_start, live_dur = _live_sessions(
        rng, n_live_sessions, live_weight, day_weight, device_offset[live_dev], t0, n_days
    )
    rec_content, rec_start, rec_dur = _recorded_sessions(
        rng, n_rec, video_length, video_published_day, day_weight, device_offset[rec_dev], t0
    )
    rec_content += n_live

    sess_content = np.concatenate([live_content, rec_content])
    sess_start = np.concatenate([live_start, rec_start])
    sess_dur = np.concatenate([live_dur, rec_dur])
    sess_dev = np.concatenate([live_dev, rec_dev])
    order = rng.permutation(len(sess_content))  # mix live and recorded before trimming
    sess_content, sess_start, sess_dur, sess_dev = (
        a[order] for a in (sess_content, sess_start, sess_dur, sess_dev)
    )

    # Segments per session: pauses and seeks split a playback; trimmed to exactly `segments`.
    seg_count = np.minimum(rng.geometric(1 / MEAN_SEGMENTS_PER_SESSION, len(sess_content)), 14)
    seg_count = np.minimum(seg_count, np.maximum(1, sess_dur // 20))
    cumulative = np.cumsum(seg_count)
    n_keep = int(np.searchsorted(cumulative, segments)) + 1 if segments else 0
    n_keep = min(n_keep, len(seg_count))
    seg_count = seg_count[:n_keep].copy()
    if n_keep:
        seg_count[-1] -= max(0, int(cumulative[n_keep - 1]) - segments)
    keep = seg_count > 0
    seg_count = seg_count[keep]
    sess_content, sess_start, sess_dur, sess_dev = (
        a[:n_keep][keep] for a in (sess_content, sess_start, sess_dur, sess_dev)
    )
    frame = session_segments(
        rng, seg_count, sess_content, sess_start, sess_dur, sess_dev, n_live, video_length
    )
    profiles = pd.DataFrame(
        [(*b, *o, *d, mobile) for b, o, d, mobile, _ in PROFILES],
        columns=[
            "browser_family", "browser_major", "browser_minor", "browser_patch",
            "os_family", "os_major", "os_minor", "os_patch", "os_patch_minor",
            "device_family", "device_brand", "device_model", "is_mobile_view",
        ],
    )  # fmt: skip
    profiles.insert(0, "profile", np.arange(len(profiles)))
    return GeneratedData(frame, devices, contents_table, profiles, start, end)


def content_catalogue(
    seed: int, days: int, client_id: str, today: datetime, contents: int = N_LIVE + N_RECORDED
) -> pd.DataFrame:
    """The contents `generate()` draws for the same arguments, without their traffic:
    content_type, content_id, channel_id (recorded: its live channel), length (seconds,
    recorded only) and published_at (recorded: midnight UTC of the day it was published).

    The draws are the first ones `generate()` makes from each stream, so ids, channels and
    lengths match its segments (the Channel API of the demo describes them).
    """
    rng = np.random.default_rng(account_seed(seed, client_id))
    extras = extras_rng(seed, client_id)
    start, _end = window_for(days, today)
    n_live, n_recorded = content_counts(contents)
    table, video_length, published_day, _weight = _contents(rng, days, n_live, n_recorded)
    table["channel_id"] = _video_channels(extras, table, n_live)
    live = np.arange(len(table)) < n_live
    length = np.concatenate([np.zeros(n_live, np.int64), video_length])
    table["length"] = pd.Series(length).astype("Int64").mask(live)
    published = int(start.timestamp()) + np.concatenate(
        [np.zeros(n_live, np.int64), published_day.astype(np.int64) * 86_400]
    )
    table["published_at"] = pd.Series(published).astype("Int64").mask(live)
    return table.drop(columns="content")


def _contents(rng: np.random.Generator, n_days: int, n_live: int, n_recorded: int):
    live_ids = 10_000_000 + _distinct(rng, 30_000_000, n_live)
    video_ids = 100_000_000 + _distinct(rng, 300_000_000, n_recorded)
    contents = pd.DataFrame(
        {
            "content": np.arange(n_live + n_recorded),
            "content_type": ["live"] * n_live + ["recorded"] * n_recorded,
            "content_id": np.concatenate([live_ids, video_ids]).astype(np.int64),
        }
    )
    # Video lengths 2..120 minutes; published from 60 days before the window to its end.
    video_length = np.clip(rng.lognormal(np.log(900), 0.8, n_recorded), 120, 7200).astype(np.int64)
    video_published_day = rng.integers(-60, n_days, n_recorded)
    live_weight = rng.lognormal(0, 0.6, n_live)
    return contents, video_length, video_published_day, live_weight


def _video_channels(rng: np.random.Generator, contents: pd.DataFrame, n_live: int) -> pd.Series:
    """Each recorded video belongs to one live channel (its channel id is that channel's
    content id, as on IBM's platform); live rows carry no channel."""
    live_ids = contents["content_id"].to_numpy()[:n_live]
    n_recorded = len(contents) - n_live
    channel = live_ids[rng.integers(0, n_live, n_recorded)]
    return (
        pd.Series(np.concatenate([np.zeros(n_live, np.int64), channel]))
        .astype("Int64")
        .mask(np.arange(len(contents)) < n_live)
    )


def unknown_places(
    rng: np.random.Generator, devices: pd.DataFrame, null_rate: float, unknown_rate: float
) -> None:
    """Add `region` (from the city) and, at the given rates, null or unknown places."""
    devices["region"] = devices["city"].map(CITY_REGIONS)
    draw = rng.random(len(devices))
    unknown = (draw >= null_rate) & (draw < null_rate + unknown_rate)
    codes = np.array(UNKNOWN_COUNTRIES)[rng.integers(0, len(UNKNOWN_COUNTRIES), len(devices))]
    for column in ("country", "city", "region"):
        devices[column] = devices[column].astype(object)
    devices.loc[unknown, "country"] = codes[unknown]
    devices.loc[unknown, ["city", "region"]] = None
    devices.loc[draw < null_rate, ["country", "city", "region"]] = None


def _distinct(rng: np.random.Generator, high: int, count: int) -> np.ndarray:
    """`count` distinct integers in [0, high), without materialising the range."""
    values: list[int] = []
    seen: set[int] = set()
    while len(values) < count:
        value = int(rng.integers(0, high))
        if value not in seen:
            seen.add(value)
            values.append(value)
    return np.array(values, dtype=np.int64)


def _devices(rng: np.random.Generator, n_devices: int):
    country_weight = np.array([c[2] for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), n_devices, p=country_weight / country_weight.sum())
    return device_table(rng, country)


def device_table(rng: np.random.Generator, country: np.ndarray, *, first_person: int = 0):
    """Devices in the given countries (COUNTRIES indices): city, DeviceInfo profile, client id
    and, for ~30% of them, an e-mail identity. Returns (devices, pick weight, UTC offset).

    `first_person` numbers the people behind the e-mail addresses, so two device tables of
    one account never name different people alike.
    """
    n_devices = len(country)
    city_count = np.array([len(c[3]) for c in COUNTRIES])
    # First cities are the big ones: skew the pick towards index 0.
    city_index = np.minimum((rng.random(n_devices) ** 1.8 * city_count[country]).astype(int),
                            city_count[country] - 1)  # fmt: skip
    profile_weight = np.array([p[4] for p in PROFILES])
    profile = rng.choice(len(PROFILES), n_devices, p=profile_weight / profile_weight.sum())
    client_number = rng.integers(10**18, 2**63 - 1, n_devices, dtype=np.int64)

    # ~30% of devices are signed in; a person owns one to three devices.
    signed_in = rng.random(n_devices) < 0.3
    n_people = max(1, int(signed_in.sum() / 1.4))
    person = rng.integers(0, n_people, n_devices)
    first = rng.integers(0, len(FIRST_NAMES), n_people)
    last = rng.integers(0, len(LAST_NAMES), n_people)
    domain = rng.integers(0, len(MAIL_DOMAINS), n_people)
    emails = np.array(
        [
            f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}{first_person + i}@{MAIL_DOMAINS[d]}"
            for i, (f, la, d) in enumerate(zip(first, last, domain, strict=True))
        ]
    )
    identity = np.where(signed_in, emails[person], "")

    devices = pd.DataFrame(
        {
            "device": np.arange(n_devices),
            "client_id": client_number.astype(str),
            "country": np.array([c[0] for c in COUNTRIES])[country],
            "city": [COUNTRIES[c][3][i] for c, i in zip(country, city_index, strict=True)],
            "profile": profile,
            "viewer_identifier": identity,
        }
    )
    rank = rng.permutation(n_devices) + 1
    weight = 1.0 / (rank + 5.0) ** 0.85
    offset_hours = np.array([c[1] for c in COUNTRIES])[country]
    return devices, weight / weight.sum(), offset_hours


def _day_weights(rng: np.random.Generator, start: datetime, n_days: int) -> np.ndarray:
    """Weekly cycle x slow growth x day-to-day noise."""
    weekday = (start.weekday() + np.arange(n_days)) % 7
    growth = 1.0 + 0.35 * np.arange(n_days) / max(1, n_days)
    noise = rng.lognormal(0, 0.12, n_days)
    return WEEKDAY_FACTOR[weekday] * growth * noise


def _local_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the local day, following LOCAL_HOUR_CURVE."""
    hour = rng.choice(24, n, p=LOCAL_HOUR_CURVE / LOCAL_HOUR_CURVE.sum())
    return hour * 3600 + rng.integers(0, 3600, n)


def _recorded_sessions(rng, n, video_length, published_day, day_weight, utc_offset, t0):
    """Recorded views: popular videos (Zipf) are hot when new, then fade to a long tail."""
    n_videos = len(video_length)
    n_days = len(day_weight)
    popularity = 1.0 / np.arange(1, n_videos + 1) ** 0.9
    per_video = rng.multinomial(n, popularity / popularity.sum())
    day = np.empty(n, dtype=np.int64)
    video = np.repeat(np.arange(n_videos), per_video)
    position = 0
    days = np.arange(n_days)
    for v in range(n_videos):
        age = days - published_day[v]
        weight = np.where(age >= 0, day_weight * (0.25 + np.exp(-np.maximum(age, 0) / 10.0)), 0.0)
        if weight.sum() == 0:  # published after the window: its views land on the last day
            weight[-1] = 1.0
        count = per_video[v]
        day[position : position + count] = rng.choice(n_days, count, p=weight / weight.sum())
        position += count
    start = t0 + day * 86_400 + _local_seconds(rng, n) - utc_offset * 3600
    # Watch time: a share of the video (many drop early, some finish).
    share = rng.beta(0.9, 1.6, n)
    duration = np.maximum(15, (share * video_length[video]).astype(np.int64))
    return video, start.astype(np.int64), duration  # video index; the caller adds n_live


def _live_sessions(rng, n, live_weight, day_weight, utc_offset, t0, n_days):
    """Live views: scheduled events (sharp peaks at their start) and two always-on channels."""
    n_always = int(n * 0.2)
    n_event = n - n_always

    # Events: each scheduled channel airs on ~3 of 7 days, in the evening (UTC 18-23),
    # 1-3 hours; a few events are big.
    scheduled = np.arange(N_ALWAYS_ON, len(live_weight))
    airs = rng.random((len(scheduled), n_days)) < 3 / 7
    channel_index, event_day = np.nonzero(airs)
    channel = scheduled[channel_index]
    n_events = len(channel)
    event_start = (
        t0
        + event_day * 86_400
        + rng.integers(18, 23, n_events) * 3600
        + rng.choice([0, 1800], n_events)
    )
    event_len = rng.integers(60, 181, n_events) * 60
    size = live_weight[channel] * day_weight[event_day] * rng.lognormal(0, 0.7, n_events)
    big = rng.random(n_events) < 0.06
    size = np.where(big, size * rng.uniform(4, 10, n_events), size)
    event = rng.choice(n_events, n_event, p=size / size.sum()) if n_events else np.zeros(0, int)

    # Most people join around the start; the rest drift in during the event.
    early = rng.random(n_event) < 0.6
    join = np.where(
        early,
        np.minimum(rng.exponential(240, n_event) - 300, event_len[event] * 0.5),
        rng.uniform(0, 1, n_event) * event_len[event],
    ).astype(np.int64)
    start_event = event_start[event] + join
    left = event_start[event] + event_len[event] - start_event
    dur_event = np.maximum(30, np.minimum(rng.exponential(1800, n_event), left + 120)).astype(
        np.int64
    )

    # Always-on channels: audience follows the viewers' local evening.
    always_channel = rng.integers(0, N_ALWAYS_ON, n_always)
    always_day = rng.choice(n_days, n_always, p=day_weight / day_weight.sum())
    always_start = (
        t0 + always_day * 86_400 + _local_seconds(rng, n_always) - utc_offset[:n_always] * 3600
    )
    always_dur = np.maximum(30, rng.exponential(1500, n_always)).astype(np.int64)

    content = np.concatenate([always_channel, channel[event]]).astype(np.int64)
    start = np.concatenate([always_start, start_event]).astype(np.int64)
    duration = np.concatenate([always_dur, dur_event])
    return content, start, duration


def session_segments(
    rng, seg_count, sess_content, sess_start, sess_dur, sess_dev, n_live, video_length
):
    """Split each session into segments separated by pauses (a gap) or seeks (a jump)."""
    n_seg = int(seg_count.sum())
    session = np.repeat(np.arange(len(seg_count)), seg_count)
    first_of_session = np.zeros(n_seg, dtype=bool)
    offsets = np.cumsum(seg_count) - seg_count
    first_of_session[offsets] = True

    # Watch time per segment: the session's duration split at random.
    weight = rng.exponential(1.0, n_seg)
    weight_sum = np.add.reduceat(weight, offsets) if n_seg else weight
    seg_dur = np.maximum(1, (weight / np.repeat(weight_sum, seg_count) * sess_dur[session])).astype(
        np.int64
    )

    # Between segments: a pause (5 s .. 5 min) or a seek (no gap).
    is_pause = rng.random(n_seg) < 0.55
    gap = np.where(is_pause & ~first_of_session, rng.integers(5, 300, n_seg), 0)
    # A segment starts after the earlier segments of its session and its own pause.
    step = seg_dur + gap
    before = np.cumsum(step) - step
    before -= np.repeat(before[offsets], seg_count)
    seg_start = sess_start[session] + before + gap
    seg_end = seg_start + seg_dur

    # Positions for recorded videos: continue after a pause, jump after a seek.
    content = sess_content[session]
    is_recorded = content >= n_live
    length = np.where(is_recorded, video_length[np.maximum(content - n_live, 0)], 0)
    anchor = first_of_session | ~is_pause
    anchor_pos = np.where(
        first_of_session & (rng.random(n_seg) < 0.75), 0, (rng.random(n_seg) * length * 0.8)
    ).astype(np.int64)
    watch_before = np.cumsum(seg_dur) - seg_dur
    last_anchor = np.maximum.accumulate(np.where(anchor, np.arange(n_seg), 0)) if n_seg else anchor
    pos_from = anchor_pos[last_anchor] + (watch_before - watch_before[last_anchor])
    pos_from = np.minimum(pos_from, np.maximum(length - seg_dur, 0))
    pos_to = np.minimum(pos_from + seg_dur, length)
    pos_from = np.where(is_recorded, pos_from, 0)
    pos_to = np.where(is_recorded, pos_to, 0)

    # Random bits for ids: segment UUIDs and session ids, drawn per segment / session.
    uuid_hi = rng.integers(0, 2**63 - 1, n_seg, dtype=np.int64)
    uuid_lo = rng.integers(0, 2**63 - 1, n_seg, dtype=np.int64)
    session_bits = rng.integers(0, 2**63 - 1, len(seg_count), dtype=np.int64)
    offsite = rng.random(len(seg_count)) < 0.3
    return pd.DataFrame(
        {
            "uuid_hi": uuid_hi,
            "uuid_lo": uuid_lo,
            "session_bits": session_bits[session],
            "content": content,
            "device": sess_dev[session],
            "started": seg_start,
            "finished": seg_end,
            "pos_from": pos_from.astype(np.int64),
            "pos_to": pos_to.astype(np.int64),
            "offsite": offsite[session],
        }
    )
