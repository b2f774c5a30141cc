"""Couriers' jobs and earnings, and ENS names."""

from django.urls import path

from ..views import couriers, ens

urlpatterns = [
    path("courier/jobs/", couriers.JobBoard.as_view(), name="courier_jobs"),
    path("courier/jobs/<int:pk>/", couriers.JobDetail.as_view(), name="courier_job"),
    path("courier/jobs/<int:pk>/accept/", couriers.JobAccept.as_view(), name="courier_job_accept"),
    path("courier/jobs/<int:pk>/pickup/", couriers.JobPickup.as_view(), name="courier_job_pickup"),
    path("courier/jobs/<int:pk>/cash/", couriers.JobCash.as_view(), name="courier_job_cash"),
    path("courier/my-jobs/", couriers.MyJobs.as_view(), name="courier_my_jobs"),
    path("courier/handover/", couriers.Handover.as_view(), name="courier_handover"),
    path("courier/earnings/", couriers.Earnings.as_view(), name="courier_earnings"),
    path("ens/validate/", ens.EnsValidate.as_view(), name="ens_validate"),
    path("ens/suggestions/", ens.EnsSuggestions.as_view(), name="ens_suggestions"),
    path("ens/message/", ens.EnsMessage.as_view(), name="ens_message"),
    path("ens/verify/", ens.EnsVerify.as_view(), name="ens_verify"),
]
