"""The rules of a workshop's discussion board: who may read and write, posting, moderating,
editing within a time window, following boards and threads, and the emails they send.

Every function raises ``DiscussionError`` (nothing written) when a rule is broken; the caller
commits the one transaction of the user's action, or rolls it back.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, tuple_, update
from sqlalchemy.orm import joinedload, selectinload

from lga.accounts.models import User, UserRole
from lga.audit.services import record
from lga.catalogue.models import Workshop, workshop_trainer
from lga.catalogue.scheduling import may_edit
from lga.db_types import utcnow
from lga.discussions.models import (
    BoardSubscription, DigestItem, DiscussionPost, DiscussionPreference, DiscussionThread, ThreadSubscription,
)
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db
from lga.mail import build_message, queue
from lga.web import external_url
from lga.enrolment.services import holds_place  # noqa: F401  (part of this module's rules)

TITLE_MAX = 200
BODY_MAX = 10_000
PAGE_SIZE = 50  # posts per thread page
EXCERPT = 600  # characters of a post quoted in an email


class DiscussionError(Exception):
    """A rule was broken; the message is translatable text for the person."""


# --- Who may do what -----------------------------------------------------------------------------

def may_moderate(workshop: Workshop, user) -> bool:
    """The workshop's trainers (and managers and admins): ``workshop.trainers`` must be loaded."""
    return may_edit(workshop, user)


def is_member(workshop: Workshop, user) -> bool:
    """Participants (enrolled or completed) and the workshop's staff read and write its board."""
    return may_moderate(workshop, user) or holds_place(workshop.id, user.id)


def edit_window() -> timedelta:
    return timedelta(minutes=current_app.config.get("LGA_DISCUSSION_EDIT_MINUTES", 30))


def may_edit_post(post: DiscussionPost, user, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return post.author_id == user.id and not post.hidden and now < post.created_at + edit_window()


# --- Reading -------------------------------------------------------------------------------------

def load_workshop(workshop_id: int) -> Workshop | None:
    return db.session.scalar(select(Workshop).where(Workshop.id == workshop_id)
                             .options(selectinload(Workshop.trainers)))


def load_thread(thread_id: int) -> DiscussionThread | None:
    return db.session.scalar(select(DiscussionThread).where(DiscussionThread.id == thread_id)
                             .options(joinedload(DiscussionThread.author)))


def threads_query(workshop_id: int):
    """The board: pinned threads first, then by latest activity."""
    return (select(DiscussionThread).where(DiscussionThread.workshop_id == workshop_id)
            .options(joinedload(DiscussionThread.author))
            .order_by(DiscussionThread.pinned.desc(), DiscussionThread.last_post_at.desc(),
                      DiscussionThread.id.desc()))


def posts_query(thread_id: int):
    # Authors come with their municipality and institution (joined on User): one query per page.
    return (select(DiscussionPost).where(DiscussionPost.thread_id == thread_id)
            .options(joinedload(DiscussionPost.author)).order_by(DiscussionPost.id))


def last_page(thread: DiscussionThread, per_page: int = PAGE_SIZE) -> int:
    return max((thread.post_count + per_page - 1) // per_page, 1)


def page_of_post(thread: DiscussionThread, post_id: int, per_page: int = PAGE_SIZE) -> int:
    before = db.session.scalar(select(func.count()).select_from(DiscussionPost).where(
        DiscussionPost.thread_id == thread.id, DiscussionPost.id < post_id)) or 0
    return before // per_page + 1


# --- Writing -------------------------------------------------------------------------------------

def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DiscussionError(_l("Please write something before posting."))
    if len(body) > BODY_MAX:
        raise DiscussionError(_l("A post can be at most %(n)d characters long.", n=BODY_MAX))
    return body


def _ensure_member(workshop: Workshop, user) -> None:
    if not is_member(workshop, user):
        raise DiscussionError(_l("Only the workshop's participants and trainers can take part in its discussions."))


def start_thread(workshop: Workshop, user, title: str | None, body: str | None) -> DiscussionThread:
    _ensure_member(workshop, user)
    title = " ".join((title or "").split())
    if not title:
        raise DiscussionError(_l("Please give the thread a title."))
    if len(title) > TITLE_MAX:
        raise DiscussionError(_l("A title can be at most %(n)d characters long.", n=TITLE_MAX))
    body = _clean_body(body)
    now = utcnow()
    thread = DiscussionThread(workshop_id=workshop.id, author_id=user.id, title=title, post_count=1,
                              created_at=now, last_post_at=now, pinned=False, locked=False)
    db.session.add(thread)
    db.session.flush()
    post = DiscussionPost(thread_id=thread.id, author_id=user.id, body=body, created_at=now, hidden=False)
    db.session.add(post)
    db.session.add(ThreadSubscription(user_id=user.id, thread_id=thread.id))
    db.session.flush()
    record("discussion.thread_started", thread, actor=user, changes={"title": (None, title)})
    _notify(workshop, thread, post, user)
    return thread


def reply(workshop: Workshop, thread: DiscussionThread, user, body: str | None) -> DiscussionPost:
    _ensure_member(workshop, user)
    if thread.locked:
        raise DiscussionError(_l("This thread is locked: no new replies can be posted."))
    body = _clean_body(body)
    now = utcnow()
    post = DiscussionPost(thread_id=thread.id, author_id=user.id, body=body, created_at=now, hidden=False)
    db.session.add(post)
    # In SQL, so that two replies at once both count.
    result = db.session.execute(update(DiscussionThread).where(
        DiscussionThread.id == thread.id, DiscussionThread.locked.is_(False))
        .values(post_count=DiscussionThread.post_count + 1, last_post_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # locked a moment ago
        raise DiscussionError(_l("This thread is locked: no new replies can be posted."))
    db.session.flush()
    db.session.refresh(thread)
    record("discussion.replied", post, actor=user, changes={"thread_id": (None, thread.id)})
    _notify(workshop, thread, post, user)
    return post


def edit_post(post: DiscussionPost, user, body: str | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    if post.author_id != user.id:
        raise DiscussionError(_l("You can only edit your own posts."))
    if post.hidden:
        raise DiscussionError(_l("A hidden post cannot be edited."))
    if now >= post.created_at + edit_window():
        minutes = int(edit_window().total_seconds() // 60)
        raise DiscussionError(_l("Posts can be edited for %(n)d minutes after posting; this one no longer can.",
                                 n=minutes))
    body = _clean_body(body)
    if body == post.body:
        return
    record("discussion.post_edited", post, actor=user, changes={"body": (post.body, body)})
    post.body = body
    post.edited_at = now


def set_pinned(thread: DiscussionThread, pinned: bool, *, actor) -> None:
    if thread.pinned != pinned:
        record("discussion.pinned" if pinned else "discussion.unpinned", thread, actor=actor,
               changes={"pinned": (thread.pinned, pinned)})
        thread.pinned = pinned


def set_locked(thread: DiscussionThread, locked: bool, *, actor) -> None:
    if thread.locked != locked:
        record("discussion.locked" if locked else "discussion.unlocked", thread, actor=actor,
               changes={"locked": (thread.locked, locked)})
        thread.locked = locked


def set_hidden(post: DiscussionPost, hidden: bool, *, actor) -> None:
    if post.hidden != hidden:
        record("discussion.post_hidden" if hidden else "discussion.post_shown", post, actor=actor,
               changes={"hidden": (post.hidden, hidden)})
        post.hidden = hidden
        post.hidden_by_id = actor.id if hidden else None


# --- Following -----------------------------------------------------------------------------------

def mode_of(user_id: int) -> str:
    return db.session.scalar(select(DiscussionPreference.mode).where(
        DiscussionPreference.user_id == user_id)) or "immediate"


def set_mode(user, mode: str) -> None:
    if mode not in ("immediate", "digest"):
        raise DiscussionError(_l("Please choose how you want to be notified."))
    pref = db.session.get(DiscussionPreference, user.id)
    if pref is None:
        db.session.add(DiscussionPreference(user_id=user.id, mode=mode))
    else:
        pref.mode = mode


def follows_board(workshop_id: int, user_id: int) -> bool:
    return db.session.get(BoardSubscription, (user_id, workshop_id)) is not None


def follows_thread(thread_id: int, user_id: int) -> bool:
    return db.session.get(ThreadSubscription, (user_id, thread_id)) is not None


def follow_board(workshop: Workshop, user, follow: bool) -> None:
    if follow:
        _ensure_member(workshop, user)
        if not follows_board(workshop.id, user.id):
            db.session.add(BoardSubscription(user_id=user.id, workshop_id=workshop.id))
    else:
        db.session.execute(delete(BoardSubscription).where(BoardSubscription.user_id == user.id,
                                                           BoardSubscription.workshop_id == workshop.id))


def follow_thread(workshop: Workshop, thread: DiscussionThread, user, follow: bool) -> None:
    if follow:
        _ensure_member(workshop, user)
        if not follows_thread(thread.id, user.id):
            db.session.add(ThreadSubscription(user_id=user.id, thread_id=thread.id))
    else:
        db.session.execute(delete(ThreadSubscription).where(ThreadSubscription.user_id == user.id,
                                                            ThreadSubscription.thread_id == thread.id))


def _signer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lga-discussion-unsubscribe")


def unsubscribe_token(user_id: int, workshop_id: int) -> str:
    """For the link in every discussion email: stops that person's emails from that workshop's
    board without logging in (the link is theirs alone)."""
    return _signer().dumps([user_id, workshop_id])


def read_unsubscribe_token(token: str) -> tuple[User, Workshop] | None:
    from itsdangerous import BadSignature

    try:
        user_id, workshop_id = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    user, workshop = db.session.get(User, user_id), db.session.get(Workshop, workshop_id)
    return (user, workshop) if user is not None and workshop is not None else None


def unsubscribe_everywhere(user, workshop: Workshop) -> int:
    """Stop following the board and every thread of this workshop; returns how many were followed."""
    board = db.session.execute(delete(BoardSubscription).where(
        BoardSubscription.user_id == user.id, BoardSubscription.workshop_id == workshop.id)).rowcount
    threads = db.session.execute(delete(ThreadSubscription).where(
        ThreadSubscription.user_id == user.id,
        ThreadSubscription.thread_id.in_(select(DiscussionThread.id).where(
            DiscussionThread.workshop_id == workshop.id)))
        .execution_options(synchronize_session=False)).rowcount
    if board or threads:
        record("discussion.unsubscribed", workshop, actor=user,
               changes={"board": (bool(board), False), "threads": (threads, 0)})
    return board + threads


# --- Notifications -------------------------------------------------------------------------------

def _members_only(workshop_id: int):
    """A condition on User: still a participant, or staff of the workshop, or a manager/admin."""
    participant = select(Enrolment.user_id).where(Enrolment.workshop_id == workshop_id,
                                                  Enrolment.status.in_(HOLDS_PLACE))
    trainer = select(workshop_trainer.c.user_id).where(workshop_trainer.c.workshop_id == workshop_id)
    overseer = select(UserRole.user_id).where(UserRole.role.in_(("manager", "admin")))
    return or_(User.id.in_(participant), User.id.in_(trainer), User.id.in_(overseer))


def _recipients(workshop: Workshop, thread: DiscussionThread, author) -> list[tuple[User, str]]:
    """Followers of the board or the thread who may still read it, except the author, with their mode."""
    board = select(BoardSubscription.user_id).where(BoardSubscription.workshop_id == workshop.id)
    followers = select(ThreadSubscription.user_id).where(ThreadSubscription.thread_id == thread.id)
    rows = db.session.execute(
        select(User, DiscussionPreference.mode)
        .outerjoin(DiscussionPreference, DiscussionPreference.user_id == User.id)
        .where(or_(User.id.in_(board), User.id.in_(followers)), User.id != author.id, User.active.is_(True),
               _members_only(workshop.id))
        .order_by(User.id)).all()
    return [(user, mode or "immediate") for user, mode in rows]


def _notify(workshop: Workshop, thread: DiscussionThread, post: DiscussionPost, author) -> None:
    recipients = _recipients(workshop, thread, author)
    digest = [user.id for user, mode in recipients if mode == "digest"]
    if digest:
        db.session.execute(DigestItem.__table__.insert(),
                           [{"user_id": uid, "post_id": post.id, "created_at": post.created_at} for uid in digest])
    immediate = [user for user, mode in recipients if mode != "digest"]
    if not immediate:
        return
    url = external_url("discussions.thread", thread_id=thread.id, page=last_page(thread)) + f"#post-{post.id}"
    board_url = external_url("discussions.board", workshop_id=workshop.id)
    for user in immediate:
        queue(build_message(
            user.email, user.locale, lambda: _l("New post in \"%(title)s\"", title=thread.title),
            "discussion_post", user=user, workshop=workshop, thread=thread, post=post, author=author,
            excerpt=_excerpt(post.body), post_url=url, board_url=board_url,
            unsubscribe_url=external_url("discussions.unsubscribe", token=unsubscribe_token(user.id, workshop.id))))


def _excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + "…"


def send_digests(*, batch: int = 200) -> int:
    """Queue one digest email per person with posts waiting, and remove those posts from the
    waiting list in the same commit: run twice (or on two servers at once), each post goes into
    one digest once. Returns how many digests were queued."""
    sent = 0
    while True:
        people = select(DigestItem.user_id).distinct().order_by(DigestItem.user_id).limit(batch)
        user_ids = list(db.session.scalars(people))
        if not user_ids:
            return sent
        stmt = (select(DigestItem).where(DigestItem.user_id.in_(user_ids)))
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        items = db.session.scalars(stmt).all()
        post_ids = {item.post_id for item in items}
        posts = {p.id: p for p in db.session.scalars(
            select(DiscussionPost).where(DiscussionPost.id.in_(post_ids))
            .options(joinedload(DiscussionPost.author),
                     joinedload(DiscussionPost.thread)))} if post_ids else {}
        workshops = {w.id: w for w in db.session.scalars(select(Workshop).where(
            Workshop.id.in_({p.thread.workshop_id for p in posts.values()})))} if posts else {}
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        waiting: dict[int, list[DiscussionPost]] = defaultdict(list)
        for item in items:
            post = posts.get(item.post_id)
            if post is not None and not post.hidden:
                waiting[item.user_id].append(post)
        for user_id, user_posts in waiting.items():
            user = users.get(user_id)
            if user is None or not user.active:
                continue
            user_posts.sort(key=lambda p: (p.thread.workshop_id, p.thread_id, p.id))
            threads = []
            for post in user_posts:
                if not threads or threads[-1]["thread"].id != post.thread_id:
                    threads.append({"thread": post.thread, "workshop": workshops[post.thread.workshop_id],
                                    "url": external_url("discussions.thread", thread_id=post.thread_id),
                                    "unsubscribe_url": external_url("discussions.unsubscribe", token=unsubscribe_token(
                                        user.id, post.thread.workshop_id)),
                                    "posts": []})
                threads[-1]["posts"].append({"post": post, "excerpt": _excerpt(post.body)})
            count = len(user_posts)
            queue(build_message(
                user.email, user.locale,
                lambda n=count: ngettext("Discussions: %(num)d new post", "Discussions: %(num)d new posts", n),
                "discussion_digest", user=user, threads=threads, count=count))
            sent += 1
        if items:
            db.session.execute(delete(DigestItem).where(
                tuple_(DigestItem.user_id, DigestItem.post_id).in_([(i.user_id, i.post_id) for i in items])))
        db.session.commit()
        if len(user_ids) < batch:
            return sent
