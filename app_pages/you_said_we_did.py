"""You said, we did: what people told us, and what came of each piece.

Per session or per journey: each piece of approved feedback, the changes it
led to and where they are, or why nothing was done. Printable, and
shareable as a read-only page that needs no account (``/report?share=...``).
"""

import streamlit as st

from app_pages import consult_ui, shared
from journeys import you_said
from journeys.access import Role

KIND_KEY = "report_kind"
TARGET_KEY = "report_target"
KIND_WORDS = {"session": "A consultation session", "journey": "A journey"}


def main() -> None:
    shared.start_page("You said, we did")
    consult_ui.printable()
    st.write(
        "For each piece of feedback people gave: what it led to, or why "
        "nothing was done. Only feedback a moderator approved is included, "
        "and never anyone's contact details."
    )
    actor = shared.acting_user()
    with shared.open_workspace() as ws:
        targets = you_said.report_targets(ws)
        kind = shared.remembered_choice(
            "Report on",
            list(KIND_WORDS),
            store_key=KIND_KEY,
            widget_key="report-kind",
            format_func=KIND_WORDS.get,
        )
        options = dict(targets[kind])
        if not options:
            st.info(f"There is no {kind} to report on yet.")
            return
        target_id = shared.remembered_choice(
            "Which one",
            list(options),
            store_key=f"{TARGET_KEY}_{kind}",
            widget_key=f"report-target-{kind}",
            format_func=options.get,
        )
        report = shared.attempt(you_said.build, ws, kind, target_id)
        if report is shared.FAILED:
            return
        st.html(f"<style>{you_said.REPORT_CSS}</style>")
        st.html(you_said.report_html(report))
        st.download_button(
            "Download the report as a page to print or send",
            you_said.report_page(report),
            file_name=f"you-said-we-did-{kind}-{target_id}.html",
            mime="text/html",
            key=f"report-{kind}-{target_id}-download",
        )
        _render_sharing(ws, actor, kind, target_id)


def _render_sharing(ws, actor, kind: str, target_id: int) -> None:
    st.header("Share a read-only link")
    st.caption(
        "Anyone with the link can read this report, without an account, until "
        "the link is withdrawn."
    )
    if not actor.can(Role.FACILITATOR):
        who = shared.md(actor.name)  # may name an agency, as typed
        st.info(f"{who} is a {actor.role.value}: a facilitator shares links.")
        return
    key = f"share-{kind}-{target_id}"
    if st.button("Create a link", key=f"{key}-create"):
        token = shared.attempt(you_said.create_share, ws, actor, kind, target_id)
        if token is not shared.FAILED:
            shared.flash("Created a read-only link.")
            st.rerun()
    for share in you_said.shares(ws, kind, target_id):
        st.code(consult_ui.app_link("report", share=share["token"]), language=None)
        st.caption(
            f"Created by {shared.md(share['created_by'])} at "
            f"{share['created_at'].replace('T', ' ')}"
        )
        if st.button("Withdraw this link", key=f"{key}-revoke-{share['token']}"):
            done = shared.attempt(you_said.revoke_share, ws, actor, share["token"])
            if done is not shared.FAILED:
                shared.flash("Withdrew the link: it no longer opens the report.")
                st.rerun()


main()
