from django.http import JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST


@require_POST
# ruleid: python-django-csrf-exempt
@csrf_exempt
def transfer(request):
    return JsonResponse({"ok": True})


# ruleid: python-django-csrf-exempt
@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    def post(self, request):
        return JsonResponse({"ok": True})


# ok: python-django-csrf-exempt
@require_POST
def transfer_safe(request):
    return JsonResponse({"ok": True})


# ok: python-django-csrf-exempt
@csrf_protect
def update_profile(request):
    return JsonResponse({"ok": True})


def legacy(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    # ruleid: python-django-csrf-exempt
    path("legacy/", csrf_exempt(legacy)),
    # ok: python-django-csrf-exempt
    path("profile/", update_profile),
]
