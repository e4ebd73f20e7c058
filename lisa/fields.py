"""Form fields shared across LISA."""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.fields import DateInputField
from django.core.exceptions import ValidationError
from django.utils import timezone


class DateField(DateInputField):
    """The GOV.UK date input (day, month, year) with messages a person can act on.

    ``not_future`` refuses dates after today, with the field's own name in the message.
    """

    def __init__(self, *, not_future: bool = False, **kwargs):
        self.not_future = not_future
        super().__init__(**kwargs)
        self.require_all_fields = False
        name = str(kwargs.get("label") or "The date")
        self.error_messages["required"] = f"Enter {name[0].lower() + name[1:]}"
        self.error_messages["incomplete"] = f"{name} must include a day, month and year"
        for sub in self.fields:
            sub.required = True

    def compress(self, data_list):
        day, month, year = (list(data_list) + [None, None, None])[:3]
        if not (day and month and year):
            return None
        if len(str(year)) != 4 or not 1900 <= int(year) <= 2999:
            raise ValidationError("The year must have 4 numbers, for example 2024")
        try:
            return dt.date(day=int(day), month=int(month), year=int(year))
        except (ValueError, OverflowError) as exc:
            raise ValidationError("Enter a real date, for example 27 3 2024") from exc

    def validate(self, value):
        super().validate(value)
        if value and self.not_future and value > timezone.localdate():
            label = str(self.label or "The date")
            raise ValidationError(f"{label} must be today or in the past")
