"""The actions panel's step (``govcenter.actions.Action``), shared by the ledger, the logs
and the campaigns: a step with a file field posts multipart, any other does not."""

from __future__ import annotations

from django import forms

from govcenter.actions import Action


class _NoteForm(forms.Form):
    note = forms.CharField()


class _UploadForm(forms.Form):
    file = forms.FileField()


def test_a_step_with_a_file_field_posts_multipart():
    assert Action("attach", "Attach", "/x/", _UploadForm(), "Upload").multipart


def test_a_step_without_a_file_field_or_without_a_form_does_not():
    step = Action("close", "Close", "/x/", _NoteForm(), "Close", "secondary")
    assert not step.multipart and step.style == "secondary" and not step.expanded
    assert not Action("close", "Close", "/x/", None, "Close").multipart
