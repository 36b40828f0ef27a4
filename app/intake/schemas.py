"""An application as registered: the service item, the applicant, the facts and the case's class."""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from app.cases.confidentiality import CONFIDENTIALITY_CLASSES
from app.core.i18n import t
from app.core.schemas import StrictSchema, uscc_is_valid

APPLICANT_TYPES = ("legal_person", "natural_person", "individual_business", "other_organization")
# Applicants identified by a unified social credit code (统一社会信用代码); a natural person has none.
CODED_APPLICANT_TYPES = ("legal_person", "individual_business", "other_organization")
CATEGORIES = ("resource_allocation", "major_construction", "public_service", "general")


class ApplicantSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(APPLICANT_TYPES))
    code = fields.String(load_default=None, validate=validate.Length(max=64))

    @validates_schema
    def _code_matches_type(self, data, **kwargs):
        code = (data.get("code") or "").strip().upper()
        if data.get("type") in CODED_APPLICANT_TYPES:
            if not uscc_is_valid(code):
                raise ValidationError(t("uscc_invalid"), "code")
            data["code"] = code


class FactsSchema(StrictSchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    investment = fields.Float(allow_nan=False, validate=validate.Range(min=0))
    public_concern = fields.Boolean()
    safety_impact = fields.Boolean()
    complex = fields.Boolean()
    project_name = fields.String(validate=validate.Length(max=200))
    description = fields.String(validate=validate.Length(max=5000))
    # An application on an existing licence (变更/延续/注销, app.licences): its number, and a change's new scope.
    licence_no = fields.String(validate=validate.Length(min=1, max=64))
    licence_scope = fields.String(validate=validate.Length(min=1, max=2000))


def _phone_ok(value: str) -> bool:
    if not re.fullmatch(r"[0-9+\-() ]{5,32}", value or ""):
        raise ValidationError(t("phone_invalid"))
    return True


def _id_ok(value: str) -> bool:
    if not id_number_is_valid((value or "").strip().upper()):
        raise ValidationError(t("id_number_invalid"))
    return True


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_is_valid(number: str) -> bool:
    """居民身份证号码 (GB 11643-1999): 17 digits and a check character (0-9 or X) over them."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS)) % 11] == number[17]


class ContactSchema(StrictSchema):
    """The applicant's contact details: personal information kept beside the case (app.intake.models), never
    in its hash-chained records."""
    phone = fields.String(load_default=None, validate=lambda v: _phone_ok(v))
    address = fields.String(load_default=None, validate=validate.Length(max=300))
    id_number = fields.String(load_default=None, validate=lambda v: _id_ok(v))
    legal_representative = fields.String(load_default=None, validate=validate.Length(max=100))

    @validates_schema
    def _id_number_upper(self, data, **kwargs):
        if data.get("id_number"):
            data["id_number"] = data["id_number"].strip().upper()


class CaseCreateSchema(StrictSchema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=64))
    applicant = fields.Nested(ApplicantSchema, required=True)
    facts = fields.Nested(FactsSchema, load_default=dict)
    confidentiality = fields.String(load_default="internal", validate=validate.OneOf(CONFIDENTIALITY_CLASSES))
    contact = fields.Nested(ContactSchema, load_default=dict)
