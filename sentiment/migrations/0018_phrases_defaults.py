"""The default common matters of each log category (issue 16, item 21): the administrator
edits, reorders or retires them in the admin. Texts are data in the language the workers
write in (like the demo's), not interface strings."""

from django.db import migrations

# category -> [(matter, policy basis)]
DEFAULTS = {
    "family_planning": [
        ("咨询独生子女父母奖励办理", "《中华人民共和国人口与计划生育法》"),
        ("咨询计生特别扶助申请条件", "《中华人民共和国人口与计划生育法》"),
        ("咨询生育登记服务", "《中华人民共和国人口与计划生育法》"),
    ],
    "subsistence": [
        ("咨询低保办理条件", "《社会救助暂行办法》"),
        ("询问低保年审材料", "《社会救助暂行办法》"),
        ("对低保金额有异议", "《社会救助暂行办法》"),
    ],
    "social_security": [
        ("咨询城乡居民医保缴费时间", "《中华人民共和国社会保险法》"),
        ("养老金领取资格认证", "《中华人民共和国社会保险法》"),
        ("咨询医保报销流程", "《中华人民共和国社会保险法》"),
    ],
    "hardship": [
        ("申请临时救助", "《社会救助暂行办法》"),
        ("咨询特困人员供养条件", "《社会救助暂行办法》"),
        ("咨询医疗救助", "《社会救助暂行办法》"),
    ],
    "unemployment": [
        ("办理失业登记", "《中华人民共和国就业促进法》"),
        ("申领失业保险金", "《失业保险条例》"),
        ("咨询就业培训", "《中华人民共和国就业促进法》"),
    ],
    "preferential": [
        ("咨询优抚对象待遇", "《军人抚恤优待条例》"),
        ("退役军人信息采集", "《中华人民共和国退役军人保障法》"),
        ("咨询优待证办理", "《中华人民共和国退役军人保障法》"),
    ],
    "dispute": [
        ("邻里纠纷，请求调解", "《中华人民共和国人民调解法》"),
        ("土地边界纠纷", "《中华人民共和国农村土地承包法》"),
        ("婚姻家庭纠纷", "《中华人民共和国人民调解法》"),
    ],
    "security_hazard": [
        ("发现可疑人员", "《中华人民共和国治安管理处罚法》"),
        ("电信网络诈骗防范提醒", "《中华人民共和国反电信网络诈骗法》"),
        ("村内治安隐患", "《中华人民共和国治安管理处罚法》"),
    ],
    "production_safety": [
        ("消防通道堵塞", "《中华人民共和国消防法》"),
        ("用电线路老化", "《中华人民共和国安全生产法》"),
        ("燃气使用隐患", "《中华人民共和国安全生产法》"),
    ],
    "other": [
        ("日常走访，情况正常", ""),
        ("政策咨询，已当场答复", ""),
    ],
}


def add_defaults(apps, schema_editor):
    Phrase = apps.get_model("sentiment", "Phrase")
    for category, phrases in DEFAULTS.items():
        for order, (matter, basis) in enumerate(phrases, start=1):
            Phrase.objects.get_or_create(
                category=category, matter=matter, defaults={"policy_basis": basis, "order": order * 10}
            )


def remove_defaults(apps, schema_editor):
    Phrase = apps.get_model("sentiment", "Phrase")
    for category, phrases in DEFAULTS.items():
        Phrase.objects.filter(category=category, matter__in=[m for m, _b in phrases]).delete()


class Migration(migrations.Migration):
    dependencies = [("sentiment", "0017_phrases")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
