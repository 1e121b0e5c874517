from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pygments import highlight
from pygments.formatters import HtmlFormatter
from markupsafe import Markup


def greeting(user):
    # ruleid: python-mark-safe-nonliteral
    return mark_safe(f"<p>Hello, {user.first_name}!</p>")


def comment_html(comment):
    # ruleid: python-mark-safe-nonliteral
    return Markup("<div class='comment'>" + comment.body + "</div>")


def bio(profile):
    # A finished value of unknown origin: reported only when it comes from the request
    # (python-xss-request-data-in-html-response).
    # ok: python-mark-safe-nonliteral
    return mark_safe(profile.bio_html)


def badge(user):
    # ruleid: python-mark-safe-nonliteral
    return mark_safe("<span class='badge'>%s</span>" % user.role)


def tags(names):
    # ruleid: python-mark-safe-nonliteral
    return mark_safe("".join("<li>" + name + "</li>" for name in names))


def help_text():
    # ok: python-mark-safe-nonliteral
    return mark_safe(_("<strong>Do not include confidential details.</strong>"))


def highlighted(code, lexer):
    output = highlight(code, lexer, HtmlFormatter())
    # ok: python-mark-safe-nonliteral
    return mark_safe(output)


def greeting_safe(user):
    # ok: python-mark-safe-nonliteral
    return format_html("<p>Hello, {}!</p>", user.first_name)


def divider():
    # ok: python-mark-safe-nonliteral
    return mark_safe("<hr class='divider'>")


def comment_html_safe(comment):
    # ok: python-mark-safe-nonliteral
    return Markup("<div class='comment'>{}</div>").format(comment.body)


def escaped(value):
    # ok: python-mark-safe-nonliteral
    return mark_safe(escape(value))


def widget(context):
    # ok: python-mark-safe-nonliteral
    return mark_safe(render_to_string("widgets/card.html", context))
