"""Forms for writing messages."""

from __future__ import annotations

from crispy_forms_gds.layout import Field
from django import forms

from lisa.forms import helper


class NewThreadForm(forms.Form):
    """A new conversation. The template writes the markup (recipients come with a hint each)."""

    recipients = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Who is this message for?",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one person to message",
            "invalid_choice": "Choose people from the list",
            "invalid_pk_value": "Choose people from the list",
        },
    )
    subject = forms.CharField(
        max_length=150,
        error_messages={
            "required": "Enter a subject",
            "max_length": "The subject must be 150 characters or fewer",
        },
    )
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter your message",
            "max_length": "Your message must be 5,000 characters or fewer",
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = candidates


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter your reply",
            "max_length": "Your reply must be 5,000 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper(Field.textarea("body"), submit="Send reply")
