"""The dashboard: `streamlit run app.py`.

Sign in, pick the filters in the sidebar, and read a page. Pages live in app_pages/ (not
pages/, which Streamlit would serve on its own, around this login gate).
"""

import logging

import streamlit as st

from analytics.dashboard import connection, navigation, service
from analytics.dashboard.auth import login_gate
from analytics.dashboard.context import PageContext, set_page_context
from analytics.dashboard.filters import sidebar_filters
from analytics.dashboard.ui import apply_style
from analytics.dashboard.users import ROLE_ADMIN
from analytics.wiring import uses_demo

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(
    page_title="IBM Video Analytics",
    page_icon=":material/monitoring:",
    layout="wide",
    initial_sidebar_state="auto",  # collapsed on phones, open on wider screens
)

apply_style()
settings = connection.settings_or_stop()
session = login_gate(
    is_demo=uses_demo(settings),
    secrets=connection.secrets_or_none(),
    url_paths=[spec.url_path for spec in navigation.PAGES],
)
page = st.navigation(navigation.pages_for(session.user), position="top")
client = connection.client_or_stop()  # the first call may start the embedded demo API

titles = connection.catalogue_in_background(client)  # read while the page loads its numbers
filters, period = sidebar_filters(titles=titles, compare=navigation.compares(page))
service.refresh_button(client, everything=ROLE_ADMIN in session.user.roles)
session.account_menu()

if client.is_demo:
    st.info(
        "Demo data: this dashboard is reading the built-in demo Analytics API, not your IBM "
        "Video account. Set IBM_VIDEO_CLIENT_ID and IBM_VIDEO_CLIENT_SECRET to use real data.",
        icon=":material/science:",
    )
set_page_context(PageContext(session.user, filters, period, client, service.now(), titles))
try:
    page.run()
except Exception:  # st.stop/st.rerun are BaseExceptions and pass through
    logging.getLogger("dashboard").exception("The page %r failed", page.title)
    st.error("Something went wrong on this page. The error has been logged; try again later.")
