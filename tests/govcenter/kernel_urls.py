"""The portal's URLs plus a small flow built on the kernel (``govcenter.steps``) over the
ledger's disputes, for tests/govcenter/test_steps.py: it shows what a new flow needs."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from disputes import services
from disputes.models import Dispute
from disputes.selectors import disputes_visible_to
from disputes.services import DisputeError
from govcenter.levels import is_level_staff
from govcenter.steps import Flow, Step, check
from govcenter.urls import urlpatterns as portal_urlpatterns

Status = Dispute.Status


class NoteForm(forms.Form):
    note = forms.CharField(max_length=20)

    def __init__(self, *args, dispute: Dispute, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute, self.user = dispute, user


class FollowUpNoteForm(NoteForm):
    def __init__(self, *args, follow_up, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up


def can_accept(user, d: Dispute):
    return check(is_level_staff(user, d), "Only the level's staff.") and check(
        d.status == Status.REGISTERED, "Already accepted."
    )


def can_comment(user, d: Dispute):
    return check(is_level_staff(user, d), "Only the level's staff.")


def comment(call):
    if call.data["note"] == "refuse":
        raise DisputeError("The service refuses.")
    if call.data["note"] == "field":
        raise DisputeError("The service dislikes this note.", "note")
    return call.item


def detail(request, item, *, bound=None):
    template = engines["django"].from_string("{% for a in actions %}[{{ a.name }}:{{ a.expanded }}]{% endfor %}")
    return HttpResponse(template.render({"actions": FLOW.actions(request.user, item, bound)}))


FLOW = Flow(
    namespace="kernel_test",
    visible=disputes_visible_to,
    detail=detail,
    error=DisputeError,
    refused="You cannot take this step on this dispute now.",
    form_kwargs=lambda user, d: {"dispute": d, "user": user},
    steps=[
        Step(
            name="accept",
            title="Accept",
            submit="Accept this dispute",
            rule=can_accept,
            form=NoteForm,
            perform=lambda c: services.dispute_accept(dispute=c.item, actor=c.actor, at=c.at, note=c.data["note"]),
            success=lambda d: f"{d.number} accepted.",
            style="success",
            opens=True,
        ),
        Step(
            name="comment",
            title=lambda d: f"Comment on {d.number}",
            submit="Comment",
            rule=can_comment,
            form=NoteForm,
            perform=comment,
            success="Commented.",
            url_name="comment_on",
        ),
        Step(
            name="visit",
            title=lambda fu: f"Visit due {fu.due_on}",
            submit="Save",
            rule=can_comment,
            form=FollowUpNoteForm,
            perform=lambda c: c.target,
            success="Visited.",
            targets=lambda d: d.follow_ups.all(),
            offered=lambda fu: fu.is_pending,
            target_kwarg="follow_up",
        ),
    ],
)

urlpatterns = [path("kernel/", include((FLOW.urls(), "kernel_test"))), *portal_urlpatterns]
