"""A courier who loses an accept race hears it at once, where the card stood (the htmx
answer to their Accept), and every other open board swaps the card for a short line
saying why it went: taken by another courier, or withdrawn by the store."""

import re

import pytest

from couriers.models import CourierProfile
from couriers.services import job_accept, job_withdraw
from tests.factories.orders import member_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}



def test_the_loser_sees_another_courier_took_the_job_where_its_card_was(client, job, courier, rival):
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(rival)

    answer = client.post(f"/courier/jobs/{job.pk}/accept/", headers={**HTMX, "HX-Target": f"job-{job.pk}"})

    html = answer.content.decode()
    assert answer.status_code == 200 and "HX-Redirect" not in answer
    card = re.search(rf'<article id="job-{job.pk}"[^>]*>.*?</article>', html, re.S).group(0)
    assert 'data-testid="job-gone"' in card and "another courier already took this job" in card
    assert 'role="status"' in card and "toasts" not in html  # said once, where the card was
    # Said once, now: not again on the next page the courier opens.
    assert "already took" not in client.get("/courier/").content.decode()


def test_the_loser_on_the_jobs_own_page_sees_it_in_the_next_step(client, job, courier, rival):
    job_accept(job_id=job.pk, courier=courier)
    client.force_login(rival)

    answer = client.post(f"/courier/jobs/{job.pk}/accept/", headers={**HTMX, "HX-Target": f"job-live-{job.pk}"})

    html = answer.content.decode()
    live = re.search(rf'<section id="job-live-{job.pk}"[^>]*>.*?</section>', html, re.S).group(0)
    assert "another courier already took this job" in live and 'href="/courier/"' in live


def test_the_accept_forms_swap_their_answer_where_the_job_stands(client, job, courier):
    client.force_login(courier)
    board = client.get("/courier/").content.decode()
    assert f'hx-target="#job-{job.pk}" hx-swap="outerHTML"' in board
    page = client.get(f"/courier/jobs/{job.pk}/").content.decode()
    assert f'hx-target="#job-live-{job.pk}" hx-swap="outerHTML"' in page


def test_an_off_duty_courier_keeps_the_card_and_is_told_why(client, job, rival):
    CourierProfile.objects.filter(user=rival).update(availability=CourierProfile.Availability.OFF)
    client.force_login(rival)

    answer = client.post(f"/courier/jobs/{job.pk}/accept/", headers={**HTMX, "HX-Target": f"job-{job.pk}"})

    assert answer["HX-Reswap"] == "none" and "off duty" in answer.content.decode()
    assert f'id="job-{job.pk}"' not in answer.content.decode()


def test_every_other_board_swaps_a_taken_card_for_the_reason(
    job, courier, district, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_accept(job_id=job.pk, courier=courier)

    board = "".join(html for group, html in pushes if group == f"jobs.{district.pk}")
    assert f'<article id="job-{job.pk}"' in board and 'hx-swap-oob="true"' in board
    assert "Another courier took this job." in board


def test_every_board_says_when_the_store_withdrew_a_job(job, district, pushes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_withdraw(job=job, actor=member_of(job.order))

    board = "".join(html for group, html in pushes if group == f"jobs.{district.pk}")
    assert f'<article id="job-{job.pk}"' in board and "The store withdrew this job." in board
