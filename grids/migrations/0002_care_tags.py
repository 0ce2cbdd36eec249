"""The care tags of DESIGN.md; the administrator can add more in Django admin."""

from django.db import migrations

TAGS = [
    ("left-behind-child", "留守儿童"),
    ("elderly-alone", "独居老人"),
    ("disability", "残疾人"),
    ("subsistence-allowance", "低保户"),
    ("key-person", "重点关注人员"),
    ("resettled-migrant", "移民安置人员"),
    ("left-behind-woman", "留守妇女"),
    ("veteran", "退役军人"),
]


def add_tags(apps, schema_editor):
    CareTag = apps.get_model("grids", "CareTag")
    for order, (code, name) in enumerate(TAGS):
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
