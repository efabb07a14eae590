from pyramid.view import view_config


@view_config(route_name="net.interfaces", request_method="GET", renderer="json", permission="net")
def interfaces_view(request):
    return {"interfaces": request.net_interfaces()}


@view_config(route_name="net.mac", request_method="GET", renderer="json", permission="net")
def mac_view(request):
    return request.net_mac()


@view_config(route_name="net.page", request_method="GET", renderer="net.jinja2", permission="net")
def page(request):
    return {"interfaces": request.net_interfaces(), "mac": request.net_mac()}
