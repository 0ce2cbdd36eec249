"""The table of steps of a case-like flow, and the one view that takes any of them.

A *flow* is the workflow of one model (disputes, sentiment logs, campaigns, ...). Its
steps are rows of a table: each names its rule, its form and the service it calls. The
detail page's actions panel and the step's POST URL both come from the table, so a step
is offered exactly when its rule holds, and the service asks the same rule.

Rules
    ``rule(user, item) -> bool``: one function per step covering role AND state. A rule
    may answer a falsy ``Denied`` saying why (``check`` builds one), so that the service's
    ``_require(rules.can_accept(actor, d))`` (``govcenter.timeline``) shows that reason::

        def can_accept(user, d):
            return _open(d) and _handles(user, d) and check(
                d.status == Status.REGISTERED, _("This dispute has already been accepted.")
            )

    ``a and b and c`` stops at the first refusal and returns it; every ``check`` is True or
    a ``Denied``. A reason may be a callable, formatted only when it is shown.

Steps
    ``Step(name, title, submit, rule, form, success, service=..., style=...)``: ``service``
    is called with the item (under the flow's ``item_name``), ``actor``, ``at`` = now and the
    form's cleaned data as keywords, e.g. ``service=services.dispute_accept`` for
    ``dispute_accept(*, dispute, actor, at, note)`` and a form with one field ``note``. A
    service whose keywords differ from the form's fields gets ``perform`` instead: a function
    of a ``StepCall`` (``actor``, ``item``, ``data``, ``at``, ``target``, ``request``), e.g.
    ``lambda c: services.dispute_add_attachment(dispute=c.item, ..., upload=c.data["file"])``.
    ``title``, ``submit``, ``style`` and ``success`` may be callables of the item (``title``
    of the target, for a step with targets). ``form_kwargs(user, item)`` gives the step's form
    its own arguments, e.g. its choices from the app's selectors (forms hold no
    selectors). A step with ``targets`` is offered once per target (e.g. once per
    pending follow-up visit), and its URL ends in the target's id.

Flows
    ``Flow(namespace, visible, steps, detail, error, refused, form_kwargs=...)``:
    ``visible(user)`` is the jurisdiction's queryset (404 outside it); ``detail(request,
    item, bound=...)`` renders the detail page, whose ``actions`` come from
    ``flow.actions(user, item, bound)``; ``error`` is the app's ``WorkflowError`` subclass;
    ``refused`` the message for a step the user may not take now. ``flow.urls()`` gives one
    POST URL per step, named ``<namespace>:<url_name>`` (``urlpatterns += FLOW.urls()``).

The step view (one for every step of every flow), on POST:

1. the item is looked up in ``visible(user)``: 404 outside the jurisdiction (and for a
   target that is not the item's);
2. the form is invalid: if the step's rule holds, the detail page is rendered again (status
   200) with that form unfolded as typed; if not, the ``refused`` message and a redirect
   (never "correct the errors below" on a page that shows no form);
3. the form is valid: ``perform`` calls the service, which checks the rule again inside
   its transaction (so a user the rule refuses learns why: the service raises the
   rule's reason, e.g. "This dispute has already been accepted."). Its error is shown as
   a message (next to the field it names, if the step is offered); success gives the
   step's ``success`` message. Both redirect to the item.

The page template includes ``templates/_actions.html`` with ``actions``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .actions import Action
from .timeline import WorkflowError

# --- rules ------------------------------------------------------------------------------


class Denied:
    """A rule's "no", saying why. It is falsy, so ``if rule(user, item)`` reads as before."""

    __slots__ = ("_reason",)

    def __init__(self, reason: str | Callable[[], str]):
        self._reason = reason

    def __bool__(self) -> bool:
        return False

    @property
    def reason(self) -> str:
        return str(self._reason() if callable(self._reason) else self._reason)

    def __repr__(self) -> str:
        return f"Denied({self.reason!r})"


def check(condition: Any, reason: str | Callable[[], str]) -> bool | Denied:
    """True if ``condition`` holds, else ``Denied(reason)``; chain them with ``and``."""
    return True if condition else Denied(reason)


# --- the table ---------------------------------------------------------------------------


@dataclass
class StepCall:
    """What ``Step.perform`` gets: who takes the step on what, with the form's cleaned data."""

    actor: Any
    item: Any
    data: dict
    at: datetime.datetime
    target: Any = None
    request: HttpRequest | None = None


Text = str | Callable[[Any], str]


def _text(value: Text, obj) -> str:
    return value(obj) if callable(value) else value


@dataclass(frozen=True)
class Step:
    """One step of a flow (module docstring). ``name`` keys the action on the page (and the
    bound form); ``url_name`` (default ``name``) names its URL, ``path`` (default
    ``url_name`` with dashes) its URL segment."""

    name: str
    title: Text
    submit: Text
    rule: Callable[[Any, Any], Any]
    form: type[forms.Form] | None
    success: Text
    # What the step does: ``service`` is called as ``service(<item_name>=item, actor=...,
    # at=..., **form.cleaned_data)`` (and the target under ``target_kwarg``), so a service
    # whose keywords are the form's fields needs no glue; ``perform(StepCall)`` is for one
    # that does.
    service: Callable[..., Any] | None = None
    perform: Callable[[StepCall], Any] | None = None
    style: Text = "primary"
    url_name: str = ""
    path: str = ""
    # This step's own form arguments (its choices, from the app's selectors), added to the flow's.
    form_kwargs: Callable[[Any, Any], dict] | None = None
    # Steps taken on one of the item's targets (e.g. a follow-up visit): ``targets(item)``
    # is where the URL's target id is looked up (404 outside); ``offered(target)`` which of
    # them the page offers the step for; the form gets the target as ``target_kwarg``.
    targets: Callable[[Any], QuerySet] | None = None
    offered: Callable[[Any], bool] | None = None
    target_kwarg: str = "target"
    # Unfolded on the page when no form came back with errors: the step the item awaits.
    opens: bool = False

    @property
    def route_name(self) -> str:
        return self.url_name or self.name

    @property
    def segment(self) -> str:
        return self.path or self.route_name.replace("_", "-")

    def key(self, target=None) -> str:
        """The action's name on the page: the step's, with the target's id if it has one."""
        return f"{self.name}{target.pk}" if target is not None else self.name


@dataclass
class Flow:
    """The steps of one model's workflow and how its pages are drawn (module docstring)."""

    namespace: str
    visible: Callable[[Any], QuerySet]
    steps: list[Step]
    detail: Callable[..., HttpResponse]
    refused: str
    error: type[Exception] = WorkflowError
    # Keyword arguments of every step form, e.g. ``lambda user, d: {"dispute": d, "user": user}``.
    form_kwargs: Callable[[Any, Any], dict] = field(default=lambda user, item: {})
    # Prefix each form's fields with its step's name (several forms with one field name on a page).
    prefixed: bool = False
    url_prefix: str = ""
    # The keyword under which a step's ``service`` gets the item, e.g. "dispute".
    item_name: str = "item"

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.namespace}: two steps share a name")
        for s in self.steps:
            if (s.service is None) == (s.perform is None):
                raise ValueError(f"{self.namespace}: step {s.name} needs one of service and perform")

    def perform(self, step: Step, call: StepCall):
        """Call the step's service with the item, the actor, the time and the form's data."""
        if step.perform is not None:
            return step.perform(call)
        kwargs = {self.item_name: call.item, "actor": call.actor, "at": call.at, **call.data}
        if call.target is not None:
            kwargs[step.target_kwarg] = call.target
        return step.service(**kwargs)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    # --- the page -------------------------------------------------------------------------

    def form(self, step: Step, user, item, target=None, *, data=None, files=None) -> forms.Form | None:
        if step.form is None:
            return None
        kwargs = dict(self.form_kwargs(user, item))
        if step.form_kwargs is not None:
            kwargs.update(step.form_kwargs(user, item))
        if step.targets is not None:
            kwargs[step.target_kwarg] = target
        if self.prefixed:
            kwargs["prefix"] = step.name
        if data is not None:
            return step.form(data, files, **kwargs)
        return step.form(**kwargs)

    def url(self, step: Step, item, target=None) -> str:
        args = [item.pk] if target is None else [item.pk, target.pk]
        return reverse(f"{self.namespace}:{step.route_name}", args=args)

    def offered_targets(self, step: Step, item) -> list:
        targets = list(step.targets(item)) if step.targets is not None else []
        return [t for t in targets if step.offered is None or step.offered(t)]

    def allows(self, step: Step, user, item, target=None) -> bool:
        """Whether the page offers ``step`` (on ``target``) to ``user`` now."""
        if not step.rule(user, item):
            return False
        return target is None or step.offered is None or step.offered(target)

    def actions(self, user, item, bound: dict[str, forms.Form] | None = None) -> list[Action]:
        """The steps ``user`` may take on ``item`` now (exactly those whose rule holds), in
        table order, each with its form: the bound one from ``bound`` (unfolded) if the
        user's last try had errors, else a fresh one."""
        bound = bound or {}
        actions = []
        for step in self.steps:
            if not step.rule(user, item):
                continue
            for target in self.offered_targets(step, item) if step.targets is not None else [None]:
                key = step.key(target)
                form = bound.get(key) or self.form(step, user, item, target)
                actions.append(
                    Action(
                        name=key,
                        title=_text(step.title, item if target is None else target),
                        url=self.url(step, item, target),
                        form=form,
                        submit=str(_text(step.submit, item)),
                        style=_text(step.style, item),
                        expanded=key in bound or (not bound and step.opens),
                    )
                )
        return actions

    # --- the view -------------------------------------------------------------------------

    def take(self, request: HttpRequest, step: Step, pk: int, target_pk: int | None = None) -> HttpResponse:
        """Take ``step`` on the item ``pk`` for ``request.user`` (module docstring)."""
        user = request.user
        item = get_object_or_404(self.visible(user), pk=pk)
        target = get_object_or_404(step.targets(item), pk=target_pk) if step.targets is not None else None
        form = self.form(step, user, item, target, data=request.POST, files=request.FILES)
        key = step.key(target)
        if form is not None and not form.is_valid():
            if self.allows(step, user, item, target):
                return self.detail(request, item, bound={key: form})
            messages.error(request, self.refused)
            return redirect(item)
        data = form.cleaned_data if form is not None else {}
        call = StepCall(actor=user, item=item, data=data, at=timezone.now(), target=target, request=request)
        try:
            self.perform(step, call)
        except self.error as e:
            wrong = getattr(e, "field", None)
            if form is not None and wrong in form.fields and self.allows(step, user, item, target):
                form.add_error(wrong, str(e))
                return self.detail(request, item, bound={key: form})
            messages.error(request, str(e))
        else:
            messages.success(request, _text(step.success, item))
        return redirect(item)

    def view(self, step: Step) -> Callable[..., HttpResponse]:
        """The POST-only, login-required view of ``step`` (GET answers 405)."""

        def step_view(request, pk: int, target_pk: int | None = None):
            return self.take(request, step, pk, target_pk)

        step_view.__name__ = step_view.__qualname__ = f"{self.namespace}_{step.route_name}"
        return require_POST(login_required(step_view))

    def urls(self) -> list[URLPattern]:
        """One POST URL per step: ``<prefix><pk>/<segment>/`` (``.../<target_pk>/`` for a
        step with targets), named ``step.route_name`` in the app's namespace."""
        patterns = []
        for step in self.steps:
            route = f"{self.url_prefix}<int:pk>/{step.segment}/"
            if step.targets is not None:
                route += "<int:target_pk>/"
            patterns.append(path(route, self.view(step), name=step.route_name))
        return patterns


def steps_offered(flow: Flow, user, item) -> Iterable[str]:
    """The names of the steps the page offers ``user`` on ``item`` (tests, debugging)."""
    return [a.name for a in flow.actions(user, item)]
