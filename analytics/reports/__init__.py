"""E-mail digests: `python -m analytics report` fetches the Overview, the top contents and the
breakdowns of last week or last month, renders them as an HTML e-mail with inline charts and
CSV attachments, and sends it over SMTP (or writes the HTML with --output). See docs/reports.md.

Never imports Streamlit (an import-linter contract checks it): the data comes from the same
typed queries the dashboard sends, through `analytics.wiring.open_client`.
"""
