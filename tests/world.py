"""One object of each kind the application serves, built through the services on top of the
case world (tests/cases/conftest.py): the authorization matrix checks every route against
them, and the API fuzzer sends its generated requests into them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from alliance import collaboration, indicators
from alliance.models import CollaborationRequest, Indicator, Organization
from cases import services
from cases.models import ConfirmationMaterial
from evidence import retrieval as evidence_retrieval
from evidence import services as evidence_services
from tests.cases.conftest import advance, make_case, org_party
from zhangzhou_ip.core.models import Notification


def build_objects(case_world: dict[str, Any]) -> dict[str, Any]:
    """One object of each kind. ``mediating`` is assigned to ``mediator``; ``shared`` is
    shared with the partner city (view); the confirmation is at 漳州中院, where ``court`` is
    the liaison; ent_a (``enterprise``) is a party to the committee's submitted cases."""
    users, orgs = case_world["users"], case_world["orgs"]
    mediating = case_world["cases"]["mediating"]
    shared = case_world["cases"]["submitted"]
    share = services.share_grant(
        actor=users["org_admin"],
        case=shared,
        organization=orgs["partner"],
        level="view",
        reason="协查",
    )
    settled = advance(
        make_case(
            users["clerk"],
            orgs["committee"],
            dispute_type="design_infringement",
            parties=[
                org_party("applicant", orgs["ent_a"]),
                org_party("respondent", orgs["ent_b"]),
            ],
        ),
        users["clerk"],
        users["mediator"],
        "settled",
    )
    court = Organization.objects.get(court_code="闽06")
    confirmation = services.confirmation_prepare(
        actor=users["mediator"], case=settled, court=court, joint_application=True
    )
    material = services.confirmation_material_add(
        actor=users["mediator"],
        confirmation=confirmation,
        kind=ConfirmationMaterial.Kind.APPLICATION,
        file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf"),
    )
    failed = services.case_fail(
        actor=users["mediator"],
        case=advance(
            make_case(
                users["clerk"],
                orgs["committee"],
                parties=[
                    org_party("applicant", orgs["ent_a"]),
                    org_party("respondent", orgs["ent_b"]),
                ],
            ),
            users["clerk"],
            users["mediator"],
            "mediating",
        ),
        reason="分歧过大",
    )
    referral = services.referral_to_litigation(actor=users["mediator"], case=failed, court=court)
    comment = services.comment_add(actor=users["mediator"], case=mediating, body="请注意期限")
    request = collaboration.collaboration_send(
        actor=users["org_admin"],
        from_organization=orgs["zz_bureau"],
        to_organization=orgs["partner"],
        kind=CollaborationRequest.Kind.EVIDENCE,
        subject="协查",
    )
    reply = collaboration.collaboration_reply(
        actor=users["partner"],
        request=request,
        body="已收到",
        attachment=SimpleUploadedFile("r.pdf", b"%PDF-1.4 y", "application/pdf"),
    )
    notification = Notification.objects.create(
        recipient=users["mediator"], verb="case.accepted", title="x", url="/cases/"
    )
    session = mediating.sessions.get()
    # 益企证: a record of ent_a deposited at the service point and cited in ``mediating``; a
    # second one nobody cites; a retrieval request of ent_a to the service point.
    record = evidence_services.deposit(
        actor=users["servicepoint"],
        depositor=orgs["ent_a"],
        kind="text",
        title="网店销售页面说明",
        category="listing",
        text="matrix evidence",
    )
    services.evidence_link(actor=users["superuser"], case=mediating, record=record)
    retrieval = evidence_retrieval.request_retrieval(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        service_point=orgs["service_point"],
        kind="web_capture",
        subject="网店侵权页面取证",
        target_url="https://shop.example.com/item/1",
    )
    # An enterprise's protection action (recorded by the enterprise itself, citing its record)
    # and a city IP indicator value.
    protection = services.action_record(
        actor=users["enterprise"],
        enterprise=orgs["ent_a"],
        kind="platform_takedown",
        title="电商平台投诉下架仿冒商品",
        counterparty="某网店",
        started_on=dt.date(2024, 3, 1),
        outcome="ongoing",
        evidence=[record],
    )
    indicator_value = indicators.indicator_value_create(
        actor=users["superuser"],
        indicator=Indicator.objects.get(code="patents_granted"),
        region=orgs["zz_bureau"].region,
        year=2024,
        value=Decimal("5448"),
        source="漳州市知识产权局",
    )
    return {
        "protection": protection,
        "indicator_value": indicator_value,
        "record": record,
        "retrieval": retrieval,
        "users": users,
        "case": mediating,
        "shared": shared,
        "settled": settled,
        "failed": failed,
        "confirmation": confirmation,
        "material": material,
        "referral": referral,
        "request": request,
        "reply": reply,
        "notification": notification,
        "session": session,
        "party": mediating.parties.order_by("pk").first(),
        "right": services.right_add(
            actor=users["mediator"],
            case=mediating,
            kind="trademark",
            number="12345678",
        ),
        "organization": orgs["ent_a"],
        "ip": case_world["ips"]["patent_a"],
        "event": mediating.events.first(),
        "mediator_user": users["mediator"],
        "share": share,
        "comment": comment,
    }
