from pyramid.view import view_config

from svc.net.interfaces import interfaces
from svc.net.mac import primary_mac


@view_config(route_name="net.interfaces", request_method="GET", renderer="json", permission="net")
def interfaces_view(request):
    return {"interfaces": interfaces()}


@view_config(route_name="net.mac", request_method="GET", renderer="json", permission="net")
def mac_view(request):
    return primary_mac()


@view_config(route_name="net.page", request_method="GET", renderer="net.jinja2", permission="net")
def page(request):
    return {"interfaces": interfaces(), "mac": primary_mac()}
