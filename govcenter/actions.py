"""The actions panel of a detail page: the steps the user may take on the object now.

``govcenter.steps.Flow.actions`` builds the list from a flow's table of steps (exactly
the steps whose rule holds) and the page hands it to ``templates/_actions.html``, which
draws one folded form per step.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms


@dataclass
class Action:
    """One step the user may take now, with its form, as the detail page shows it."""

    name: str
    title: str
    url: str
    form: forms.Form | None
    submit: str
    style: str = "primary"
    expanded: bool = False  # unfolded: the form came back with errors, or the step is the one awaited

    @property
    def multipart(self) -> bool:
        return self.form is not None and self.form.is_multipart()
