from django.db import models


class Profile(models.TextChoices):
    US = "us", "United States (BSA)"
    IN = "in", "India (PMLA / RBI)"
    EU = "eu", "European Union (AMLD)"


class Unit(models.TextChoices):
    MONEY = "money", "Amount"
    DAYS = "days", "Days"
    WORKING_DAYS = "working_days", "Working days"
    YEARS = "years", "Years"
    HOURS = "hours", "Hours"
    COUNT = "count", "Count"
    PERCENT = "percent", "Percent"


class ThresholdStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# ------------------------------------------------------------------------------------ KYC
class BusinessType(models.TextChoices):
    """What the customer does for a living or as a business; each carries a risk level (`kyc.rating`)."""

    SALARIED = "salaried", "Salaried or retail individual"
    SELF_EMPLOYED = "self_employed", "Self-employed professional"
    COMPANY = "company", "Trading company"
    NON_PROFIT = "non_profit", "Non-profit or charity"
    CASH_INTENSIVE = "cash_intensive", "Cash-intensive business"
    MONEY_SERVICE = "money_service", "Money service business"
    PRECIOUS_GOODS = "precious_goods", "Dealer in precious metals, stones or art"
    NOT_STATED = "not_stated", "Not stated yet"


class OnboardingChannel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    REMOTE = "remote", "Not face to face (online, phone, post)"


class ScreeningResult(models.TextChoices):
    NOT_SCREENED = "not_screened", "Not screened"
    CLEAR = "clear", "Clear"
    POSSIBLE_MATCH = "possible_match", "Possible match"
    MATCH = "match", "Match"


class KycState(models.TextChoices):
    """Computed from the review dates, never stored (`kyc.rating.kyc_state`)."""

    PENDING = "pending", "Pending"
    VERIFIED = "verified", "Verified"
    REVIEW_DUE = "review_due", "Review due"
    EXPIRED = "expired", "Expired"


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", "Passport"
    NATIONAL_ID = "national_id", "National identity card"
    DRIVING_LICENCE = "driving_licence", "Driving licence"
    RESIDENCE_PERMIT = "residence_permit", "Residence permit"
    UTILITY_BILL = "utility_bill", "Utility bill (proof of address)"
    BANK_STATEMENT = "bank_statement", "Bank statement"
    COMPANY_REGISTRATION = "company_registration", "Company registration"
    OTHER = "other", "Other"


class Domain(models.TextChoices):
    """The parts of the compliance score."""

    AML = "aml", "AML"
    KYC = "kyc", "KYC"
    DATA_PROTECTION = "data_protection", "Data protection"
    REPORTING = "reporting", "Regulatory reporting"
