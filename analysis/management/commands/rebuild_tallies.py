"""Recompute the dispute rollups from the rows (after a bulk load that bypassed the services)."""

from django.core.management.base import BaseCommand

from analysis.tallies import tally_rebuild


class Command(BaseCommand):
    help = "Recompute every dispute tally and each dispute's tally state from the ledger's rows."

    def handle(self, *args, **options):
        done = tally_rebuild()
        self.stdout.write(f"{done['tallies']} tally rows from {done['disputes']} disputes.")
