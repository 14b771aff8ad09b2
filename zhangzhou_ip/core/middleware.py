"""Language selection and the login requirement."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose otherwise.

    Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language``; our users expect
    the product in Chinese whatever their browser says, with English one click away (the
    language cookie set by ``set_language``). API clients may still ask for a language with
    ``Accept-Language`` because they cannot click a switcher.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = self._choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    def _choose(self, request) -> str:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in self.supported:
            return cookie
        if request.path.startswith(API_PREFIX):
            lang = translation.get_language_from_request(request, check_path=False)
            if lang in self.supported:
                return lang
        return settings.LANGUAGE_CODE


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every web view needs a login unless marked ``@login_not_required``.

    API views are skipped here: DRF authenticates them (session or token) and answers
    401/403 JSON instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
