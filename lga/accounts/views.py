"""Login, logout, registration, password reset and the person's own account pages."""
from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from lga import access
from lga.accounts import bp
from lga.accounts import services as accounts
from lga.accounts.forms import (
    ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, RegistrationForm, ResetPasswordForm,
)
from lga.accounts.models import InstitutionType
from lga.extensions import db, limiter
from lga.i18n import chosen_language, current_language
from lga.mail import MailError, send_to_user
from lga.web import safe_next


def _login_limit() -> str:
    return current_app.config["LGA_LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LGA_LOGIN_ACCOUNT_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["LGA_RESET_LIMIT"]


def _email_key() -> str:
    # Hashed: the limiter's storage (Redis) should not hold email addresses.
    email = accounts.normalise_email(request.form.get("email", ""))
    return "acct:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _profile_choices(form) -> None:
    types = db.session.scalars(
        select(InstitutionType).where(InstitutionType.is_active.is_(True)).order_by(InstitutionType.position)
    ).all()
    form.set_choices(accounts.municipalities(), types, current_language())


@bp.route("/login", methods=["GET", "POST"])
@access.anonymous
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_email_key)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors.append(_("The email address or the password is not correct."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.given_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("core.index")))
    return render_template("accounts/login.html", form=form), 200 if request.method == "GET" or not form.errors else 400


@bp.route("/logout", methods=["POST"])
@access.authenticated
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@access.anonymous
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegistrationForm()
    _profile_choices(form)
    if form.validate_on_submit():
        if accounts.email_taken(form.email.data):
            form.email.errors.append(_("An account with this email address already exists. "
                                       "Log in or reset your password."))
        else:
            user = accounts.create_user(email=form.email.data, password=form.password.data,
                                        locale=chosen_language(), action="user.registered",
                                        **form.profile_values())
            db.session.commit()
            login_user(user)
            flash(_("Your account is ready. Welcome to the Local Governance Academy."), "success")
            return redirect(url_for("core.index"))
    status = 400 if form.errors else 200
    return render_template("accounts/register.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@access.anonymous
@limiter.limit(_reset_limit, methods=["POST"], key_func=_email_key)
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data)
        if user is not None and user.active:
            token = accounts.issue_token(user, "reset")
            db.session.commit()
            try:
                send_to_user(user, lambda: _("Reset your LGA password"), "password_reset",
                             reset_url=url_for("accounts.reset_password", token=token, _external=True),
                             hours=current_app.config["LGA_PASSWORD_RESET_HOURS"])
            except MailError:
                flash(_("We could not send the email just now. Please try again later."), "error")
                return render_template("accounts/forgot.html", form=form), 503
        # Same answer whether or not the address is known: no account enumeration.
        flash(_("If an account exists for this address, we have sent a link to reset the password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access.public
def reset_password(token: str):
    check = accounts.check_token(token)
    if check.problem:
        return render_template("accounts/token_problem.html",
                               message=accounts.token_problem_message(check.problem)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.use_token(token, form.password.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            return render_template("accounts/token_problem.html", message=str(exc)), 400
        db.session.commit()
        logout_user()
        login_user(user)
        flash(_("Your password is set."), "success")
        return redirect(url_for("core.index"))
    invite = check.token.purpose == "invite"
    return render_template("accounts/reset.html", form=form, invite=invite), 400 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@access.authenticated
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    _profile_choices(form)
    if form.validate_on_submit():
        try:
            changed = accounts.update_profile(user, {**form.profile_values(), "locale": form.locale.data})
            email_changed = accounts.change_email(user, form.email.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            refresh_locale()  # the confirmation speaks the language just chosen
            flash(_("Your profile is saved.") if (changed or email_changed) else _("Nothing changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), 400 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@access.authenticated
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.check_password(user, form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            accounts.set_password(user, form.password.data)
            db.session.commit()
            # The session carries the new nonce; other devices are logged out. A "keep me logged
            # in" cookie of this device holds the old one, so it is renewed rather than left to fail.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form), 400 if form.errors else 200
