from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sources.models import IngestedFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files if item]
        if not cleaned:
            raise forms.ValidationError(_("Choose at least one file."))
        if len(cleaned) > settings.CONFLICTDESK_MAX_UPLOAD_FILES:
            raise forms.ValidationError(
                _("At most %(n)s files at once.") % {"n": settings.CONFLICTDESK_MAX_UPLOAD_FILES}
            )
        return cleaned


class UploadForm(forms.Form):
    files = MultipleFileField(label=_("Article files (.txt, .html, .json, .jsonl)"))


class LedgerFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *IngestedFile.Status.choices],
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("All")), *IngestedFile.Origin.choices],
    )
    q = forms.CharField(label=_("File name"), required=False, max_length=200)
