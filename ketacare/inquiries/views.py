from django.http import HttpResponse


def inbox(request):
    return HttpResponse("inbox")


def request_form(request, org_slug):
    return HttpResponse("form")
