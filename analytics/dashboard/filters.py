"""The global sidebar filters and their mirror in the URL, so a copied link reproduces the view.

The pure half (`ReportFilters`, `filters_from_params`, `filters_to_params`) is plain Python and
tested on its own; `sidebar_filters` draws the widgets, seeds them from `st.query_params` on a
session's first run and writes the current choice back to the URL on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import streamlit as st

from analytics.api import Catalogue
from analytics.api.queries import ContentType
from analytics.config import ConfigSource
from analytics.dashboard.connection import secrets_or_none
from analytics.dashboard.periods import (
    EARLIEST_DATE,
    LATEST_DATE,
    MONDAY,
    Comparison,
    Period,
    Preset,
    check_date_bounds,
    resolve_period,
    timezone_names,
    week_start_from,
    zone,
)
from analytics.dashboard.service import wait_for_titles
from analytics.dashboard.text import plain

# URL parameter names of the global filters.
RANGE, START, END, TZ, CONTENT_TYPE, CONTENT_IDS, CHANNEL, COMPARE = (
    "range",
    "from",
    "to",
    "tz",
    "type",
    "ids",
    "channel",
    "compare",
)
GLOBAL_PARAMS = (RANGE, START, END, TZ, CONTENT_TYPE, CONTENT_IDS, CHANNEL, COMPARE)
DEFAULT_PRESET = Preset.LAST_28_DAYS
URL_TIME_FORMAT = "%Y-%m-%dT%H:%M"
ALL_CONTENT = "all"
MAX_CONTENT_IDS = 50
MAX_CONTENT_ID_DIGITS = 19  # the largest 64-bit id has 19 digits
MAX_CONTENT_IDS_TEXT = 1_000  # characters of the ids parameter or box
# A channel's videos go to the API as ids: at most this many (the newest), like one query's.
MAX_CHANNEL_VIDEOS = 200


@dataclass(frozen=True)
class ReportFilters:
    """What every report page is about: the period, timezone, content and the comparison.

    Chosen in the sidebar (and mirrored in the URL); hashable so it can be part of cache keys.
    """

    tz: str = "UTC"
    preset: Preset = DEFAULT_PRESET
    custom_start: datetime | None = None  # wall-clock time in `tz` (naive), only for CUSTOM
    custom_end: datetime | None = None
    content_type: ContentType | None = None
    content_ids: tuple[int, ...] = ()
    comparison: Comparison = Comparison.PREVIOUS
    week_start: int = MONDAY  # a deployment setting (DASHBOARD_WEEK_START), not in the URL
    # Recorded videos of one channel (`channel=` in the URL). Its videos' ids, from the
    # catalogue, are what the queries ask for when no video is picked; never in the URL.
    channel_id: int | None = None
    channel_video_ids: tuple[int, ...] = ()

    @property
    def scope_ids(self) -> tuple[int, ...]:
        """The content ids the queries ask for: the picked ones, else the channel's videos."""
        return self.content_ids or self.channel_video_ids

    @property
    def compare(self) -> bool:
        """Whether there is a comparison at all."""
        return self.comparison is not Comparison.OFF

    def period(self, now: datetime | None = None) -> Period:
        return resolve_period(
            self.preset,
            self.tz,
            now=now,
            custom_start=self.custom_start,
            custom_end=self.custom_end,
            comparison=self.comparison,
            week_start=self.week_start,
        )


@dataclass
class ParsedParams:
    """Filters read from a URL plus one message per parameter that had to be ignored."""

    filters: ReportFilters
    problems: list[str] = field(default_factory=list)


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[-1] if value else None


def parse_content_ids(text: str) -> tuple[int, ...]:
    """ "12, 34 56" -> (12, 34, 56); ValueError naming the parameter for anything else."""
    if len(text) > MAX_CONTENT_IDS_TEXT:
        raise ValueError(f"content ids: at most {MAX_CONTENT_IDS_TEXT} characters")
    tokens = [token for token in text.replace(",", " ").split() if token]
    ids: list[int] = []
    for token in tokens:
        if len(token) > MAX_CONTENT_ID_DIGITS:
            raise ValueError(f"content ids: an id has at most {MAX_CONTENT_ID_DIGITS} digits")
        if not (token.isascii() and token.isdigit()) or int(token) <= 0:
            raise ValueError(f"content ids: {token!r} is not a positive whole number")
        if int(token) not in ids:
            ids.append(int(token))
    if len(ids) > MAX_CONTENT_IDS:
        raise ValueError(f"content ids: at most {MAX_CONTENT_IDS} ids, got {len(ids)}")
    return tuple(sorted(ids))


def parse_url_time(text: str) -> datetime:
    """A wall-clock time from the URL: 2026-11-01T00:00 or 2026-11-01."""
    for pattern in (URL_TIME_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)")


def parse_comparison(text: str) -> Comparison:
    """previous, year or off; the old on/off words (compare=0, compare=on) still work."""
    word = text.strip().lower()
    if word in ("0", "false", "no"):
        return Comparison.OFF
    if word in ("1", "true", "yes", "on"):
        return Comparison.PREVIOUS
    try:
        return Comparison(word)
    except ValueError:
        choices = ", ".join(c.value for c in Comparison)
        raise ValueError(f"use one of: {choices}") from None


def filters_from_params(
    params: Mapping[str, str | Sequence[str]],
    default_tz: str,
    now: datetime | None = None,
    week_start: int = MONDAY,
) -> ParsedParams:
    """Filters from URL parameters; an unusable parameter falls back to its default, with a note."""
    problems: list[str] = []
    get = {key: _first(params.get(key)) for key in GLOBAL_PARAMS}

    tz = default_tz
    if get[TZ]:
        try:
            zone(get[TZ])
            tz = get[TZ]
        except ValueError as error:
            problems.append(f"Ignored the timezone in the link: {error}")

    preset = DEFAULT_PRESET
    if get[RANGE]:
        try:
            preset = Preset(get[RANGE])
        except ValueError:
            choices = ", ".join(p.value for p in Preset)
            problems.append(f"Ignored range={get[RANGE]!r} in the link; use one of: {choices}")

    custom_start = custom_end = None
    if preset is Preset.CUSTOM:
        try:
            custom_start = parse_url_time(get[START] or "")
            custom_end = parse_url_time(get[END] or "")
            if get[END] and len(get[END].strip()) == len("YYYY-MM-DD"):
                custom_end += timedelta(days=1)  # a bare end date includes that whole day
            if not custom_start < custom_end:
                raise ValueError("the start must be before the end")
            check_date_bounds(custom_start, custom_end)
        except ValueError as error:
            problems.append(f"Ignored the custom range in the link ({error}).")
            preset, custom_start, custom_end = DEFAULT_PRESET, None, None

    content_type = None
    if get[CONTENT_TYPE] and get[CONTENT_TYPE] != ALL_CONTENT:
        try:
            content_type = ContentType(get[CONTENT_TYPE])
        except ValueError:
            problems.append(
                f"Ignored type={get[CONTENT_TYPE]!r} in the link; use live or recorded."
            )

    content_ids: tuple[int, ...] = ()
    if get[CONTENT_IDS]:
        if content_type is None:
            problems.append("Ignored the content ids in the link: they need a content type.")
        else:
            try:
                content_ids = parse_content_ids(get[CONTENT_IDS])
            except ValueError as error:
                problems.append(f"Ignored the content ids in the link: {error}")

    channel_id = None
    if get[CHANNEL]:
        try:
            (channel_id,) = parse_content_ids(get[CHANNEL]) or (None,)
        except ValueError:
            problems.append(f"Ignored channel={get[CHANNEL][:24]!r} in the link: one channel id.")
        if channel_id is not None and content_type is not ContentType.RECORDED:
            problems.append("Ignored the channel in the link: it scopes recorded videos only.")
            channel_id = None

    comparison = Comparison.PREVIOUS
    if get[COMPARE]:
        try:
            comparison = parse_comparison(get[COMPARE])
        except ValueError as error:
            problems.append(f"Ignored compare={get[COMPARE]!r} in the link; {error}")

    filters = ReportFilters(
        tz=tz,
        preset=preset,
        custom_start=custom_start,
        custom_end=custom_end,
        content_type=content_type,
        content_ids=content_ids,
        comparison=comparison,
        week_start=week_start,
        channel_id=channel_id,
    )
    return ParsedParams(filters, problems)


def filters_to_params(filters: ReportFilters) -> dict[str, str]:
    """The URL parameters for `filters`; the timezone is always written so links travel well."""
    params = {RANGE: filters.preset.value, TZ: filters.tz}
    if filters.preset is Preset.CUSTOM and filters.custom_start and filters.custom_end:
        params[START] = filters.custom_start.strftime(URL_TIME_FORMAT)
        params[END] = filters.custom_end.strftime(URL_TIME_FORMAT)
    if filters.content_type is not None:
        params[CONTENT_TYPE] = filters.content_type.value
        if filters.content_ids:
            params[CONTENT_IDS] = ",".join(map(str, filters.content_ids))
        if filters.channel_id is not None:
            params[CHANNEL] = str(filters.channel_id)
    if filters.comparison is not Comparison.PREVIOUS:
        params[COMPARE] = filters.comparison.value
    return params


# --- Streamlit ---------------------------------------------------------------------------------

_KEY = "filter_"  # session-state key prefix of the sidebar widgets
_APPLIED = _KEY + "custom"  # the custom range in use: (start, end) wall-clock, end exclusive
_SHOWN = _KEY + "shown"  # the period of the last run, to start a custom range from
_FORM_ERROR = _KEY + "custom_error"


def browser_timezone() -> str:
    """The browser's timezone, or UTC when the browser did not say or named an unknown zone."""
    name = st.context.timezone
    try:
        zone(name or "")
    except ValueError:
        return "UTC"
    return name  # type: ignore[return-value]


def week_start_setting() -> tuple[int, str | None]:
    """DASHBOARD_WEEK_START (environment or secrets.toml), and a message when it is unusable."""
    try:
        return week_start_from(ConfigSource(secrets=secrets_or_none())), None
    except ValueError as error:
        return MONDAY, f"{error}; weeks start on Monday."


def _seed_widgets(parsed: ParsedParams) -> None:
    filters = parsed.filters
    state = st.session_state
    state[_KEY + RANGE] = filters.preset
    state[_KEY + TZ] = filters.tz
    state[_KEY + CONTENT_TYPE] = filters.content_type.value if filters.content_type else ALL_CONTENT
    state[_KEY + CONTENT_IDS] = ",".join(map(str, filters.content_ids))
    state[_KEY + CHANNEL] = filters.channel_id
    state[_KEY + COMPARE] = filters.comparison
    if filters.custom_start and filters.custom_end:
        _set_custom_range(filters.custom_start, filters.custom_end)


def _set_custom_range(start: datetime, end: datetime) -> None:
    """Use [start, end) as the custom range and show its days in the date boxes."""
    state = st.session_state
    state[_APPLIED] = (start, end)
    state[_KEY + START] = start.date()
    state[_KEY + END] = last_day_of(end)
    state.pop(_FORM_ERROR, None)


def last_day_of(end: datetime) -> date:
    """The last day an exclusive end includes (midnight of 8 Nov -> 7 Nov; 8 Nov 12:00 -> 8 Nov)."""
    return (end - timedelta(microseconds=1)).date()


def whole_days(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last` (inclusive), as [start, end)."""
    return datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))


def _on_range_change() -> None:
    """Switching to "Custom range" starts from the days shown until now."""
    state = st.session_state
    if state.get(_KEY + RANGE) is Preset.CUSTOM and _SHOWN in state:
        first, last = state[_SHOWN]
        _set_custom_range(*whole_days(first, last))


def _apply_custom_range() -> None:
    """The form's Apply: both dates at once, the end date included."""
    state = st.session_state
    first, last = state.get(_KEY + START), state.get(_KEY + END)
    if first is None or last is None:
        state[_FORM_ERROR] = "Choose both a start and an end date."
    elif first > last:
        state[_FORM_ERROR] = "The start date must not be after the end date."
    else:
        _set_custom_range(*whole_days(first, last))


def _custom_range_form(sidebar: Any) -> tuple[datetime | None, datetime | None]:
    """Dates only, applied together: editing one date does not run a query."""
    state = st.session_state
    if _APPLIED not in state:  # e.g. "custom" chosen before any period was shown
        local_now = datetime.now(zone(state.get(_KEY + TZ) or "UTC"))
        today = datetime.combine(local_now.date(), time(0))
        _set_custom_range(today - timedelta(days=7), today)
    start, end = state[_APPLIED]
    for key, day in ((_KEY + START, start.date()), (_KEY + END, last_day_of(end))):
        if key not in state:  # the boxes were not shown in the last run
            state[key] = day
    bounds = {"min_value": EARLIEST_DATE, "max_value": LATEST_DATE - timedelta(days=1)}
    with sidebar.form(_KEY + "custom_form", border=False):
        st.date_input("From", key=_KEY + START, format="YYYY-MM-DD", **bounds)
        st.date_input(
            "To (inclusive)",
            key=_KEY + END,
            format="YYYY-MM-DD",
            help="The range includes this whole day.",
            **bounds,
        )
        st.form_submit_button("Apply", key=_KEY + "apply", on_click=_apply_custom_range)
    if state.get(_FORM_ERROR):
        sidebar.error(f"{state[_FORM_ERROR]} The range was not changed.")
    return start, end


def sidebar_filters(
    now: datetime | None = None,
    titles: Future[Catalogue] | None = None,
    *,
    compare: bool = True,
) -> tuple[ReportFilters, Period | None]:
    """Draw the global filters in the sidebar; return the choice and its period.

    The period is None (with an st.error in the sidebar) when the custom range is unusable.
    With `titles` (the catalogue, waited for only when a content type is chosen), contents are
    picked by title (the URL still names them by id); without them, ids are typed. Without
    `compare` (a page that compares nothing) "Compare with" is not shown, and its choice is
    kept for the next page that does.
    """
    now = now or datetime.now().astimezone()
    week_start, week_problem = week_start_setting()
    if week_problem:
        st.sidebar.warning(plain(week_problem), icon=":material/settings:")
    if _KEY + RANGE not in st.session_state:  # a new session, or back from the login page
        parsed = filters_from_params(
            st.query_params.to_dict(), browser_timezone(), now, week_start=week_start
        )
        _seed_widgets(parsed)
        for problem in parsed.problems:
            st.toast(plain(problem), icon=":material/link_off:", duration="long")

    sidebar = st.sidebar
    sidebar.header("Filters")
    preset = sidebar.selectbox(
        "Date range",
        list(Preset),
        format_func=lambda p: p.label,
        key=_KEY + RANGE,
        on_change=_on_range_change,
    )
    custom_start = custom_end = None
    if preset is Preset.CUSTOM:
        custom_start, custom_end = _custom_range_form(sidebar)
    tz = sidebar.selectbox(
        "Timezone",
        timezone_names(),
        key=_KEY + TZ,
        help="Days and hours are counted in this timezone; all times are shown in it.",
    )
    content_choice = sidebar.segmented_control(
        "Content",
        [ALL_CONTENT, ContentType.LIVE.value, ContentType.RECORDED.value],
        format_func=_content_label,
        key=_KEY + CONTENT_TYPE,
    )
    content_type = (
        ContentType(content_choice) if content_choice and content_choice != ALL_CONTENT else None
    )
    content_ids: tuple[int, ...] = ()
    channel_id, channel_video_ids = None, ()
    catalogue = wait_for_titles(titles) if content_type is not None and titles is not None else None
    if content_type is not None and catalogue is not None and catalogue.available:
        if content_type is ContentType.RECORDED:
            channel_id, channel_video_ids = _channel_picker(sidebar, catalogue)
        content_ids = _content_picker(sidebar, catalogue, content_type, channel_id)
    else:
        ids_text = sidebar.text_input(
            "Content ids",
            key=_KEY + CONTENT_IDS,
            placeholder="e.g. 1001, 1002" if content_type else "choose live or recorded first",
            disabled=content_type is None,
            help="Channel ids (live) or video ids (recorded), separated by commas. "
            "The API filters by ids only within one content type.",
        )
        if content_type is not None and ids_text.strip():
            try:
                content_ids = parse_content_ids(ids_text)
            except ValueError as error:
                sidebar.error(plain(str(error).capitalize()))
    if compare:
        comparison = sidebar.selectbox(
            "Compare with",
            list(Comparison),
            format_func=lambda c: c.label,
            key=_KEY + COMPARE,
            help=COMPARISON_HELP,
        )
    else:  # kept in the session (a widget not drawn would lose its value) and in the URL
        state = st.session_state
        comparison = state[_KEY + COMPARE] = state.get(_KEY + COMPARE, Comparison.PREVIOUS)

    filters = ReportFilters(
        tz=tz,
        preset=preset,
        custom_start=custom_start,
        custom_end=custom_end,
        content_type=content_type,
        content_ids=content_ids,
        comparison=comparison,
        week_start=week_start,
        channel_id=channel_id,
        channel_video_ids=channel_video_ids,
    )
    period: Period | None = None
    try:
        period = filters.period(now)
    except ValueError as error:
        sidebar.error(plain(str(error).capitalize()))
    if period is not None:
        st.session_state[_SHOWN] = (period.start.date(), period.last_day)
        sidebar.caption(f"{period.describe()} ({tz})")
        if filters.compare and compare:
            sidebar.caption(f"Compared with {period.previous().describe()}")
    write_params(filters_to_params(filters), GLOBAL_PARAMS)
    return filters, period


def _channel_picker(sidebar: Any, catalogue: Catalogue) -> tuple[int | None, tuple[int, ...]]:
    """A channel whose recorded videos the pages are about (None: every video), and the ids
    of its videos, newest first, at most MAX_CHANNEL_VIDEOS (said when cut). Only channels
    with videos are offered; a linked channel the catalogue lacks is dropped with a note."""
    state = st.session_state
    key = _KEY + CHANNEL
    with_videos = {
        channel.content_id: channel.title or f"Channel {channel.content_id}"
        for channel in catalogue.channels
        if catalogue.videos_of(channel.content_id)
    }
    if state.get(key) is not None and state[key] not in with_videos:
        st.toast(
            f"The linked channel {state[key]} has no recorded videos here; showing all videos.",
            icon=":material/link_off:",
        )
        state[key] = None
    options: list[int | None] = [
        None,
        *sorted(with_videos, key=lambda ident: (with_videos[ident].casefold(), ident)),
    ]
    channel_id = sidebar.selectbox(
        "Channel",
        options,
        key=key,
        format_func=lambda ident: "All channels" if ident is None else with_videos[ident],
        on_change=_forget_picked_ids,
        help="Narrows the pages to the recorded videos of one live channel (as IBM's Channel "
        "API links them); pick videos below to narrow further.",
    )
    if channel_id is None:
        return None, ()
    videos = sorted(
        catalogue.videos_of(channel_id),
        key=lambda video: (video.created_at is not None, video.created_at, video.content_id),
        reverse=True,
    )
    if len(videos) > MAX_CHANNEL_VIDEOS:
        sidebar.caption(
            f"This channel has {len(videos):,} videos; the pages count its newest "
            f"{MAX_CHANNEL_VIDEOS} (pick videos to choose others)."
        )
    return channel_id, tuple(sorted(v.content_id for v in videos[:MAX_CHANNEL_VIDEOS]))


def _content_picker(
    sidebar: Any,
    catalogue: Catalogue,
    content_type: ContentType,
    channel_id: int | None = None,
) -> tuple[int, ...]:
    """A searchable multi-select of the type's channels or videos by title (only the videos of
    `channel_id` when one is chosen). The ids typed or linked so far stay chosen (an id the
    catalogue lacks too), and the choice is kept in the ids' own state, so the URL, a link and
    the typed field agree."""
    state = st.session_state
    try:
        chosen = list(parse_content_ids(state.get(_KEY + CONTENT_IDS, "") or ""))
    except ValueError:
        chosen = []
    known = catalogue.titles(content_type)
    if channel_id is not None:
        of_channel = {video.content_id for video in catalogue.videos_of(channel_id)}
        known = {ident: title for ident, title in known.items() if ident in of_channel}
    options = sorted(known, key=lambda ident: (known[ident].casefold(), ident))
    options += [ident for ident in chosen if ident not in known]
    key = f"{_KEY}content_pick_{content_type.value}"
    if state.get(key) != chosen:
        state[key] = chosen
    noun = "channels" if content_type is ContentType.LIVE else "videos"
    picked = sidebar.multiselect(
        "Channels" if content_type is ContentType.LIVE else "Videos",
        options,
        key=key,
        format_func=lambda ident: _titled(known, ident),
        placeholder=f"All {noun}" if channel_id is None else "All videos of this channel",
        max_selections=MAX_CONTENT_IDS,
        help=f"Type to search the {noun} by title; none chosen means all of them.",
        on_change=_keep_picked_ids,
        args=(key,),
    )
    return tuple(int(ident) for ident in picked)


def _forget_picked_ids() -> None:
    """Another channel: the videos picked from the last one no longer apply."""
    st.session_state[_KEY + CONTENT_IDS] = ""


def _keep_picked_ids(key: str) -> None:
    """The picker's choice as the ids' own state. Signing out forgets the widget keys, and
    Streamlit may still call this for the vanished widget: then there is nothing to keep."""
    picked = st.session_state.get(key)
    if picked is not None:
        st.session_state[_KEY + CONTENT_IDS] = ",".join(map(str, picked))


def _titled(known: Mapping[int, str], ident: int) -> str:
    title = known.get(ident)
    return f"{title} ({ident})" if title else f"Id {ident} (not in the catalogue)"


COMPARISON_HELP = (
    "Previous period: weeks and day ranges are compared with as many days just before, ending "
    "on the same weekday; calendar months, quarters and years with the one before. "
    "Same period last year: 52 weeks earlier (so weekdays match), or the same dates for "
    "calendar months, quarters and years."
)


def _content_label(choice: str) -> str:
    return {ALL_CONTENT: "All", "live": "Live", "recorded": "Recorded"}[choice]


def write_params(values: Mapping[str, str], owned: Sequence[str]) -> None:
    """Make the URL carry `values`, and drop the `owned` parameters that are not in it."""
    params = st.query_params
    for key in owned:
        if key in values:
            if params.get(key) != values[key]:
                params[key] = values[key]
        elif key in params:
            del params[key]


def url_choice(
    widget: Callable[..., Any],
    label: str,
    options: Sequence[Any],
    *,
    param: str,
    default: Any,
    to_text: Callable[[Any], str] = str,
    key_suffix: str = "",
    **widget_args: Any,
) -> Any:
    """A page-level choice widget (selectbox, radio, segmented control...) mirrored in the URL.

    The first run of a page in a session takes the value from `?param=`; afterwards the widget
    is the source and the URL follows it.
    """
    key = f"url_{param}{key_suffix}"
    by_text = {to_text(option): option for option in options}
    if key not in st.session_state or st.session_state[key] not in (*options, None):
        from_url = _first(st.query_params.get(param))
        st.session_state[key] = by_text.get(from_url or "", default)
    value = widget(label, options, key=key, **widget_args)
    if value is None:
        value = default
    write_params({param: to_text(value)} if value != default else {}, [param])
    return value


def url_number(
    label: str, *, param: str, default: int, min_value: int, max_value: int, **widget_args: Any
) -> int:
    """A page-level whole-number slider mirrored in the URL."""
    key = f"url_{param}"
    if key not in st.session_state:
        text = _first(st.query_params.get(param)) or ""
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else default
        st.session_state[key] = min(max(number, min_value), max_value)
    value = st.slider(label, min_value, max_value, key=key, **widget_args)
    write_params({param: str(value)} if value != default else {}, [param])
    return int(value)


def url_flag(label: str, *, param: str, default: bool, **widget_args: Any) -> bool:
    """A page-level checkbox mirrored in the URL (written only when it differs from default)."""
    key = f"url_{param}"
    if key not in st.session_state:
        text = (_first(st.query_params.get(param)) or "").lower()
        st.session_state[key] = default if not text else text not in ("0", "false", "off", "no")
    value = st.checkbox(label, key=key, **widget_args)
    write_params({param: "on" if value else "off"} if value != default else {}, [param])
    return bool(value)
