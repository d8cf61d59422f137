from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke

# Tokens are made here, with a name and a scope; knox's own page (registered before this
# one: knox comes first in INSTALLED_APPS) would make bare ones.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


class ApiTokenCreateForm(forms.Form):
    """Creation goes through the service; the admin hands the form an `instance`."""

    user = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"))
    name = forms.CharField(max_length=100)
    read_only = forms.BooleanField(required=False, initial=True, label=_("read-only"))
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, label=_("expires in (days)"), help_text=_("Empty: never.")
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance or ApiToken()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "token_user", "read_only", "created_at", "token_expiry", "created_by")
    list_filter = ("read_only",)
    list_select_related = ("auth_token__user", "created_by")
    search_fields = ("name", "auth_token__user__username")
    readonly_fields = ("name", "read_only", "created_by", "created_at")
    actions = ("revoke",)

    @admin.display(description=_("user"))
    def token_user(self, obj):
        return obj.auth_token.user

    @admin.display(description=_("expires"))
    def token_expiry(self, obj):
        return obj.auth_token.expiry

    # Managing tokens is the admins' right, like managing users (DESIGN.md's table).
    def has_module_permission(self, request):
        return request.user.is_active and request.user.has_perm("auth.change_user")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return ApiTokenCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(ApiTokenCreateForm.base_fields)
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_form(self, request, form, change):
        days = form.cleaned_data.get("expires_in_days")
        token, raw = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            expiry=timedelta(days=days) if days else None,
            created_by=request.user,
        )
        self.message_user(
            request,
            _("Token for %(user)s, shown only now — copy it: %(token)s")
            % {"user": form.cleaned_data["user"], "token": raw},
            messages.WARNING,
        )
        return token

    def save_model(self, request, obj, form, change):
        """The service saved the token in save_form."""

    def save_related(self, request, form, formsets, change):
        """No related rows to save."""

    def delete_model(self, request, obj):
        api_token_revoke(token=obj)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("auth_token"):
            api_token_revoke(token=token)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        self.delete_queryset(request, queryset)
