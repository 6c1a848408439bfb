from ketacare.audit.context import client_address, current_source_address


class AuditContextMiddleware:
    """Makes the client address available to audit records written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_source_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_source_address.reset(token)
