"""A workshop's discussion board: participants from different municipalities talk, trainers
moderate, authors edit for a while, people follow boards and threads by email (at once or in a
daily digest); bad input changes nothing; pages run a fixed number of queries."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lga.audit.models import AuditEntry
from lga.discussions import services as discussions
from lga.discussions.models import DigestItem, DiscussionPost, DiscussionThread, ThreadSubscription
from lga.enrolment.models import Enrolment
from tests.conftest import login, post_form


@pytest.fixture()
def board(factory, db):
    trainer = factory.user(roles=("trainer",), given_name="Burim", family_name="Trajneri", locale="en")
    workshop = factory.workshop(trainers=[trainer], title="Social services")

    def participant(municipality="prizren", **kwargs):
        person = factory.user(locale="en", municipality_id=factory.municipality(municipality).id, **kwargs)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
        db.session.commit()
        return person

    return {"trainer": trainer, "workshop": workshop, "participant": participant}


def _counts(db) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(DiscussionThread)),
            db.session.scalar(select(func.count()).select_from(DiscussionPost)),
            db.session.scalar(select(func.coalesce(func.sum(DiscussionThread.post_count), 0))))


def _start(client, workshop, title="Financing social services", body="How do you plan the **budget**?"):
    response = post_form(client, f"/workshops/{workshop.id}/discussions", {"title": title, "body": body})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/discussions/(\d+)", response.headers["Location"]).group(1))


def _thread_page(client, thread_id, page=1):
    response = client.get(f"/discussions/{thread_id}?page={page}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_two_trainees_from_different_municipalities_discuss(app, board, db, mailbox):
    besa = board["participant"]("prizren", given_name="Besa", family_name="Hoxha")
    dren = board["participant"]("gjilan", given_name="Dren", family_name="Berisha")
    first, second = app.test_client(), app.test_client()
    login(first, besa)
    login(second, dren)
    workshop = board["workshop"]
    thread_id = _start(first, workshop)
    # The author follows her thread from the start.
    assert db.session.get(ThreadSubscription, (besa.id, thread_id)) is not None
    board_html = second.get(f"/workshops/{workshop.id}/discussions").get_data(as_text=True)
    assert "Financing social services" in board_html and "Besa Hoxha" in board_html and "Prizren" in board_html
    mailbox.clear()
    reply = post_form(second, f"/discussions/{thread_id}/replies", {"body": "In Gjilan we start from the *grant*."})
    assert reply.status_code == 302
    html = _thread_page(first, thread_id)
    # Both names with their municipalities; Markdown rendered.
    assert "Besa Hoxha" in html and "Prizren" in html and "Dren Berisha" in html and "Gjilan" in html
    assert "<strong>budget</strong>" in html and "<em>grant</em>" in html
    # Besa hears of the reply at once; Dren, its author, gets nothing.
    mailbox.wait_for(1)
    (message,) = mailbox.to(besa.email)
    assert "Financing social services" in str(message["Subject"])
    text = mailbox.text_of(message)
    assert "Dren Berisha" in text and "In Gjilan we start from the *grant*." in text and f"/discussions/{thread_id}" in text
    assert mailbox.to(dren.email) == []
    assert _counts(db) == (1, 2, 2)


def test_posted_markdown_is_sanitised(client, board):
    login(client, board["participant"]())
    thread_id = _start(client, board["workshop"], body='Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>')
    html = _thread_page(client, thread_id)
    assert "<script>alert(1)" not in html and "javascript:alert" not in html and "onerror" not in html


def test_outsiders_can_neither_read_nor_write(app, client, board, db, factory):
    member = app.test_client()
    login(member, board["participant"]())
    thread_id = _start(member, board["workshop"])
    before = _counts(db)
    workshop = board["workshop"]
    # Someone not in the workshop, someone whose request is still waiting, a trainer of another workshop.
    waiting = factory.user(locale="en")
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=waiting.id, status="requested"))
    db.session.commit()
    for outsider in (factory.user(locale="en"), waiting, factory.user(roles=("trainer",), locale="en")):
        other = app.test_client()
        login(other, outsider)
        assert other.get(f"/workshops/{workshop.id}/discussions").status_code == 403
        assert other.get(f"/discussions/{thread_id}").status_code == 403
        assert post_form(other, f"/discussions/{thread_id}/replies", {"body": "Let me in"}).status_code == 403
        assert post_form(other, f"/workshops/{workshop.id}/discussions",
                         {"title": "Spam", "body": "Spam"}).status_code == 403
    assert _counts(db) == before
    assert client.get(f"/discussions/{thread_id}").status_code == 302  # anonymous: to the login page
    assert client.get("/discussions/99999").status_code == 302
    login(client, factory.user(locale="en", roles=("manager",)))
    assert client.get(f"/discussions/{thread_id}").status_code == 200  # managers oversee every board
    assert client.get("/discussions/99999").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"title": "", "body": "Text"}, "give the thread a title"),
    ({"title": "Title", "body": "   "}, "write something before posting"),
    ({"title": "Title", "body": "x" * (discussions.BODY_MAX + 1)}, "at most 10000 characters"),
    ({"title": "T" * 201, "body": "Text"}, "at most 200 characters"),
])
def test_a_bad_thread_is_refused_with_a_message_and_nothing_written(client, board, db, data, message):
    login(client, board["participant"]())
    response = post_form(client, f"/workshops/{board['workshop'].id}/discussions", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _counts(db) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("discussion.%"))) == 0


@pytest.mark.parametrize("body, message", [("", "write something before posting"),
                                           ("x" * (discussions.BODY_MAX + 1), "at most 10000 characters")])
def test_an_empty_or_oversized_reply_is_refused(client, board, db, body, message):
    login(client, board["participant"]())
    thread_id = _start(client, board["workshop"])
    before = _counts(db)
    response = post_form(client, f"/discussions/{thread_id}/replies", {"body": body})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _counts(db) == before


def test_trainer_pins_and_locks_and_a_late_reply_changes_nothing(app, client, board, db):
    author = board["participant"]("peje", given_name="Arta")
    login(client, author)
    older = _start(client, board["workshop"], title="Older thread")
    newer = _start(client, board["workshop"], title="Newer thread")
    trainer = app.test_client()
    login(trainer, board["trainer"])
    # Participants cannot moderate.
    assert post_form(client, f"/discussions/{older}/pin", {"pinned": "1"}).status_code == 403
    assert post_form(client, f"/discussions/{older}/lock", {"locked": "1"}).status_code == 403
    assert post_form(trainer, f"/discussions/{older}/pin", {"pinned": "1"}).status_code == 302
    html = client.get(f"/workshops/{board['workshop'].id}/discussions").get_data(as_text=True)
    assert html.index("Older thread") < html.index("Newer thread")  # pinned first
    assert post_form(trainer, f"/discussions/{older}/lock", {"locked": "1"}).status_code == 302
    before = _counts(db)
    late = post_form(client, f"/discussions/{older}/replies", {"body": "One more thing"})
    assert late.status_code == 400 and "This thread is locked" in late.get_data(as_text=True)
    assert _counts(db) == before
    page = _thread_page(client, older)
    assert "Locked" in page and 'name="body"' not in page
    # Unlocked, replies are welcome again; the other thread was never affected.
    assert post_form(trainer, f"/discussions/{older}/lock", {"locked": "0"}).status_code == 302
    assert post_form(client, f"/discussions/{older}/replies", {"body": "One more thing"}).status_code == 302
    assert post_form(client, f"/discussions/{newer}/replies", {"body": "Fine"}).status_code == 302
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("discussion.%"))))
    assert {"discussion.pinned", "discussion.locked", "discussion.unlocked"} <= actions


def test_a_hidden_post_shows_a_placeholder_to_participants_and_its_content_to_moderators(app, client, board, db):
    login(client, board["participant"]())
    thread_id = _start(client, board["workshop"], body="Something rude")
    post = db.session.scalar(select(DiscussionPost).where(DiscussionPost.thread_id == thread_id))
    trainer = app.test_client()
    login(trainer, board["trainer"])
    assert post_form(trainer, f"/discussions/posts/{post.id}/hide", {"hidden": "1"}).status_code == 302
    html = _thread_page(client, thread_id)
    assert "Something rude" not in html and "hidden by a moderator" in html
    assert "Something rude" in _thread_page(trainer, thread_id)
    assert post_form(client, f"/discussions/posts/{post.id}/hide", {"hidden": "0"}).status_code == 403
    assert post_form(trainer, f"/discussions/posts/{post.id}/hide", {"hidden": "0"}).status_code == 302
    assert "Something rude" in _thread_page(client, thread_id)


def test_authors_edit_their_posts_for_a_while_and_it_shows(app, client, board, db):
    author = board["participant"]()
    login(client, author)
    thread_id = _start(client, board["workshop"], body="First version")
    post = db.session.scalar(select(DiscussionPost).where(DiscussionPost.thread_id == thread_id))
    url = f"/discussions/posts/{post.id}/edit"
    assert client.get(url).status_code == 200
    assert post_form(client, url, {"body": "Second version"}).status_code == 302
    html = _thread_page(client, thread_id)
    assert "Second version" in html and "class=\"edited\"" in html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "discussion.post_edited"))
    assert entry.changes["body"] == {"old": "First version", "new": "Second version"}
    # Someone else's post: not theirs to edit.
    other = app.test_client()
    login(other, board["participant"]())
    assert post_form(other, url, {"body": "Hijacked"}).status_code == 403
    # An empty edit and an edit after the window are refused; the text stays.
    assert post_form(client, url, {"body": " "}).status_code == 400
    post.created_at = post.created_at - timedelta(minutes=31)
    db.session.commit()
    late = post_form(client, url, {"body": "Third version"})
    assert late.status_code == 400 and "can be edited for 30 minutes" in late.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DiscussionPost, post.id).body == "Second version"
    assert f'href="{url}"' not in _thread_page(client, thread_id)


def test_board_followers_get_emails_at_once_or_in_one_daily_digest(app, board, db, mailbox, runner):
    writer = board["participant"]("prizren", given_name="Besa")
    instant = board["participant"]("gjilan", given_name="Dren")
    daily = board["participant"]("peje", given_name="Arta")
    workshop = board["workshop"]
    for person, mode in ((instant, "immediate"), (daily, "digest")):
        client = app.test_client()
        login(client, person)
        assert post_form(client, f"/workshops/{workshop.id}/discussions/subscription",
                         {"follow": "1"}).status_code == 302
        assert post_form(client, f"/workshops/{workshop.id}/discussions/subscription",
                         {"mode": mode}).status_code == 302
    mailbox.clear()
    writer_client = app.test_client()
    login(writer_client, writer)
    thread_id = _start(writer_client, workshop, title="Municipal plans")
    assert post_form(writer_client, f"/discussions/{thread_id}/replies", {"body": "And the annual budget"}).status_code == 302
    mailbox.wait_for(2)
    assert len(mailbox.to(instant.email)) == 2
    assert mailbox.to(daily.email) == [] and mailbox.to(writer.email) == []
    assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 2
    result = runner.invoke(args=["lga", "send-discussion-digests"])
    assert result.exit_code == 0 and "1 sent" in result.output
    mailbox.wait_for(3)
    (digest,) = mailbox.to(daily.email)
    assert "2 new posts" in str(digest["Subject"])
    text = mailbox.text_of(digest)
    assert "Municipal plans" in text and "How do you plan" in text and "And the annual budget" in text
    assert "/discussions/unsubscribe/" in text
    # Idempotent: each post goes into one digest once.
    again = runner.invoke(args=["lga", "send-discussion-digests"])
    assert again.exit_code == 0 and "0 sent" in again.output
    assert len(mailbox.wait_for(4, timeout=0.3)) == 3
    assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 0


def test_unsubscribing_stops_the_emails(app, board, db, mailbox):
    author, replier = board["participant"](), board["participant"]("gjilan")
    a, b = app.test_client(), app.test_client()
    login(a, author)
    login(b, replier)
    thread_id = _start(a, board["workshop"])
    assert post_form(a, f"/discussions/{thread_id}/subscription", {"follow": "0"}).status_code == 302
    assert "Subscribe to this thread" in _thread_page(a, thread_id)
    mailbox.clear()
    assert post_form(b, f"/discussions/{thread_id}/replies", {"body": "Hello"}).status_code == 302
    mailbox.wait_for(1, timeout=0.3)
    assert mailbox.to(author.email) == []
    # People who left the workshop hear nothing either, though they still follow.
    assert post_form(a, f"/discussions/{thread_id}/subscription", {"follow": "1"}).status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == author.id))
    enrolment.status = "cancelled"
    db.session.commit()
    assert post_form(b, f"/discussions/{thread_id}/replies", {"body": "Again"}).status_code == 302
    mailbox.wait_for(1, timeout=0.3)
    assert mailbox.to(author.email) == []


def test_long_threads_are_paginated_with_a_fixed_number_of_queries(client, board, db, count_queries):
    author = board["participant"]()
    login(client, author)

    def thread_with(replies: int) -> int:
        thread = DiscussionThread(workshop_id=board["workshop"].id, author_id=author.id, title=f"{replies} replies",
                                  post_count=replies + 1)
        db.session.add(thread)
        db.session.flush()
        others = [board["participant"](municipality=m) for m in ("gjilan", "peje", "ferizaj")]
        db.session.execute(DiscussionPost.__table__.insert(), [
            {"thread_id": thread.id, "author_id": ([author] + others)[i % 4].id, "body": f"Post number {i}",
             "hidden": i % 7 == 2, "created_at": discussions.utcnow()} for i in range(replies + 1)])
        db.session.commit()
        return thread.id

    short, long = thread_with(3), thread_with(500)
    _thread_page(client, short)
    with count_queries() as small:
        html = _thread_page(client, short)
    assert html.count('id="post-') == 4
    with count_queries() as first:
        html = _thread_page(client, long)
    assert html.count('id="post-') == 50 and "Page 1 of 11" in html
    with count_queries() as last:
        html = _thread_page(client, long, page=11)
    assert html.count('id="post-') == 1 and "Post number 500" in html
    assert small.count == first.count == last.count, "\n".join(last.statements)
    assert client.get(f"/discussions/{long}?page=12").status_code == 404
    with count_queries() as listing:
        response = client.get(f"/workshops/{board['workshop'].id}/discussions")
    assert response.status_code == 200 and listing.count <= 12, "\n".join(listing.statements)


def test_the_unsubscribe_link_in_an_email_stops_the_emails(app, board, db, mailbox):
    author, replier = board["participant"](), board["participant"]("gjilan")
    a, b = app.test_client(), app.test_client()
    login(a, author)
    login(b, replier)
    thread_id = _start(a, board["workshop"])
    assert post_form(a, f"/workshops/{board['workshop'].id}/discussions/subscription", {"follow": "1"}).status_code == 302
    mailbox.clear()
    assert post_form(b, f"/discussions/{thread_id}/replies", {"body": "Hello"}).status_code == 302
    mailbox.wait_for(1)
    (message,) = mailbox.to(author.email)
    link = re.search(r"https?://\S+/discussions/unsubscribe/\S+", mailbox.text_of(message)).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = app.test_client()  # the link works without logging in ...
    page = anonymous.get(f"/{path}")
    assert page.status_code == 200 and "Social services" in page.get_data(as_text=True)
    assert db.session.get(ThreadSubscription, (author.id, thread_id)) is not None  # ... but a GET changes nothing
    assert post_form(anonymous, f"/{path}").status_code == 200
    assert db.session.get(ThreadSubscription, (author.id, thread_id)) is None
    assert not discussions.follows_board(board["workshop"].id, author.id)
    mailbox.clear()
    assert post_form(b, f"/discussions/{thread_id}/replies", {"body": "Again"}).status_code == 302
    mailbox.wait_for(1, timeout=0.3)
    assert mailbox.to(author.email) == []
    # A forged or damaged link does nothing.
    assert anonymous.get(f"/{path}x").status_code == 400
    assert post_form(anonymous, "/discussions/unsubscribe/not-a-token").status_code == 400
