"""A forged TOTAL_FORMS cannot make the admin build thousands of forms.

Django builds up to 2,000 forms for a formset whose management form says so: seconds of
CPU for one request. Every admin on the site caps its inline and list-edit formsets at
what a page can show.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from shop.core.admin import INLINE_MAX_FORMS

pytestmark = pytest.mark.django_db

EDITABLE_ADMINS = [model_admin for model_admin in admin.site._registry.values() if model_admin.list_editable]
ADMINS_WITH_INLINES = [model_admin for model_admin in admin.site._registry.values() if model_admin.inlines]


def _request(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    return request


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(email="forms@example.test", password="pw-forms-Long-1")


def test_some_admins_edit_in_the_list_and_some_have_inlines():
    assert EDITABLE_ADMINS and ADMINS_WITH_INLINES


@pytest.mark.parametrize("model_admin", EDITABLE_ADMINS, ids=lambda model_admin: str(model_admin))
def test_list_edit_formsets_stop_at_a_page(model_admin, staff):
    formset = model_admin.get_changelist_formset(_request(staff))
    page = max(model_admin.list_per_page, model_admin.list_max_show_all)
    assert formset.absolute_max == page
    forged = formset({"form-TOTAL_FORMS": "9" * 25, "form-INITIAL_FORMS": "0"}, queryset=model_admin.model.objects.none())
    assert len(forged.forms) <= page


@pytest.mark.parametrize("model_admin", ADMINS_WITH_INLINES, ids=lambda model_admin: str(model_admin))
def test_inline_formsets_stop_at_their_limit(model_admin, staff):
    for formset, inline in model_admin.get_formsets_with_inlines(_request(staff)):
        assert formset.absolute_max <= (inline.max_num or INLINE_MAX_FORMS)
