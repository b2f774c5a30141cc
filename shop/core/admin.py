"""The admin site: Django's, made to answer malformed ids with a message instead of a 500.

Django's admin trusts two things a forged request controls: the ticked rows of a list
action (``_selected_action``, filtered as ``pk__in`` unchecked) and the value of an
autocomplete field when a form with errors is shown again (looked up unchecked). A
value the key column cannot hold ("²", a 25-digit number) raised there. Every ModelAdmin
registered on the site, the project's and third parties' alike, gets both checks.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import path
from django.utils.translation import gettext_lazy

from .ids import MAX_ID
from .models import CurrencyRate
from .search import search_text
from .selectors.i18n import SITE_NAME, lazy_text


def key_is_valid(field: models.Field, value) -> bool:
    """Whether ``value`` could be stored in the key column ``field``."""
    try:
        python = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    if isinstance(python, int):
        return -MAX_ID - 1 <= python <= MAX_ID
    return python is not None


class _ValidatedAutocompleteMixin:
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        return super().optgroups(name, [item for item in value if key_is_valid(target, item)], attr)


class ValidatedAutocompleteSelect(_ValidatedAutocompleteMixin, AutocompleteSelect):
    pass


class ValidatedAutocompleteSelectMultiple(_ValidatedAutocompleteMixin, AutocompleteSelectMultiple):
    pass


# Forms an inline builds at most, whatever its TOTAL_FORMS says, when it sets no max_num.
INLINE_MAX_FORMS = 200


class HostileInputAdminMixin:
    """Drops ticked rows whose id the key column cannot hold (Django then says "Items must
    be selected…" when none is left), checks autocomplete values before looking them up,
    and builds no more inline or list-edit forms than a page can show (Django's default
    is 2,000, seconds of CPU for a forged TOTAL_FORMS)."""

    def get_changelist_formset(self, request, **kwargs):
        limit = max(self.list_per_page, self.list_max_show_all)
        return super().get_changelist_formset(request, **{"max_num": limit, "absolute_max": limit, **kwargs})

    def get_formsets_with_inlines(self, request, obj=None):
        for inline in self.get_inline_instances(request, obj):
            limit = inline.get_max_num(request, obj) or INLINE_MAX_FORMS
            yield inline.get_formset(request, obj, max_num=limit, absolute_max=limit), inline

    def get_search_results(self, request, queryset, search_term):
        # Django ORs every search field per word: cap the words like every other search.
        return super().get_search_results(request, queryset, search_text(search_term))

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        valid = [value for value in selected if key_is_valid(self.model._meta.pk, value)]
        if len(valid) != len(selected):
            request.POST = request.POST.copy()
            request.POST.setlist(ACTION_CHECKBOX_NAME, valid)
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelect:
            formfield.widget = ValidatedAutocompleteSelect(db_field, self.admin_site, using=formfield.widget.db)
        return formfield

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelectMultiple:
            formfield.widget = ValidatedAutocompleteSelectMultiple(db_field, self.admin_site, using=formfield.widget.db)
        return formfield


class ReadOnly:
    """Records staff read but never add, change or delete from the admin (histories, logs):
    mixed into a ModelAdmin (``ReadOnlyAdmin``) or an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class FieldsReadOnly:
    """A change page that edits none of its record's fields, for records whose state and
    money move only through their services (and so through the ledger or the moderation
    log): the page's own actions and views do the changing. Fields named in
    ``editable_fields`` stay editable; mixed in before ``admin.ModelAdmin``."""

    editable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        named = list(super().get_readonly_fields(request, obj))
        left_out = set(self.exclude or ()) | set(self.editable_fields) | set(named)
        return named + [
            field.name
            for field in self.model._meta.get_fields()
            if getattr(field, "editable", False) and not field.auto_created and field.name not in left_out
        ]


# The admin's autocomplete widget (select2) writes style attributes from its script; the
# site's policy allows none, so admin pages (staff only, behind their second factor) allow
# style attributes. Scripts stay as strict as everywhere else.
ADMIN_CSP_UPDATE = {"style-src-attr": ["'unsafe-inline'"]}


class SokoAdminSite(admin.AdminSite):
    site_header = lazy_text(gettext_lazy("%(site)s staff"), site=SITE_NAME)
    site_title = lazy_text(gettext_lazy("%(site)s staff"), site=SITE_NAME)
    index_title = lazy_text(gettext_lazy("Today on %(site)s"), site=SITE_NAME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def register_page(self, route: str, view, name: str) -> None:
        """An admin page that is no model's (the staff queue), added by a higher app: served
        at /admin/<route> behind the admin's sign-in, named ``admin:<name>``. The view checks
        its own permissions."""
        self._pages.append((route, view, name))

    def get_urls(self):
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        return [*pages, *super().get_urls()]

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def with_policy(request, *args, **kwargs):
            response = guarded(request, *args, **kwargs)
            response._csp_update = ADMIN_CSP_UPDATE
            return response

        return with_policy

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, HostileInputAdminMixin):
            admin_class = type(admin_class.__name__, (HostileInputAdminMixin, admin_class), {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)


@admin.register(CurrencyRate)
class CurrencyRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "per_usd", "as_of", "created_at"]
    list_filter = ["currency"]
    date_hierarchy = "as_of"
