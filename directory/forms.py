"""Forms of the Service Directory: searching, and keeping entries, organisations and
categories current."""

from __future__ import annotations

from crispy_forms_gds.layout import HTML, Field, Fieldset, Size
from django import forms
from django.core.exceptions import ValidationError

from directory.areas import POSTCODE_MESSAGE, WARD_CHOICES, parse_districts, parse_postcode
from directory.models import (
    LANGUAGE_CHOICES,
    MAX_AGE,
    WEEKDAY_CHOICES,
    WEEKDAYS,
    Category,
    Organisation,
    Service,
    ServiceStatus,
)
from directory.opening import EXAMPLE, format_day, parse_day
from lisa.forms import helper, phone_validator
from lisa.models import Agency, Role, User
from lisa.versioning import version_of

AGE_CHOICES = [("", "Any age")] + [(str(age), str(age)) for age in range(MAX_AGE + 1)]


class SearchForm(forms.Form):
    """The directory search, for practitioners and the public alike (GET)."""

    q = forms.CharField(
        label="What are you looking for?",
        required=False,
        max_length=200,
        help_text="For example: speech and language, food bank, youth club",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="Any category"
    )
    age = forms.TypedChoiceField(
        label="Age of the child or young person",
        choices=AGE_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        help_text="Services serving this postcode's area, for example SE6 4RU",
    )
    day = forms.TypedChoiceField(
        label="Open on",
        choices=[("", "Any day")] + [(str(d), name) for d, name in WEEKDAY_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    language = forms.ChoiceField(label="Language spoken", required=False, choices=())
    free = forms.BooleanField(label="Free services only", required=False)

    def __init__(self, *args, languages: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", "Any language")] + [
            (name, name) for name in (languages or [])
        ]

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return None
        return parse_postcode(value)

    def clean_language(self):
        return self.cleaned_data["language"] or None

    @property
    def active_filters(self) -> dict[str, str]:
        """The filters in use, by name, with how to say them."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        shown = {}
        if data.get("category"):
            shown["category"] = f"Category: {data['category']}"
        if data.get("age") is not None:
            shown["age"] = f"Age: {data['age']}"
        if data.get("postcode"):
            shown["postcode"] = f"Serving {data['postcode']}"
        if data.get("day") is not None:
            shown["day"] = f"Open on {WEEKDAYS[data['day']]}"
        if data.get("language"):
            shown["language"] = f"Language: {data['language']}"
        if data.get("free"):
            shown["free"] = "Free only"
        return shown


def _comma_list(value) -> str:
    return ", ".join(value or [])


class ServiceForm(forms.Form):
    """A service's whole entry on one page, checked on a preview before it is saved."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), empty_label="Choose the organisation"
    )
    name = forms.CharField(label="Name of the service", max_length=200)
    description = forms.CharField(
        label="What the service does",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    minimum_age = forms.IntegerField(
        label="Youngest age served",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        min_value=0,
        max_value=MAX_AGE,
        help_text="In years. Leave blank if there is no lower limit. 0 means from birth.",
        error_messages={
            "min_value": "The youngest age must be 0 or more",
            "max_value": f"The youngest age must be {MAX_AGE} or less",
            "invalid": "Enter the youngest age as a whole number, like 5",
        },
    )
    maximum_age = forms.IntegerField(
        label="Oldest age served",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        min_value=0,
        max_value=MAX_AGE,
        help_text="In years. Leave blank if there is no upper limit.",
        error_messages={
            "min_value": "The oldest age must be 0 or more",
            "max_value": f"The oldest age must be {MAX_AGE} or less",
            "invalid": "Enter the oldest age as a whole number, like 18",
        },
    )
    eligibility = forms.CharField(
        label="Who can use the service",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    contact_name = forms.CharField(label="Contact name", required=False, max_length=120)
    contact_title = forms.CharField(label="Contact's job title", required=False, max_length=120)
    phone = forms.CharField(
        label="Phone number", required=False, max_length=30, validators=[phone_validator]
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )
    website = forms.URLField(
        label="Website",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address like https://www.example.org"},
    )
    address_name = forms.CharField(label="Building or place name", required=False, max_length=200)
    address_1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    address_2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    city = forms.CharField(label="Town or city", required=False, max_length=100, initial="London")
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    is_free = forms.TypedChoiceField(
        label="Is the service free?",
        choices=[("yes", "Yes, it is free"), ("no", "No, there is a charge")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the service is free"},
    )
    charges = forms.CharField(
        label="Charges",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="If there is a charge: how much, and any reductions.",
    )
    opening_notes = forms.CharField(
        label="Notes on opening times",
        required=False,
        max_length=300,
        help_text="For example: closed on bank holidays; term time only.",
    )
    accessibility = forms.CharField(
        label="Accessibility",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Step-free access, accessible toilets, hearing loop, quiet room…",
    )
    languages = forms.MultipleChoiceField(
        label="Languages spoken",
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    serves_whole_borough = forms.BooleanField(
        label="The service is for the whole borough", required=False
    )
    wards = forms.MultipleChoiceField(
        label="Wards served",
        choices=WARD_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="If the service is not for the whole borough.",
    )
    postcode_districts = forms.CharField(
        label="Postcode districts served",
        required=False,
        max_length=300,
        help_text="Separate them with commas, for example SE4, SE13, SE23",
    )
    how_to_refer = forms.CharField(
        label="How to refer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Self-referral, professional referral form, drop in…",
    )
    status = forms.ChoiceField(choices=ServiceStatus.choices)
    is_published = forms.BooleanField(
        label="Publish this entry: show it in searches, on public pages and in the open data",
        required=False,
    )
    editors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Directory editors who keep this entry current.",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, by: User, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        self.service = service
        for index, day in enumerate(WEEKDAYS):
            self.fields[f"day_{index}"] = forms.CharField(label=day, required=False, max_length=200)
        if by.is_central_team:
            self.fields["editors"].queryset = User.objects.filter(
                roles__contains=[Role.DIRECTORY_EDITOR], is_active=True
            ).select_related("agency")
            self.fields["editors"].label_from_instance = lambda u: (
                f"{u.get_full_name() or u.username} ({u.agency})"
            )
        else:
            # Editors keep their own entries; the central team decides who keeps which.
            del self.fields["organisation"]
            del self.fields["editors"]
        if service is not None:
            extra = [lang for lang in service.languages if lang not in dict(LANGUAGE_CHOICES)]
            self.fields["languages"].choices = LANGUAGE_CHOICES + [(x, x) for x in extra]
        layout = []
        if "organisation" in self.fields:
            layout.append(Field.select("organisation"))
        layout += [
            Field.text("name", field_width="two-thirds"),
            Field.textarea("description", rows=5),
            Field.checkboxes("categories", legend_size=Size.SMALL, small=True),
            Fieldset(
                Field.text("minimum_age", field_width=3),
                Field.text("maximum_age", field_width=3),
                legend="Ages served",
                legend_size=Size.SMALL,
            ),
            Field.textarea("eligibility", rows=3),
            Fieldset(
                Field.text("contact_name", field_width=20),
                Field.text("contact_title", field_width=20),
                Field.text("phone", field_width=20, autocomplete="off"),
                Field.text("email", field_width=30),
                Field.text("website", field_width=30),
                legend="Contact",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.text("address_name", field_width=30),
                Field.text("address_1", field_width=30),
                Field.text("address_2", field_width=30),
                Field.text("city", field_width=20),
                Field.text("postcode", field_width=10),
                legend="Address",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                HTML(
                    '<p class="govuk-hint">For each day, type the times it opens and closes, '
                    f"for example {EXAMPLE}. Leave a day blank if it is closed.</p>"
                ),
                *[Field.text(f"day_{index}", field_width=20) for index in range(7)],
                Field.text("opening_notes", field_width="two-thirds"),
                legend="Opening times",
                legend_size=Size.MEDIUM,
            ),
            Field.radios("is_free", legend_size=Size.SMALL, inline=True),
            Field.textarea("charges", rows=2),
            Field.textarea("accessibility", rows=3),
            Field.checkboxes("languages", legend_size=Size.SMALL, small=True),
            Fieldset(
                Field.checkbox("serves_whole_borough", small=True),
                Field.checkboxes("wards", small=True),
                Field.text("postcode_districts", field_width=20),
                legend="Areas served",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("how_to_refer", rows=3),
            Field.select("status"),
            Field.checkbox("is_published", small=True),
        ]
        if "editors" in self.fields:
            layout.append(Field.checkboxes("editors", legend_size=Size.SMALL, small=True))
        layout.append(Field("version"))
        self.helper = helper(*layout, submit="Preview changes")

    @staticmethod
    def initial_for(service: Service) -> dict:
        location = service.locations.order_by("pk").first()
        initial = {
            name: getattr(service, name)
            for name in (
                "name",
                "description",
                "minimum_age",
                "maximum_age",
                "eligibility",
                "contact_name",
                "contact_title",
                "phone",
                "email",
                "website",
                "charges",
                "opening_notes",
                "accessibility",
                "languages",
                "serves_whole_borough",
                "wards",
                "how_to_refer",
                "status",
                "is_published",
            )
        }
        initial.update(
            organisation=service.organisation_id,
            categories=list(service.categories.values_list("pk", flat=True)),
            editors=list(service.editors.values_list("pk", flat=True)),
            is_free="yes" if service.is_free else "no",
            postcode_districts=_comma_list(service.postcode_districts),
            version=version_of(service),
        )
        for weekday, sessions in enumerate(day for _, day in service.sessions_by_day()):
            initial[f"day_{weekday}"] = format_day((s.opens_at, s.closes_at) for s in sessions)
        if location is not None:
            initial.update(
                address_name=location.name,
                address_1=location.address_1,
                address_2=location.address_2,
                city=location.city,
                postcode=location.postcode,
            )
        return initial

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        try:
            return str(parse_postcode(value))
        except ValidationError:
            raise ValidationError(POSTCODE_MESSAGE) from None

    def clean_postcode_districts(self):
        return parse_districts(self.cleaned_data["postcode_districts"])

    def clean(self):
        data = super().clean()
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "maximum_age", "The oldest age must be the same as or more than the youngest"
            )
        if data.get("is_free") is False and not data.get("charges", "").strip():
            self.add_error("charges", "Say what the service costs, or choose that it is free")
        sessions = []
        for index, day in enumerate(WEEKDAYS):
            try:
                sessions += [
                    (index, opens, closes)
                    for opens, closes in parse_day(data.get(f"day_{index}", ""), day)
                ]
            except ValidationError as error:
                self.add_error(f"day_{index}", error)
        data["sessions"] = sessions
        address = [data.get(n, "").strip() for n in ("address_name", "address_1", "address_2")]
        if any(address) or data.get("postcode"):
            if not data.get("address_1", "").strip():
                self.add_error("address_1", "Enter the first line of the address")
            if not data.get("postcode") and "postcode" not in self.errors:
                self.add_error("postcode", "Enter the postcode of the address")
        areas = (
            data.get("serves_whole_borough") or data.get("wards") or data.get("postcode_districts")
        )
        if not areas and "postcode_districts" not in self.errors:
            self.add_error(
                "postcode_districts",
                "Say which areas the service is for: the whole borough, wards or postcode "
                "districts",
            )
        return data

    def action_arguments(self) -> dict:
        """What :func:`directory.actions.save_service` needs, from the cleaned data."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "name",
                "description",
                "minimum_age",
                "maximum_age",
                "eligibility",
                "contact_name",
                "contact_title",
                "phone",
                "email",
                "website",
                "is_free",
                "charges",
                "opening_notes",
                "accessibility",
                "languages",
                "serves_whole_borough",
                "wards",
                "postcode_districts",
                "how_to_refer",
                "status",
                "is_published",
            )
        }
        arguments = {
            "fields": fields,
            "categories": list(data["categories"]),
            "sessions": data["sessions"],
            "location": {
                "name": data["address_name"],
                "address_1": data["address_1"],
                "address_2": data["address_2"],
                "city": data["city"] or "London",
                "postcode": data["postcode"],
            },
            "version": data.get("version", ""),
        }
        if "organisation" in self.fields:
            fields["organisation"] = data["organisation"]
            arguments["editors"] = list(data["editors"])
        return arguments


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )
    phone = forms.CharField(
        label="Phone number", required=False, max_length=30, validators=[phone_validator]
    )
    email = forms.EmailField(label="Email address", required=False)
    website = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
    )
    agency = forms.ModelChoiceField(
        label="LISA partner agency",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="Not a LISA partner agency",
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.helper = helper(
            Field.text("name", field_width="two-thirds"),
            Field.textarea("description", rows=4),
            Field.text("phone", field_width=20),
            Field.text("email", field_width=30),
            Field.text("website", field_width=30),
            Field.select("agency"),
            Field("version"),
            submit="Save organisation",
        )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Organisation.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("There is already an organisation with that name.")
        return name


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, max_length=300)
    parent = forms.ModelChoiceField(
        label="Part of", queryset=Category.objects.all(), required=False, empty_label="None"
    )
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            self.fields["parent"].queryset = Category.objects.exclude(pk=instance.pk)
        self.helper = helper(
            Field.text("name", field_width=20),
            Field.text("description", field_width="two-thirds"),
            Field.select("parent"),
            Field("version"),
            submit="Save category",
        )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Category.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("There is already a category with that name.")
        return name
