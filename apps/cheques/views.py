from django.http import FileResponse, Http404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "tif": "image/tiff"}


@require_GET
@never_cache
def cheque_image(request, token: str):
    """Serve one side of a cheque for a signed, short-lived link (the link is the permission: it is
    only handed to people allowed to see the cheque). Forged or expired links answer 404."""
    found = selectors.image_from_token(token)
    if found is None:
        raise Http404("This image link is not valid or has expired.")
    cheque, side = found
    image = getattr(cheque, side)
    kind = CONTENT_TYPES.get(image.name.rsplit(".", 1)[-1], "application/octet-stream")
    response = FileResponse(image.open("rb"), content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="cheque-{cheque.pk}-{side}"'
    return response
