from django.http import HttpResponse


def return_list(request):
    return HttpResponse()


def return_new(request, number):
    return HttpResponse()


def return_detail(request, pk):
    return HttpResponse()


def return_live(request, pk):
    return HttpResponse()


def return_escalate_view(request, pk):
    return HttpResponse()


def return_cancel_view(request, pk):
    return HttpResponse()
