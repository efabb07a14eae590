"""The request every piece gets, and the raw path: reads of a hostile request that cannot raise a 500.

WebOb decodes the path, the query and form bodies lazily and raises plain ``ValueError``,
``UnicodeDecodeError`` or even ``DeprecationWarning`` when they do not parse. Here those
become the caller's 400 or 415, once, for every view and for Pyramid's own CSRF check.
"""
import json
from types import SimpleNamespace
from urllib.parse import quote

from pyramid.request import Request
from webob.request import PATH_SAFE

from svc.web.problems import Problem, invalid_request

FORM_TYPES = "application/x-www-form-urlencoded, multipart/form-data"


def raw_path(environ):
    """``SCRIPT_NAME`` + ``PATH_INFO`` escaped as WebOb's ``request.path`` is, without decoding them."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return quote(path.encode("latin-1"), PATH_SAFE)


def undecodable_path(environ):
    """True when the path's bytes are not UTF-8, so no router or ``request.path`` can read it."""
    for key in ("SCRIPT_NAME", "PATH_INFO"):
        value = environ.get(key, "")
        if value.isascii():
            continue
        try:
            value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return True
    return False


class SvcRequest(Request):
    @property
    def path(self):
        """As WebOb's, but an undecodable path is shown escaped instead of raising (problems quote it)."""
        return raw_path(self.environ)

    @property
    def POST(self):
        """The form fields; a body that does not parse is a 400, a charset other than UTF-8 a 415."""
        try:
            return Request.POST.fget(self)
        except DeprecationWarning:  # WebOb's refusal of a charset other than UTF-8
            raise Problem(
                415, "send form bodies in UTF-8 (no other charset)", headers={"Accept-Post": FORM_TYPES}
            ) from None
        except ValueError as exc:  # a multipart body without a usable boundary, and the like
            raise invalid_request(f"the form body does not parse: {exc}") from None

    @property
    def json_body(self):
        """The JSON body; JSON is UTF-8 (RFC 8259), so a ``charset`` parameter is ignored, not trusted."""
        return json.loads(self.body)


def bake_request_properties(router):
    """Give ``router``'s requests the properties of ``add_request_method(reify=True)`` on one class.

    Pyramid applies them by making a new class per request (``type()``, some 20 us of CPU, a
    quarter of a bare hello); one subclass of the request factory made here holds the same
    descriptors, so each request still reifies its own values. Returns ``router``.
    """
    extensions = router.request_extensions
    if extensions is None or not extensions.descriptors:
        return router
    factory = router.request_factory
    attrs = {"__module__": factory.__module__, **extensions.descriptors}
    router.request_factory = type(factory.__name__, (factory,), attrs)
    # The router's own copy only: pyramid.scripting and the like still read the registry's.
    router.request_extensions = SimpleNamespace(methods=extensions.methods, descriptors={})
    return router


def includeme(config):
    config.set_request_factory(SvcRequest)
