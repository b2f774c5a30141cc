"""A staff export whose build was lost (a queue that restarted empty, a worker killed while
it built) is built by the sweep, not left "Queued" or "Building" for good."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.moderation.exports.services import EXPORT_STALLED_AFTER, exports_stalled_resume
from shop.moderation.models import Export
from shop.moderation.services.roles import SUPPORT
from tests.factories.orders import OrderFactory
from tests.moderation.test_exports import ADD, staff_in, today_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stalled_for(export: Export, age: timedelta) -> None:
    Export.objects.filter(pk=export.pk).update(updated_at=timezone.now() - age)


def test_an_export_whose_build_was_lost_is_built(client, jobs_lost, django_capture_on_commit_callbacks):
    order = OrderFactory(handover=False)
    client.force_login(staff_in(SUPPORT))
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        assert client.post(ADD, today_form("orders")).status_code == 302
    assert lost == ["moderation.export_build"]
    export = Export.objects.get()
    assert export.status == Export.Status.QUEUED
    assert exports_stalled_resume() == 0  # too soon to call the build lost

    stalled_for(export, EXPORT_STALLED_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_stalled_resume() == 1

    export.refresh_from_db()
    assert (export.status, export.rows_done) == (Export.Status.DONE, 1) and export.file
    download = client.get(f"/admin/moderation/export/{export.pk}/download/")
    assert order.number in b"".join(download.streaming_content).decode()
    stalled_for(export, EXPORT_STALLED_AFTER + timedelta(seconds=1))
    assert exports_stalled_resume() == 0


def test_a_build_killed_half_way_is_built_again_from_the_start(client, django_capture_on_commit_callbacks):
    for _ in range(3):
        OrderFactory(handover=False, items=0)
    client.force_login(staff_in(SUPPORT))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ADD, today_form("orders"))
    export = Export.objects.get()
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, rows_done=2, file="")  # its worker died

    stalled_for(export, EXPORT_STALLED_AFTER - timedelta(minutes=1))
    assert exports_stalled_resume() == 0  # still showing signs of life
    stalled_for(export, EXPORT_STALLED_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_stalled_resume() == 1

    export.refresh_from_db()
    assert (export.status, export.rows_done, export.rows_total) == (Export.Status.DONE, 3, 3) and export.file
