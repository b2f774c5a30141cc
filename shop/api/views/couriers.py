"""A courier's work, as the courier's pages do it: the job board near the courier, taking
a job (the first courier wins; the others are told ``taken``), my jobs, a job's stops and
cash, the pickup and handover codes scanned or typed, the cash confirmed at the door, and
the earnings page. Only approved couriers reach these (403 with ``not_a_courier``,
``courier_pending`` or ``courier_rejected``, the page's own sentence); a job the courier
may not see is a 404. The services' refusals are 409s with their reason as ``code``
(``taken``, ``wrong``, ``used``, ``expired``, ``locked``, ``not_yours``, ``amount``…)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from couriers.selectors import (
    courier_refusal,
    earnings_by_week,
    job_get_for_courier,
    job_held_for_order,
    jobs_active_for_courier,
    jobs_delivered_today,
    jobs_open_for_courier,
    ratings_recent,
    user_is_courier,
)
from couriers.services import (
    CourierError,
    cash_confirm_courier,
    handover_read,
    job_accept,
    job_handover_typed,
    job_pickup,
)
from shop.core.errors import NotFound
from shop.payments.payouts.couriers import courier_balances

from ..pagination import Cursor
from ..serializers.couriers import (
    BoardQuery,
    CashInput,
    CodeInput,
    EarningsSerializer,
    HandoverInput,
    JobCardSerializer,
    JobSerializer,
    MyJobsSerializer,
)

# drf-spectacular names a `pk` path parameter `id` (SCHEMA_COERCE_PATH_PK).
JOB_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The job's id.")


class ApprovedCourier(BasePermission):
    """What the courier pages require: an approved courier profile."""

    def has_permission(self, request, view) -> bool:
        if user_is_courier(user=request.user):
            return True
        refusal = courier_refusal(user=request.user)
        self.message, self.code = refusal.message, refusal.code
        return False


class _Courier(APIView):
    permission_classes = [IsAuthenticated, ApprovedCourier]

    def job(self, pk: int):
        return job_get_for_courier(user=self.request.user, job_id=pk)

    def answer(self, job):
        """The job as it stands now, read again after a move."""
        job = job_get_for_courier(user=self.request.user, job_id=job.pk)
        return Response(JobSerializer(job, context={"request": self.request}).data)


@extend_schema(parameters=[BoardQuery])
class JobBoard(generics.ListAPIView):
    """The board: open jobs picked up in the courier's areas, nearest first when ``lat``
    and ``lng`` say where the courier is, else the newest first."""

    permission_classes = [IsAuthenticated, ApprovedCourier]
    serializer_class = JobCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        query = BoardQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        latitude, longitude = query.validated_data.get("lat"), query.validated_data.get("lng")
        self.notices = []
        if (latitude is None) != (longitude is None):  # the page ignores a lone one too
            self.notices.append(_("Send both lat and lng to sort by distance; the newest jobs come first instead."))
            latitude = longitude = None
        return jobs_open_for_courier(user=self.request.user, latitude=latitude, longitude=longitude)


class JobAccept(_Courier):
    @extend_schema(request=None, responses=JobSerializer, parameters=[JOB_ID])
    def post(self, request, pk: int):
        """Take an open job from the board. Another courier was quicker: 409 ``taken``; off
        duty: 409 ``off``."""
        try:
            job = job_accept(job_id=pk, courier=request.user)
        except CourierError as error:
            if error.reason == "not_visible":  # not on this courier's board, or no such job
                raise NotFound(str(error)) from error
            raise
        return self.answer(job)


class MyJobs(_Courier):
    @extend_schema(responses=MyJobsSerializer)
    def get(self, request):
        """My deliveries (accepted, picked up, at the door; the earliest taken first) and the
        jobs I finished today."""
        context = {"request": request}
        return Response(
            {
                "active": JobSerializer(jobs_active_for_courier(user=request.user), many=True, context=context).data,
                "delivered_today": JobSerializer(
                    jobs_delivered_today(user=request.user), many=True, context=context
                ).data,
            }
        )


class JobDetail(_Courier):
    @extend_schema(responses=JobSerializer, parameters=[JOB_ID])
    def get(self, request, pk: int):
        """A job I hold (or an open one on my board): its stops, the cash to collect, where it stands."""
        return Response(JobSerializer(self.job(pk), context={"request": request}).data)


class JobPickup(_Courier):
    @extend_schema(request=CodeInput, responses=JobSerializer, parameters=[JOB_ID])
    def post(self, request, pk: int):
        """Pick the job up at the store: the package label's QR text as scanned, or the 6
        digits under it (a return pickup: the buyer's 8-digit code). The order goes out for
        delivery, as when the label is scanned on the page."""
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self.answer(job_pickup(courier=request.user, job=self.job(pk), code=data.validated_data["code"]))


class Handover(_Courier):
    @extend_schema(request=HandoverInput, responses=JobSerializer)
    def post(self, request):
        """At the door: the buyer's QR code as scanned, or its 8 digits typed with the order
        number. A paid order is delivered; a cash order waits at the door for the cash to be
        confirmed by the courier (``/cash/``) and the buyer."""
        data = HandoverInput(data=request.data)
        data.is_valid(raise_exception=True)
        code, number = data.validated_data["code"], data.validated_data.get("order")
        if number:
            job = job_held_for_order(user=request.user, number=number)
            return self.answer(job_handover_typed(courier=request.user, job=job, code=code))
        return self.answer(handover_read(courier=request.user, text=code))


class JobCash(_Courier):
    @extend_schema(request=CashInput, responses=JobSerializer, parameters=[JOB_ID])
    def post(self, request, pk: int):
        """The cash the courier received at the door: exactly the order's total (else 409
        ``amount``). The order is delivered once the buyer confirms too."""
        data = CashInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = cash_confirm_courier(job=self.job(pk), courier=request.user, amount=data.validated_data["amount"])
        return self.answer(job)


class Earnings(_Courier):
    @extend_schema(responses=EarningsSerializer)
    def get(self, request):
        """The earnings page: each week's jobs with their commission and the cash collected,
        the cash held and the commission owed, the latest ratings."""
        profile = request.user.courier_profile
        return Response(
            EarningsSerializer(
                {
                    "deliveries_count": profile.deliveries_count,
                    "rating": profile.rating if profile.rating_count else None,
                    "rating_count": profile.rating_count,
                    "balances": courier_balances(request.user.pk),
                    "weeks": earnings_by_week(user=request.user),
                    "ratings": ratings_recent(user=request.user),
                }
            ).data
        )
