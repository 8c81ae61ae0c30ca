"""The mail outbox: emails travel with the transaction, small batches go at once, big ones and
failures are sent by `flask lga send-mail`, and nothing is sent twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from lga.core.models import OutgoingEmail
from lga.mail import build_message, deliver, queue


def _queue(n: int, prefix: str = "person") -> None:
    for i in range(n):
        queue(build_message(f"{prefix}{i}@example.org", "en", lambda: "Hello", "password_reset",
                            user=type("U", (), {"given_name": "Ana"})(), hours=2, reset_url="https://x"))


def _waiting(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.sent_at.is_(None)))


def test_a_small_batch_goes_out_right_after_the_commit(app, db, mailbox):
    _queue(3)
    assert mailbox.messages == []  # nothing before the commit
    db.session.commit()
    assert len(mailbox.wait_for(3)) == 3
    assert _waiting(db) == 0
    # Sent: the body (which may hold an invitation link) is not kept.
    assert {row.message for row in db.session.scalars(select(OutgoingEmail))} == {b""}


def test_an_email_claimed_by_another_sender_is_not_sent_twice(app, db, mailbox):
    app.config["LGA_MAIL_INLINE_MAX"] = 0  # leave everything to the senders below
    try:
        _queue(3)
        db.session.commit()
    finally:
        app.config["LGA_MAIL_INLINE_MAX"] = 50
    rows = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
    rows[0].claim, rows[0].next_attempt_at = "other-sender", datetime.now(timezone.utc) + timedelta(minutes=10)
    db.session.commit()
    assert deliver() == 2  # the claimed one is left to its sender
    assert deliver() == 0
    # If that sender died, its lease runs out and the email goes out after all, once.
    assert deliver(now=datetime.now(timezone.utc) + timedelta(minutes=11)) == 1
    assert len(mailbox.wait_for(3)) == 3


def test_nothing_is_sent_or_kept_for_a_rolled_back_change(app, db, mailbox):
    _queue(2)
    db.session.rollback()
    db.session.commit()
    mailbox.wait_for(1, timeout=0.3)
    assert mailbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 0


def test_a_big_batch_waits_for_send_mail(app, db, mailbox, runner):
    app.config["LGA_MAIL_INLINE_MAX"] = 5
    try:
        _queue(12)
        db.session.commit()
        mailbox.wait_for(1, timeout=0.3)
        assert mailbox.messages == [] and _waiting(db) == 12
        result = runner.invoke(args=["lga", "send-mail"])
        assert result.exit_code == 0 and "12 sent, 0 still waiting" in result.output, result.output
        assert len(mailbox.wait_for(12)) == 12
        assert sorted(m["To"] for m in mailbox.messages) == sorted(f"person{i}@example.org" for i in range(12))
        again = runner.invoke(args=["lga", "send-mail"])
        assert "0 sent" in again.output
        assert len(mailbox.messages) == 12
    finally:
        app.config["LGA_MAIL_INLINE_MAX"] = 50


def test_a_mail_server_that_is_down_delays_emails_and_loses_none(app, db, mailbox, runner):
    from tests.conftest import free_port

    state = app.extensions["mail"]
    port = state.port
    state.port = free_port()  # nobody listens there
    try:
        _queue(2)
        db.session.commit()  # the change stands although the server is down
    finally:
        state.port = port
    rows = db.session.scalars(select(OutgoingEmail)).all()
    assert [r.attempts for r in rows] == [1, 1], [(r.attempts, r.last_error) for r in rows]
    assert all(r.last_error for r in rows), [(r.attempts, r.last_error) for r in rows]
    assert all(r.next_attempt_at > datetime.now(timezone.utc) for r in rows)  # retried later, not at once
    assert deliver() == 0
    assert deliver(now=datetime.now(timezone.utc) + timedelta(minutes=2)) == 2
    assert len(mailbox.wait_for(2)) == 2 and _waiting(db) == 0


def test_sent_emails_are_purged_after_a_while(app, db, mailbox):
    from lga.mail import purge_sent

    _queue(1)
    db.session.commit()
    mailbox.wait_for(1)
    assert purge_sent(30) == 0
    row = db.session.scalar(select(OutgoingEmail))
    row.sent_at = datetime.now(timezone.utc) - timedelta(days=31)
    db.session.commit()
    assert purge_sent(30) == 1
