from django.http import HttpResponse


def pages(request, org_slug):  # replaced by the clinic pages work
    return HttpResponse("clinic pages")


def pages_manage(request):
    return HttpResponse("manage pages")
