"""python manage.py kyc_assess_all"""

from django.core.management.base import BaseCommand

from apps.compliance.kyc.services import customer_risks_assess_all


class Command(BaseCommand):
    help = (
        "The KYC data pass: a KYC record for every customer who has none (rated from its data; a review date "
        "it already held is kept as its next due day), then every record rated again from the facts as they "
        "are now and each customer's risk rating, review date and KYC status brought in step. Safe to run "
        "any number of times; the scheduler runs it daily."
    )

    def handle(self, *args, **options):
        result = customer_risks_assess_all(actor=None)
        self.stdout.write(
            f"KYC: {result['opened']} records opened, {result['assessed']} assessed, "
            f"{result['rating_changed']} ratings changed."
        )
