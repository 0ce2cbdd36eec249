"""Recompute the dispute and log rollups from the rows (after a bulk load that bypassed the services)."""

from django.core.management.base import BaseCommand

from analysis.tallies import tally_rebuild


class Command(BaseCommand):
    help = "Recompute the dispute and log tallies, and each row's tally state, from the rows."

    def handle(self, *args, **options):
        done = tally_rebuild()
        self.stdout.write(
            f"{done['tallies']} tally rows from {done['disputes']} disputes, "
            f"{done['log_tallies']} from {done['logs']} logs."
        )
