"""The discussion pages: a workshop's board, a thread, editing a post, moderating, following.

Every page loads its objects from the URL, checks that the person is a member of the workshop
(404 for what does not exist, 403 for what is not theirs), then calls one service.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga.discussions import bp
from lga.discussions import services as discussions
from lga.discussions.models import MODE_LABELS, DiscussionPost
from lga.discussions.services import DiscussionError
from lga.extensions import db
from lga.web import paginate


def _board(workshop_id: int):
    workshop = discussions.load_workshop(workshop_id)
    if workshop is None or (workshop.status == "draft" and not discussions.may_moderate(workshop, current_user)):
        abort(404)
    access.ensure(discussions.is_member(workshop, current_user))
    return workshop


def _thread(thread_id: int):
    thread = discussions.load_thread(thread_id)
    if thread is None:
        abort(404)
    return _board(thread.workshop_id), thread


def _post(post_id: int):
    post = db.session.get(DiscussionPost, post_id)
    if post is None:
        abort(404)
    workshop, thread = _thread(post.thread_id)
    return workshop, thread, post


def _render_board(workshop, *, error=None, draft=None, status=200):
    page = paginate(discussions.threads_query(workshop.id))
    return render_template(
        "discussions/board.html", workshop=workshop, page=page, error=error, draft=draft or {},
        following=discussions.follows_board(workshop.id, current_user.id), mode=discussions.mode_of(current_user.id),
        mode_labels=MODE_LABELS, moderator=discussions.may_moderate(workshop, current_user),
        title_max=discussions.TITLE_MAX, body_max=discussions.BODY_MAX), status


def _render_thread(workshop, thread, *, page_number=None, error=None, draft=None, status=200):
    if page_number is None:
        page_number = request.args.get("page", 1, type=int)
    page = db.paginate(discussions.posts_query(thread.id), page=page_number, per_page=discussions.PAGE_SIZE,
                       error_out=True, count=True)
    return render_template(
        "discussions/thread.html", workshop=workshop, thread=thread, page=page, error=error, draft=draft,
        moderator=discussions.may_moderate(workshop, current_user),
        following=discussions.follows_thread(thread.id, current_user.id),
        may_edit_post=discussions.may_edit_post, body_max=discussions.BODY_MAX,
        edit_minutes=int(discussions.edit_window().total_seconds() // 60)), status


@bp.route("/workshops/<int:workshop_id>/discussions", methods=["GET", "POST"])
@access.authenticated
def board(workshop_id: int):
    workshop = _board(workshop_id)
    if request.method == "POST":
        draft = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            thread = discussions.start_thread(workshop, current_user, draft["title"], draft["body"])
            db.session.commit()
        except DiscussionError as exc:
            db.session.rollback()
            return _render_board(_board(workshop_id), error=str(exc), draft=draft, status=400)
        flash(_("Your thread is started. You will be told of replies."), "success")
        return redirect(url_for("discussions.thread", thread_id=thread.id))
    return _render_board(workshop)


@bp.route("/discussions/<int:thread_id>")
@access.authenticated
def thread(thread_id: int):
    workshop, thread = _thread(thread_id)
    return _render_thread(workshop, thread)


@bp.route("/discussions/<int:thread_id>/replies", methods=["POST"])
@access.authenticated
def reply(thread_id: int):
    workshop, thread = _thread(thread_id)
    body = request.form.get("body", "")
    try:
        post = discussions.reply(workshop, thread, current_user, body)
        db.session.commit()
    except DiscussionError as exc:
        db.session.rollback()
        workshop, thread = _thread(thread_id)  # reloaded: the rollback expired them
        return _render_thread(workshop, thread, page_number=discussions.last_page(thread),
                              error=str(exc), draft=body, status=400)
    flash(_("Your reply is posted."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id, page=discussions.last_page(thread))
                    + f"#post-{post.id}")


def _moderated(workshop) -> None:
    access.ensure(discussions.may_moderate(workshop, current_user))


@bp.route("/discussions/<int:thread_id>/pin", methods=["POST"])
@access.roles(*access.STAFF)
def pin(thread_id: int):
    workshop, thread = _thread(thread_id)
    _moderated(workshop)
    pinned = request.form.get("pinned") == "1"
    discussions.set_pinned(thread, pinned, actor=current_user)
    db.session.commit()
    flash(_("The thread is pinned to the top.") if pinned else _("The thread is no longer pinned."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/discussions/<int:thread_id>/lock", methods=["POST"])
@access.roles(*access.STAFF)
def lock(thread_id: int):
    workshop, thread = _thread(thread_id)
    _moderated(workshop)
    locked = request.form.get("locked") == "1"
    discussions.set_locked(thread, locked, actor=current_user)
    db.session.commit()
    flash(_("The thread is locked: no new replies.") if locked else _("The thread is open for replies again."),
          "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/discussions/posts/<int:post_id>/hide", methods=["POST"])
@access.roles(*access.STAFF)
def hide(post_id: int):
    workshop, thread, post = _post(post_id)
    _moderated(workshop)
    hidden = request.form.get("hidden") == "1"
    discussions.set_hidden(post, hidden, actor=current_user)
    db.session.commit()
    flash(_("The post is hidden from participants.") if hidden else _("The post is visible again."), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id, page=discussions.page_of_post(thread, post.id))
                    + f"#post-{post.id}")


@bp.route("/discussions/posts/<int:post_id>/edit", methods=["GET", "POST"])
@access.authenticated
def edit(post_id: int):
    workshop, thread, post = _post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    error, body = None, post.body
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            discussions.edit_post(post, current_user, body)
            db.session.commit()
        except DiscussionError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(_("Your post is saved."), "success")
            return redirect(url_for("discussions.thread", thread_id=thread.id,
                                    page=discussions.page_of_post(thread, post.id)) + f"#post-{post.id}")
    elif post.hidden:
        error = _("A hidden post cannot be edited.")
    elif not discussions.may_edit_post(post, current_user):
        error = _("Posts can be edited for %(n)d minutes after posting; this one no longer can.",
                  n=int(discussions.edit_window().total_seconds() // 60))
    return render_template("discussions/edit.html", workshop=workshop, thread=thread, post=post, body=body,
                           error=error, open=discussions.may_edit_post(post, current_user),
                           body_max=discussions.BODY_MAX), 400 if error and request.method == "POST" else 200


@bp.route("/workshops/<int:workshop_id>/discussions/subscription", methods=["POST"])
@access.authenticated
def follow_board(workshop_id: int):
    workshop = _board(workshop_id)
    try:
        if "mode" in request.form:
            discussions.set_mode(current_user, request.form["mode"])
        if "follow" in request.form:
            discussions.follow_board(workshop, current_user, request.form["follow"] == "1")
        db.session.commit()
    except DiscussionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Your email settings for discussions are saved."), "success")
    return redirect(url_for("discussions.board", workshop_id=workshop.id))


@bp.route("/discussions/<int:thread_id>/subscription", methods=["POST"])
@access.authenticated
def follow_thread(thread_id: int):
    workshop, thread = _thread(thread_id)
    follow = request.form.get("follow") == "1"
    discussions.follow_thread(workshop, thread, current_user, follow)
    db.session.commit()
    flash(_("You will get emails about new replies.") if follow else _("You will no longer get emails about this thread."),
          "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


@bp.route("/discussions/unsubscribe/<token>", methods=["GET", "POST"])
@access.public
def unsubscribe(token: str):
    """The link in every discussion email: one click to a page, one button to stop (a GET alone
    changes nothing, so mail scanners that follow links do not unsubscribe people)."""
    found = discussions.read_unsubscribe_token(token)
    if found is None:
        return render_template("discussions/unsubscribe.html", invalid=True, done=False), 400
    user, workshop = found
    done = False
    if request.method == "POST":
        discussions.unsubscribe_everywhere(user, workshop)
        db.session.commit()
        done = True
    return render_template("discussions/unsubscribe.html", invalid=False, done=done, workshop=workshop)
