"""The conversation on a request: the buyer, the shop's staff and platform staff."""

from __future__ import annotations

from django.db import transaction

from contexts.aftersales import domain
from contexts.aftersales.models import AftersalesRequest, RequestMessage
from contexts.aftersales.services._common import BUYER, MANAGE, MERCHANT, STAFF, not_found
from contexts.catalog import api as catalog_api
from shared.auth import Principal
from shared.errors import NotAuthenticated, ValidationFailed

EVIDENCE_FOLDER = "aftersales"


def _role_on(principal: Principal, req: AftersalesRequest) -> str:
    if principal.user_id is not None and principal.user_id == req.buyer_id:
        return BUYER
    principal.require(MANAGE, merchant_id=req.merchant_id, not_found=not_found())
    return STAFF if principal.is_staff else MERCHANT


@transaction.atomic
def message_post(
    *, principal: Principal, request_no: str, body: str, attachments: list[str] | None = None
) -> RequestMessage:
    """Add a message to the request's thread (its buyer, or whoever handles the shop's
    after-sales; anyone else: 404). Attachments are image keys as the evidence."""
    req = AftersalesRequest.objects.filter(request_no=request_no).first()
    if req is None:
        raise not_found()
    role = _role_on(principal, req)
    body = (body or "").strip()
    if not body or len(body) > 1000:
        raise ValidationFailed(
            "1 to 1000 characters.", details={"fields": {"body": ["1 to 1000 characters."]}}
        )
    return RequestMessage.objects.create(
        request=req,
        author_id=principal.user_id,
        role=role,
        body=body,
        attachments=domain.check_evidence(list(attachments or [])),
    )


def evidence_upload(*, principal: Principal, upload) -> catalog_api.StoredImage:
    """Any signed-in user stores an image for a request, a ticket or a message: in the media
    storage the catalog uses, under aftersales/ (the key domain.check_evidence accepts)."""
    if principal.user_id is None:
        raise NotAuthenticated()
    return catalog_api.image_store(upload=upload, folder=EVIDENCE_FOLDER)
