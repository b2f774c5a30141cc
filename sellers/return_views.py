from django.http import HttpResponse


def returns(request):
    return HttpResponse()


def return_detail(request, pk):
    return HttpResponse()


return_live = return_approve_view = return_reject_view = return_receive_view = return_detail
return_restock_view = return_refund_view = return_detail
