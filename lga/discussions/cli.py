"""``flask lga send-discussion-digests``: the daily digest of the discussions people follow."""
from __future__ import annotations

import click

from lga.cli import lga_cli


@lga_cli.command("send-discussion-digests")
def send_discussion_digests_command():
    """Email each person who chose a daily digest the new posts they follow (each post once).
    Run once a day from cron, e.g. ``0 17 * * * flask lga send-discussion-digests``."""
    from lga.discussions.services import send_digests
    from lga.mail import deliver

    sent = send_digests()
    deliver()
    click.echo(f"Discussion digests: {sent} sent.")
