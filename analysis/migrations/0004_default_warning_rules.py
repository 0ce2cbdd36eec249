"""The default early-warning rules (issue 15), one row per kind; the administrator tunes them."""

from django.db import migrations

DEFAULTS = [
    # kind, threshold, window days, festival threshold, festival weeks, urgent, days to handle, description
    ("repeat_respondent", 3, 180, None, 0, False, 5, "同一被申请人（个人或单位）在规定天数内涉及多起纠纷。"),
    ("wage_arrears", 10, 0, 5, 4, True, 3, "欠薪纠纷涉及人数达到阈值；春节前数周内阈值降低。"),
    ("category_cluster", 5, 30, None, 0, False, 5, "同一村同一类别纠纷在规定天数内集中发生。"),
    ("flare_up", 1, 90, None, 0, False, 5, "回访发现纠纷出现反复。"),
    ("repeated_escalation", 2, 0, None, 0, False, 5, "同一纠纷多次上报。"),
    ("police_flag", 1, 0, None, 0, True, 2, "纠纷被标记为有民转刑风险或群体性事件风险。"),
    ("repeat_petitioner", 3, 365, None, 0, False, 5, "同一申请人在规定天数内多次信访。"),
]


def seed(apps, schema_editor):
    WarningRule = apps.get_model("analysis", "WarningRule")
    for kind, threshold, window, festival, weeks, urgent, days, description in DEFAULTS:
        WarningRule.objects.get_or_create(
            kind=kind,
            defaults={
                "threshold": threshold,
                "window_days": window,
                "festival_threshold": festival,
                "festival_weeks": weeks,
                "urgent": urgent,
                "days_to_handle": days,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("analysis", "0003_early_warning")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
