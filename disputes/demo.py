"""Demo data of the ledger: some 220 disputes across the demo villages over the last four
months, in every status, level, category and source, each taken through its steps by
the real services (``disputes.services``) with the demo users as actors, so that the
permission checks, deadlines, timelines and follow-ups are the ones the portal makes.

Called by ``manage.py seed_demo`` after ``govcenter.demo`` and ``grids.demo``; it looks
the people and places up in the database (by role and area), so it also runs on any
district that has clerks and staff. Each dispute is keyed by its source reference
``DEMO-<n>``: a second run creates nothing. Every dispute's story is drawn from its own
generator, seeded from ``random.Random(2026)``, so the data is the same on every machine
except for the dates, which are counted back from the moment of seeding.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govcenter import feedback
from govcenter.feedback import HowTold, Satisfaction
from govcenter.levels import local_zone
from govcenter.models import Area, Department, Notification, PoliceStation, User
from govcenter.pii import id_check_char
from govcenter.police import police_of
from govcenter.urgent import UrgentReason
from grids.models import Grid, GridMembership, Resident

from . import services as s
from .deadlines import DEFAULT_DAYS, DEFAULT_FOLLOW_UP_DAYS
from .models import DeadlinePolicy, Dispute, FollowUp, FollowUpRule, Level, MediationRecord, Party, PoliceReview

logger = logging.getLogger(__name__)

SEED = 2026
MARKER = "DEMO-"
DAYS_BACK = 120  # the ledger covers about the last four months
RESULTS_AWAITING_DAYS = 5  # results returned more recently still wait to be told to the parties
TOLD_HOW = [HowTold.VISIT, HowTold.PHONE, HowTold.VISIT, HowTold.IN_PERSON, HowTold.PHONE, HowTold.WRITING]
Status, Source, Category = Dispute.Status, Dispute.Source, Dispute.Category
Method, Outcome, Kind = MediationRecord.Method, MediationRecord.Outcome, MediationRecord.MediatorKind
Role = User.Role
DISTRICT_SOURCES = (Source.HOTLINE_12345, Source.POLICE_110, Source.LETTERS_VISITS)

# How many disputes end in which state (a ledger of four months: most closed, a third open).
STORIES = {
    "archived": 60,  # resolved, both follow-up visits stable
    "resolved": 30,  # resolved, follow-up visits still to come
    "not_resolved": 16,  # referred to litigation, arbitration, ...
    "pending": 14,  # awaiting acceptance
    "accepted": 14,
    "mediating": 16,
    "escalated_open": 21,  # escalated one to three levels, handled up there now
    "escalated_resolved": 14,  # resolved at the level it was escalated to
    "feedback_awaiting": 6,  # result returned down, awaiting confirmation
    "feedback_confirmed": 6,
    "feedback_rejected": 3,  # the lower level rejected the result: back up
    "flared": 4,  # a follow-up visit found it flaring again: reopened
    "overdue": 8,  # open, deadline passed (the overdue sweep will act on them)
    "supervised": 3,  # overdue at department level: under supervision (督办)
}

# The department a case goes to from district level, by category.
DEPARTMENT_FOR = {
    Category.NEIGHBOURHOOD: "司法局",
    Category.LAND_BOUNDARY: "自然资源和规划局",
    Category.MARRIAGE_FAMILY: "司法局",
    Category.LABOUR_WAGES: "人力资源和社会保障局",
    Category.DEMOLITION: "住房和城乡建设局",
    Category.RESETTLEMENT: "农业农村局",
    Category.PROPERTY: "住房和城乡建设局",
    Category.CONSUMER: "市场监督管理局",
    Category.TRAFFIC: "司法局",
    Category.MEDICAL: "卫生健康局",
    Category.ONLINE_FRAUD: "司法局",
    Category.OTHER: "信访局",
}

# --- Texts ---------------------------------------------------------------------------------
# Placeholders: {a} applicant, {b} respondent, {co} organisation, {v} village, {g} group
# (村民小组), {n} number of people, {w} amount in 万元, {y} amount in 元.
# Per category: cases as (summary, description, respondent kind, result when resolved), and
# where the parties are referred when it cannot be resolved.

TEXTS: dict[str, dict[str, Any]] = {
    Category.NEIGHBOURHOOD: {
        "cases": [
            ("{a}与{b}因宅基地滴水檐问题发生争执",
             "{v}{g}组村民{a}反映，邻居{b}新建房屋的滴水檐伸入其宅基地上方，雨天积水流入其院内，双方多次争吵，关系紧张。",
             "person", "经调解，{b}同意加装接水槽、改变滴水方向，双方签订调解协议，握手言和。"),
            ("{a}与{b}因共用通道堵塞发生纠纷",
             "{b}在两户共用的通道上堆放建筑材料和柴草，{a}家农用车无法通行，双方发生口角并有推搡。",
             "person", "经调解，{b}三日内清理通道杂物，双方约定共同维护通道畅通。"),
            ("{a}反映邻居{b}饲养家禽噪音及异味扰民",
             "{b}在自家院内饲养鸡鸭二十余只，粪便异味和清晨鸣叫影响{a}一家休息，{a}多次上门交涉未果。",
             "person", "经调解，{b}将禽舍移至屋后并定期清理，{a}表示认可。"),
        ],
        "referral": "litigation",
    },
    Category.LAND_BOUNDARY: {
        "cases": [
            ("{a}与{b}因承包地界址不清发生争执",
             "{a}与{b}的承包地相邻，{b}翻耕时将田埂向{a}一侧移动约半米，{a}认为侵占其承包地，双方各执一词。",
             "person", "经村两委会同镇自然资源所现场勘测，按确权图恢复田埂原址，双方签字确认。"),
            ("{a}与{b}因自留山林木权属发生纠纷",
             "{a}称{b}砍伐的二十余棵杉木位于其自留山范围内，{b}则称该片山林为其祖辈所有，双方均无法提供四至清晰的林权证明。",
             "person", "经调取林权档案并现场指界，确认林木属{a}所有，{b}按市价赔偿{y}元。"),
            ("{a}与{b}因宅基地围墙越界发生争议",
             "{b}翻建围墙时未按原址砌筑，{a}认为围墙越界占用其宅基地约三平方米，要求拆除重建。",
             "person", "经测量确认越界，{b}同意拆除越界部分围墙并按原址重砌。"),
        ],
        "referral": "litigation",
    },
    Category.MARRIAGE_FAMILY: {
        "cases": [
            ("{a}与子女因赡养问题发生纠纷",
             "{a}年逾七旬、独自居住，反映其子女互相推诿，未按约定支付赡养费，生活困难，情绪低落。",
             "person", "经调解，子女签订赡养协议，每人每月支付赡养费600元，并轮流照料老人。"),
            ("{a}与{b}因离婚后抚养费支付发生争执",
             "{a}与{b}前年协议离婚，约定{b}每月支付子女抚养费1500元，{b}已拖欠八个月未付。",
             "person", "经调解，{b}当场补付拖欠的抚养费，并承诺此后按月支付。"),
            ("{a}与{b}兄弟因分家析产发生纠纷",
             "父母去世后，{a}与{b}对老宅及宅基地的分割意见不一，多次发生争吵，影响家庭和睦。",
             "person", "经调解，双方就老宅分割达成一致，签订书面协议，村委会见证。"),
        ],
        "referral": "litigation",
    },
    Category.LABOUR_WAGES: {
        "cases": [
            ("{a}等{n}名农民工反映{co}拖欠工资{w}万元",
             "{a}等{n}名农民工在{co}承建的项目务工，工程完工后该公司以工程款未结清为由拖欠工资共计{w}万元，工人情绪激动。",
             "organisation", "经调解，{co}一次性支付拖欠工资{w}万元，已当场兑付到每位工人。"),
            ("{a}与{co}因工伤赔偿发生纠纷",
             "{a}在{co}务工期间从脚手架跌落致左腿骨折，双方对误工费、护理费和医疗费的赔偿数额分歧较大。",
             "organisation", "经调解，{co}同意支付医疗费、误工费和护理费共计{y}元，分两期付清。"),
            ("{a}反映{co}未签劳动合同即辞退",
             "{a}在{co}工作两年，公司未与其签订书面劳动合同，近日以经营困难为由口头辞退，未支付经济补偿。",
             "organisation", "经劳动保障所参与调解，{co}支付经济补偿{y}元，双方解除劳动关系。"),
        ],
        "referral": "arbitration",
    },
    Category.DEMOLITION: {
        "cases": [
            ("{a}对房屋征收补偿标准有异议",
             "因{v}道路拓宽工程，{a}家房屋列入征收范围，{a}认为评估价格偏低，要求按周边商品房价格补偿，拒绝签订协议。",
             "organisation", "经政策解释和第三方重新评估，{a}认可补偿方案并签订征收补偿协议。"),
            ("{a}等{n}户反映青苗补偿款未足额发放",
             "{v}{g}组土地被征用后，{a}等{n}户反映青苗及地上附着物补偿款少发约{w}万元。",
             "organisation", "经核对补偿清册，补发青苗补偿款{w}万元，当事人表示满意。"),
            ("{a}与{b}因征地补偿款分配发生家庭纠纷",
             "{a}家承包地被征收，补偿款到账后，已出嫁的{b}要求分得相应份额，家庭成员意见不一。",
             "person", "经调解，家庭成员按人口份额分配补偿款，签订分配协议。"),
        ],
        "referral": "admin_reconsideration",
    },
    Category.RESETTLEMENT: {
        "cases": [
            ("{a}反映移民安置房分配不公",
             "{a}系水库移民，认为安置房分配时楼层和朝向的抽签程序不公开，要求重新分配。",
             "organisation", "经村委会公开抽签复核，程序无误，{a}表示理解。"),
            ("{a}与{b}因祖坟迁移发生争执",
             "{b}在承包地内平整土地时要求迁移{a}家祖坟，{a}认为有违习俗，双方情绪激动。",
             "person", "经乡贤参与调解，双方尊重习俗、各退一步，约定择日迁坟并由{b}承担费用。"),
            ("{a}与{b}因办丧事占道搭棚发生纠纷",
             "{b}家办理丧事在村道上搭建灵棚三日，{a}认为影响通行和经营，双方发生争吵。",
             "person", "经调解，{b}向{a}致歉并缩小灵棚占道范围，双方和好。"),
        ],
        "referral": "letters_visits",
    },
    Category.PROPERTY: {
        "cases": [
            ("业主{a}与{co}因物业费及服务质量发生纠纷",
             "{a}认为小区电梯长期故障、垃圾清运不及时，拒交物业费两年，{co}要求社区协助催缴。",
             "organisation", "经调解，{co}限期维修电梯并减免部分物业费，{a}补缴剩余费用。"),
            ("{a}反映楼上住户{b}装修致其房屋渗水",
             "{b}装修时破坏卫生间防水层，导致{a}家天花板大面积渗水、墙面发霉，双方对维修费用承担有争议。",
             "person", "经调解，{b}承担维修费用{y}元并重做防水，双方和解。"),
            ("{a}等{n}户业主与{co}因停车收费发生争执",
             "{co}上调地面停车位管理费，{a}等{n}户业主认为未经业主大会表决，拒绝缴纳并阻拦道闸。",
             "organisation", "经社区协调，{co}暂缓调价，待业主大会表决后执行。"),
        ],
        "referral": "litigation",
    },
    Category.CONSUMER: {
        "cases": [
            ("{a}与{co}因预付卡退费发生纠纷",
             "{a}在{co}办理预付卡充值{y}元，该店停业后拒绝退还余额。",
             "organisation", "经市场监管所参与调解，{co}退还卡内余额。"),
            ("{a}反映在{co}购买的电动车存在质量问题",
             "{a}在{co}购买电动自行车，使用一个月后电池鼓包无法充电，商家以人为损坏为由拒绝退换。",
             "organisation", "经调解，{co}为{a}更换新电池并延长保修一年。"),
            ("{a}与{co}因农资质量问题发生纠纷",
             "{a}在{co}购买的稻种出苗率不足五成，造成约{y}元损失，要求赔偿。",
             "organisation", "经农技人员现场鉴定，{co}赔偿{a}种子款及补种费用。"),
        ],
        "referral": "litigation",
    },
    Category.TRAFFIC: {
        "cases": [
            ("{a}与{b}因交通事故赔偿发生争议",
             "{b}驾驶三轮车与{a}的电动车在村道交叉口相撞，{a}受轻伤，双方对责任划分及医疗费赔偿意见不一。",
             "person", "经警调联动调解，{b}一次性赔偿{a}医疗费、误工费共计{y}元。"),
            ("{a}与{b}因车辆刮擦修理费发生纠纷",
             "{b}倒车时刮擦{a}停放在路边的小轿车，双方对修理费金额存在争议。",
             "person", "经调解，{b}按定损金额承担修理费，双方和解。"),
            ("{a}与{co}因交通事故理赔发生纠纷",
             "{a}在上班途中被货车撞伤，肇事车辆投保的{co}对误工费认定有异议，迟迟未予理赔。",
             "organisation", "经调解，{co}按定损结论赔付{y}元，已到账。"),
        ],
        "referral": "litigation",
    },
    Category.MEDICAL: {
        "cases": [
            ("{a}家属与{co}因术后感染发生医疗纠纷",
             "{a}在{co}接受阑尾切除手术后出现切口感染，家属认为医院处置不当，要求赔偿并多次到医院讨要说法。",
             "organisation", "经医调委调解，{co}承担部分医疗费用{y}元，家属不再到医院聚集。"),
            ("{a}与{co}因输液后不良反应发生纠纷",
             "{a}在{co}输液后出现过敏反应，住院治疗一周，要求{co}承担全部医疗费用。",
             "organisation", "经调解，{co}减免住院费用{y}元，{a}表示接受。"),
            ("{a}对{co}住院收费有异议",
             "{a}认为{co}的住院收费清单中存在重复收费项目，要求退还相关费用。",
             "organisation", "经核查，{co}退还重复收取的费用{y}元并致歉。"),
        ],
        "referral": "litigation",
    },
    Category.ONLINE_FRAUD: {
        "cases": [
            ("{a}参与网络刷单被骗{y}元，与介绍人{b}发生纠纷",
             "{a}经{b}介绍参与网络刷单，被骗{y}元，要求{b}承担损失，双方发生争执。{a}已向派出所报案。",
             "person", "诈骗案件已由派出所立案侦查；经调解，{b}自愿补偿{a}部分损失，双方不再争执。"),
            ("{a}遭遇虚假客服退款诈骗，家属情绪激动",
             "{a}接到自称电商平台客服的电话，按对方要求操作后被转走{y}元，家属担心老人身体状况，要求村里帮助追回。",
             "person", "已协助报案并冻结部分涉案资金；社区民警和网格员上门开展反诈宣传和心理疏导，家属情绪平稳。"),
            ("{a}与{b}因代办网络贷款被骗引发纠纷",
             "{b}介绍{a}通过网络平台办理贷款，{a}缴纳“保证金”{y}元后对方失联，{a}要求{b}退还。",
             "person", "经调解，{b}退还介绍费并协助{a}向警方提供线索，双方和解。"),
        ],
        "referral": "litigation",
    },
    Category.OTHER: {
        "cases": [
            ("{a}与{b}因借款归还发生纠纷",
             "{b}向{a}借款{y}元用于建房，约定一年内归还，逾期两年未还，{a}多次催讨无果。",
             "person", "经调解，{b}同意分三期归还借款，双方签订还款协议。"),
            ("{a}反映{co}夜间施工噪音扰民",
             "{co}在{v}附近施工，夜间施工噪音影响周边居民休息，{a}代表{n}户居民反映。",
             "organisation", "经协调，{co}调整施工时间，夜间22时后停止施工。"),
            ("{a}与{b}因合伙养殖收益分配发生争执",
             "{a}与{b}合伙承包鱼塘养殖，年底结算时对投入和收益的分配存在分歧。",
             "person", "经调解，双方核对账目后按出资比例分配收益，签订结算协议。"),
        ],
        "referral": "litigation",
    },
}  # fmt: skip

ORGANISATIONS = {
    Category.LABOUR_WAGES: [
        "清溪宏达建筑工程有限公司",
        "桃源鑫诚建设有限公司",
        "清溪某装饰工程有限公司",
        "青山绿源竹木制品厂",
    ],
    Category.DEMOLITION: ["{t}征迁工作组", "{v}村民委员会"],
    Category.RESETTLEMENT: ["{v}村民委员会"],
    Category.PROPERTY: ["清溪锦绣物业服务有限公司", "桃源安居物业管理有限公司"],
    Category.CONSUMER: ["{v}惠民超市", "清溪某健身会所", "桃源农资经营部", "青山某电动车专卖店"],
    Category.TRAFFIC: ["某财产保险股份有限公司清溪支公司"],
    Category.MEDICAL: ["清溪区第二人民医院", "{t}卫生院", "清溪某民营口腔诊所"],
    Category.OTHER: ["清溪路桥建设有限公司", "清溪某混凝土有限公司"],
}

MEDIATION_NOTES = {
    Outcome.AGREEMENT: [
        "组织双方面对面调解，调解员释法说理，双方达成一致并签订调解协议。",
        "现场查看后分别做双方工作，双方各退一步，当场达成协议。",
    ],
    Outcome.PARTIAL: [
        "双方就主要事实达成共识，但赔偿金额仍有分歧，约定下周再调。",
        "当事人同意部分方案，其余事项待补充材料后再议。",
    ],
    Outcome.FAILED: [
        "双方分歧较大，情绪激动，未能达成一致。",
        "被申请人未到场，电话沟通后仍拒绝调解。",
        "双方各执一词，均不接受调解方案。",
    ],
}
ESCALATION_REASONS = {
    Level.VILLAGE: [
        "经村级多次调解未果，涉及权属认定，本级无法化解，申请镇（乡）协调。",
        "当事人情绪激动，涉及金额较大，村级无法化解。",
    ],
    Level.TOWNSHIP: [
        "涉及多个部门职责，镇（乡）级无法化解，提请区矛调中心协调。",
        "经镇综治中心两次调解未果，需区级统筹处理。",
    ],
    Level.DISTRICT: ["需职能部门依法处理，交办主管部门。", "涉及行政执法事项，转职能部门办理。"],
}
POLICE_OPINIONS = [  # (opinion, flags a risk of turning criminal, verdict)
    ("经核查，双方无违法犯罪行为，建议属地继续调解。", False, "no_police_matter"),
    ("已对当事人进行法治教育，告知其不得采取过激行为，社区民警将参与后续调解。", False, "joint_mediation"),
    ("双方多次发生肢体冲突，存在民转刑风险，已落实专人盯防并纳入重点关注。", True, "police_intervene"),
]
FOLLOW_UP_NOTES = [
    "电话回访，当事人表示协议已履行，关系缓和。",
    "上门回访，双方未再发生争执，矛盾已化解。",
    "网格员入户回访，申请人对处理结果表示满意。",
]
FLARED_NOTES = ["回访发现双方再次因同一问题发生争吵，矛盾反弹。", "回访时被申请人未按协议履行，申请人情绪激动。"]
FEEDBACK_RESULTS = {
    Level.TOWNSHIP: "经镇（乡）综治中心协调，双方达成一致，请村里跟进落实协议履行。",
    Level.DISTRICT: "经区矛调中心组织联合调解，双方达成一致，请属地跟进落实并做好稳控。",
    Level.DEPARTMENT: "主管部门已依法作出处理意见，请区矛调中心和属地做好解释和稳控工作。",
}
REJECT_REASONS = ["当事人不认可处理意见，矛盾仍未化解，请上级继续协调。"]
NOT_RESOLVED_REASONS = {
    "litigation": "双方对赔偿数额分歧过大，经多次调解未能达成一致，已引导当事人通过诉讼途径解决。",
    "arbitration": "用人单位拒绝调解，已引导劳动者申请劳动人事争议仲裁，并协助准备材料。",
    "admin_reconsideration": "当事人对补偿决定不服，已告知其申请行政复议的途径和期限。",
    "letters_visits": "当事人坚持向上反映，已引导其依法通过信访渠道反映诉求。",
}

SURNAMES = "王李张陈刘杨黄赵吴周徐孙朱胡郑何金沈叶楼俞方应章蒋"
GIVEN_M = "建国 德明 福生 志强 建华 海波 志刚 卫东 立新 国华 永康 俊杰 振华 浩然 宇航 一鸣 家乐 明轩".split()
GIVEN_F = "秀英 桂英 玉兰 美娟 丽娟 海燕 春燕 晓红 丽萍 美玲 雪芳 欣怡 梓涵 佳怡 思雨 雨桐".split()


# --- Who and where ------------------------------------------------------------------------


@dataclass
class Cast:
    """The demo district's people and places, looked up once."""

    district: Area
    villages: list[Area]
    township_of: dict[int, Area]
    clerk: dict[int, User]  # village pk -> clerk
    township_staff: dict[int, User]  # township pk -> staff
    district_staff: User
    grids_of: dict[int, list[Grid]] = field(default_factory=dict)  # village pk -> grids
    workers: dict[int, list[User]] = field(default_factory=dict)  # grid pk -> grid workers
    police: dict[int, User] = field(default_factory=dict)  # grid pk -> community police officer
    station_staff: dict[int, User] = field(default_factory=dict)  # village pk -> station staff
    departments: dict[str, Department] = field(default_factory=dict)  # name -> department with staff
    dept_staff: dict[int, User] = field(default_factory=dict)  # department pk -> staff
    residents: dict[int, list[Resident]] = field(default_factory=dict)  # grid pk -> adult residents


def _ctx_get(ctx: Any, name: str) -> Any:
    if ctx is None:
        return None
    if isinstance(ctx, Mapping):
        return ctx.get(name)
    return getattr(ctx, name, None)


def _first_by_key(users, key) -> dict:
    out: dict = {}
    for u in users:
        out.setdefault(key(u), u)
    return out


def build_cast(ctx: Any = None) -> Cast | None:
    """Everyone the stories need, from the database (ctx only names the district).

    Users are fetched afresh rather than taken from ctx, so that each carries a
    jurisdiction computed from the grid teams as they are now.
    """
    district = _ctx_get(ctx, "district")
    if district is None:
        staff = User.objects.filter(username="district1").select_related("area").first()
        district = staff.area if staff else None
    if district is None:
        return None
    area_users = User.objects.filter(is_active=True).select_related("area").order_by("username")
    district_staff = area_users.filter(role=Role.DISTRICT_STAFF, area=district).first()
    if district_staff is None:
        return None
    townships = {a.code: a for a in Area.objects.filter(level=Area.Level.TOWNSHIP, path__startswith=district.path)}
    villages_all = list(Area.objects.filter(level=Area.Level.VILLAGE, path__startswith=district.path).order_by("code"))
    clerk = _first_by_key(area_users.filter(role=Role.VILLAGE_CLERK, area__in=villages_all), lambda u: u.area_id)
    township_staff = _first_by_key(
        area_users.filter(role=Role.TOWNSHIP_STAFF, area__in=list(townships.values())), lambda u: u.area_id
    )
    villages = [
        v
        for v in villages_all
        if v.pk in clerk
        and townships.get(Area.parent_code_of(v.code))
        and townships[Area.parent_code_of(v.code)].pk in township_staff
    ]
    if not villages:
        return None
    cast = Cast(
        district=district,
        villages=villages,
        township_of={v.pk: townships[Area.parent_code_of(v.code)] for v in villages},
        clerk=clerk,
        township_staff=township_staff,
        district_staff=district_staff,
    )
    for grid in Grid.objects.filter(village__in=villages).order_by("code"):
        cast.grids_of.setdefault(grid.village_id, []).append(grid)
    memberships = (
        GridMembership.objects.filter(grid__village__in=villages, ended_on__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("grid__code", "user__username")
    )
    for m in memberships:
        if m.duty == GridMembership.Duty.GRID_WORKER and m.user.role == Role.GRID_WORKER:
            cast.workers.setdefault(m.grid_id, []).append(m.user)
        elif m.duty == GridMembership.Duty.COMMUNITY_POLICE and m.user.role == Role.COMMUNITY_POLICE:
            cast.police.setdefault(m.grid_id, m.user)
    # One user object per person: its jurisdiction is computed once and cached on it.
    people = {u.pk: u for u in [*cast.clerk.values(), *cast.township_staff.values(), district_staff]}
    for grid_pk, workers in cast.workers.items():
        cast.workers[grid_pk] = [people.setdefault(u.pk, u) for u in workers]
    station_staff = _first_by_key(
        User.objects.filter(is_active=True, role=Role.STATION_STAFF, police_station__isnull=False).order_by("username"),
        lambda u: u.police_station_id,
    )
    for station in PoliceStation.objects.filter(district=district).prefetch_related("villages"):
        if station.pk in station_staff:
            for v in station.villages.all():
                cast.station_staff.setdefault(v.pk, station_staff[station.pk])
    dept_staff = _first_by_key(
        User.objects.filter(
            is_active=True, role=Role.DEPARTMENT_STAFF, department__district=district, department__is_active=True
        )
        .select_related("department")
        .order_by("username"),
        lambda u: u.department_id,
    )
    for u in dept_staff.values():
        cast.departments[u.department.name] = u.department
        cast.dept_staff[u.department_id] = u
    adults_born_before = datetime.date(2004, 1, 1)
    for r in Resident.objects.filter(grid__village__in=villages, birth_date__lt=adults_born_before).order_by(
        "grid_id", "pk"
    ):
        listed = cast.residents.setdefault(r.grid_id, [])
        if len(listed) < 8:
            listed.append(r)
    return cast


# --- The time line of one dispute ------------------------------------------------------------


class OutOfTime(Exception):
    """The next step would lie in the future: the story stops where it is."""


class Clock:
    """Times of one dispute's steps: office hours, one after another, never after ``limit``."""

    def __init__(self, rng: random.Random, start: datetime.datetime, limit: datetime.datetime):
        self.rng, self.t, self.limit = rng, start, limit

    @staticmethod
    def daytime(rng: random.Random, day: datetime.date) -> datetime.datetime:
        start = datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=local_zone())
        return start + datetime.timedelta(minutes=rng.randrange(0, 9 * 60))

    def later(self, days: int = 0) -> datetime.datetime:
        """Later the same working day (or the next morning), or ``days`` days later."""
        if days <= 0:
            t = self.t + datetime.timedelta(minutes=self.rng.randint(20, 240))
            local = t.astimezone(local_zone())
            if local.hour >= 18 or local.date() != self.t.astimezone(local_zone()).date():
                days = 1
        if days > 0:
            t = self.daytime(self.rng, self.t.astimezone(local_zone()).date() + datetime.timedelta(days=days))
        if t > self.limit and self.t < self.limit - datetime.timedelta(minutes=30):
            # Running late: squeeze the step in between the last one and now.
            t = self.t + (self.limit - self.t) * self.rng.uniform(0.2, 0.5)
        return self.set(t)

    def on(self, day: datetime.date) -> datetime.datetime:
        t = self.daytime(self.rng, day)
        return self.set(max(t, self.t + datetime.timedelta(minutes=self.rng.randint(20, 90))))

    def after(self, moment: datetime.datetime, minutes: tuple[int, int] = (3, 12)) -> datetime.datetime:
        """Shortly after ``moment`` (the overdue sweep runs every ten minutes)."""
        return self.set(max(self.t, moment) + datetime.timedelta(minutes=self.rng.randint(*minutes)))

    def set(self, t: datetime.datetime) -> datetime.datetime:
        """Move to ``t``; OutOfTime if it lies after ``limit`` (follow-up visits before they
        are due, or the sweep before the deadline passed, would be wrong, not just late)."""
        if t > self.limit:
            raise OutOfTime
        self.t = t
        return t

    @property
    def today(self) -> datetime.date:
        return self.t.astimezone(local_zone()).date()


# --- Plans ------------------------------------------------------------------------------------


@dataclass
class Plan:
    n: int
    story: str
    category: str
    village: Area
    start: str  # the level that handles it first: village, township or district
    top: str  # the highest level it reaches
    risk: str
    ops: list[tuple[str, int, dict]] = field(default_factory=list)  # (step, days after the previous, options)
    slack: int = 0  # days between the last step and now
    registered_at: datetime.datetime | None = None

    @property
    def reference(self) -> str:
        return f"{MARKER}{self.n:04d}"


LEVELS = [Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT, Level.DEPARTMENT]


def _policy_days() -> dict[tuple[str, str], tuple[int, str]]:
    days = {key: (n, DeadlinePolicy.DayKind.WORKING) for key, n in DEFAULT_DAYS.items()}
    days.update({(p.risk_level, p.level): (p.days, p.day_kind) for p in DeadlinePolicy.objects.all()})
    return days


def _calendar_days(policy, risk: str, level: str) -> int:
    """About how many calendar days a level has (working days stretch over weekends)."""
    n, kind = policy[(risk, level)]
    return n if kind == DeadlinePolicy.DayKind.CALENDAR else n * 7 // 5 + 2


def _work_at_level(rng: random.Random, *, end: str, level: str, first: bool) -> list[tuple[str, int, dict]]:
    """The steps at one level: accept, perhaps a handler, mediation, and how it ends there:
    "escalate", "auto" (the sweep escalates it when overdue), "resolve", "close",
    "feedback", or an open state ("registered", "accepted", "mediating")."""
    ops: list[tuple[str, int, dict]] = []
    if end == "registered":
        return ops
    ops.append(("accept", rng.choice([0, 0, 1]), {}))
    if level == Level.VILLAGE and rng.random() < 0.35:
        ops.append(("assign", 0, {}))
    if end == "accepted":
        return ops
    if end == "auto":
        if rng.random() < 0.5:
            ops.append(("mediate", rng.randint(1, 3), {"outcome": Outcome.FAILED}))
        ops.append(("auto_escalate", 0, {}))
        return ops
    sessions = rng.choice([1, 1, 1, 2]) if end in ("resolve", "feedback") else rng.choice([1, 2, 2])
    for i in range(sessions):
        last = i == sessions - 1
        if end in ("resolve", "feedback"):
            outcome = Outcome.AGREEMENT if last else Outcome.PARTIAL
        elif end == "mediating":
            outcome = rng.choice([Outcome.PARTIAL, Outcome.FAILED])
        else:  # escalate, close
            outcome = Outcome.FAILED
        ops.append(("mediate", rng.randint(1, 4) if i or not first else rng.randint(0, 3), {"outcome": outcome}))
    if end == "mediating":
        return ops
    ops.append((end, rng.randint(0, 2), {}))
    return ops


def _climb(rng: random.Random, start: str, top: str, *, top_end: str) -> list[tuple[str, int, dict]]:
    """From ``start`` up to ``top`` by escalation, then ``top_end`` at the top."""
    ops: list[tuple[str, int, dict]] = []
    i = LEVELS.index(start)
    while LEVELS[i] != top:
        end = "auto" if rng.random() < 0.25 else "escalate"
        ops += _work_at_level(rng, end=end, level=LEVELS[i], first=i == LEVELS.index(start))
        i += 1
    ops += _work_at_level(rng, end=top_end, level=top, first=top == start)
    return ops


def _follow_ups(rng: random.Random, rule_days: list[int], count: int, finding_last: str = "stable") -> list:
    ops = []
    for k in range(count):
        finding = finding_last if k == count - 1 else "stable"
        gap = rule_days[k] - (rule_days[k - 1] if k else 0)
        ops.append(("follow_up", gap + rng.randint(0, 2), {"finding": finding}))
    return ops


def _start_for(rng: random.Random, top: str, climbs: bool) -> str:
    """Where handling starts, given the highest level the case must reach."""
    if not climbs:
        return (
            rng.choices([Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT], weights=[78, 16, 6])[0] if top is None else top
        )
    below = LEVELS[: LEVELS.index(top)]
    below = [lv for lv in below if lv != Level.DEPARTMENT]
    weights = {Level.VILLAGE: 70, Level.TOWNSHIP: 22, Level.DISTRICT: 8}
    return rng.choices(below, weights=[weights[lv] for lv in below])[0]


def make_plans(cast: Cast, now: datetime.datetime) -> list[Plan]:
    """Every dispute's story, drawn from random.Random(2026) and one generator per dispute."""
    rng = random.Random(SEED)
    rule_days = sorted(FollowUpRule.objects.values_list("days_after", flat=True)) or list(DEFAULT_FOLLOW_UP_DAYS)
    rule_days = (rule_days + [rule_days[-1] + 23])[:2]
    policy = _policy_days()

    stories = [name for name, count in STORIES.items() for _ in range(count)]
    categories = [c for c in Category.values for _ in range(-(-len(stories) // len(Category.values)))][: len(stories)]
    rng.shuffle(stories)
    rng.shuffle(categories)
    # The first villages (the documented logins' village1 and village2) get more cases.
    weights = [6 if i == 0 else 3 if i < 3 else 2 for i in range(len(cast.villages))]
    villages = rng.choices(cast.villages, weights=weights, k=len(stories))

    plans = []
    for n, (story, category, village) in enumerate(zip(stories, categories, villages, strict=True), start=1):
        r = random.Random(f"{SEED}:dispute:{n}")
        risk = r.choices(["general", "significant", "major"], weights=[65, 25, 10])[0]
        if story in ("overdue", "supervised", "escalated_open", "escalated_resolved") and r.random() < 0.5:
            risk = r.choice(["significant", "major"])
        plan = Plan(
            n=n, story=story, category=category, village=village, start=Level.VILLAGE, top=Level.VILLAGE, risk=risk
        )
        _draw_story(plan, r, rule_days, policy, cast)
        plans.append(plan)
    return plans


def _draw_story(plan: Plan, r: random.Random, rule_days: list[int], policy, cast: Cast) -> None:
    story = plan.story
    upper_levels = [Level.TOWNSHIP, Level.DISTRICT] + ([Level.DEPARTMENT] if cast.departments else [])
    if story in ("archived", "resolved", "not_resolved", "pending", "accepted", "mediating", "flared"):
        plan.start = plan.top = _start_for(r, None, climbs=False)
        end = {"archived": "resolve", "resolved": "resolve", "not_resolved": "close", "pending": "registered",
               "accepted": "accepted", "mediating": "mediating", "flared": "resolve"}[story]  # fmt: skip
        if story in ("archived", "not_resolved") and r.random() < 0.15:  # closed one level up
            plan.top = Level.TOWNSHIP if plan.start == Level.VILLAGE else plan.start
            plan.start = Level.VILLAGE
            plan.ops = _climb(r, plan.start, plan.top, top_end=end)
        else:
            plan.ops = _work_at_level(r, end=end, level=plan.start, first=True)
        if story == "archived":
            plan.ops += _follow_ups(r, rule_days, 2)
            plan.slack = r.randint(0, 75)
        elif story == "resolved":
            visits = r.choice([0, 1, 1])
            plan.ops += _follow_ups(r, rule_days, visits)
            plan.slack = r.randint(0, 6) if visits == 0 else r.randint(0, max(0, rule_days[1] - rule_days[0] - 6))
        elif story == "flared":
            plan.ops += _follow_ups(r, rule_days, 1, finding_last="flared")
            if r.random() < 0.5:
                plan.ops.append(("mediate", r.randint(1, 2), {"outcome": Outcome.PARTIAL}))
            plan.slack = r.randint(0, 1)
        elif story == "not_resolved":
            plan.slack = r.randint(0, 100)
        else:
            plan.slack = r.randint(0, 1)
    elif story in ("escalated_open", "escalated_resolved"):
        plan.top = r.choices(upper_levels, weights=[50, 30, 20][: len(upper_levels)])[0]
        plan.start = _start_for(r, plan.top, climbs=True)
        end = r.choice(["registered", "accepted", "mediating"]) if story == "escalated_open" else "resolve"
        plan.ops = _climb(r, plan.start, plan.top, top_end=end)
        if story == "escalated_resolved" and r.random() < 0.6:
            plan.ops += _follow_ups(r, rule_days, 2)
            plan.slack = r.randint(0, 20)
        else:
            plan.slack = r.randint(0, 1)
    elif story.startswith("feedback_"):
        plan.top = r.choices(upper_levels, weights=[50, 30, 20][: len(upper_levels)])[0]
        plan.start = _start_for(r, plan.top, climbs=True)
        plan.ops = _climb(r, plan.start, plan.top, top_end="feedback")
        if story == "feedback_confirmed":
            plan.ops.append(("confirm", r.randint(0, 2), {}))
            if r.random() < 0.5:
                plan.ops += _follow_ups(r, rule_days, 2)
            plan.slack = r.randint(0, 15)
        elif story == "feedback_rejected":
            plan.ops.append(("reject", r.randint(0, 2), {}))
            if r.random() < 0.5:  # the upper level mediates again
                plan.ops.append(("mediate", r.randint(0, 1), {"outcome": Outcome.PARTIAL}))
            plan.slack = r.randint(0, 1)
    elif story == "overdue":
        plan.top = r.choice([Level.VILLAGE, Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT])
        plan.start = Level.VILLAGE if plan.top != Level.DISTRICT else r.choice([Level.TOWNSHIP, Level.DISTRICT])
        end = r.choice(["registered", "accepted", "mediating"])
        plan.ops = _climb(r, plan.start, plan.top, top_end=end)
        # Left untouched past the deadline of the level it is at now.
        plan.slack = _calendar_days(policy, plan.risk, plan.top) + r.randint(2, 6)
    elif story == "supervised" and cast.departments:
        plan.top = Level.DEPARTMENT
        plan.start = r.choice([Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT])
        plan.ops = _climb(r, plan.start, Level.DEPARTMENT, top_end=r.choice(["accepted", "mediating"]))
        plan.ops.append(("supervise", 0, {}))
        plan.slack = r.randint(0, 2)
    else:  # supervised without departments: an overdue case at district level
        plan.story, plan.start, plan.top = "overdue", Level.DISTRICT, Level.DISTRICT
        plan.ops = _work_at_level(r, end="accepted", level=Level.DISTRICT, first=True)
        plan.slack = _calendar_days(policy, plan.risk, Level.DISTRICT) + r.randint(2, 6)

    # Police opinions on one case in five (the station of the village; flags some as risky).
    if r.random() < 0.2 and plan.village.pk in cast.station_staff:
        closing = next((i for i, op in enumerate(plan.ops) if op[0] in ("resolve", "close", "feedback")), len(plan.ops))
        at = r.randint(0, closing)
        opinion, flag, verdict = r.choice(POLICE_OPINIONS)
        plan.ops.insert(at, ("police", 0, {"opinion": opinion, "flag": flag, "verdict": verdict}))


def _span(plan: Plan, policy) -> int:
    """About how many days the plan's steps take, to start it early enough."""
    days = 0.0
    level = plan.start
    for op, d, _opts in plan.ops:
        days += d if d else 0.5  # a step "later the same day" may fall on the next morning
        if op == "follow_up":
            days += 2  # visits are made up to two days after they are due
        if op in ("escalate", "auto_escalate"):
            if op == "auto_escalate":
                days += _calendar_days(policy, plan.risk, level)
            level = LEVELS[LEVELS.index(level) + 1]
        elif op == "supervise":
            days += _calendar_days(policy, plan.risk, Level.DEPARTMENT)
    return int(days) + 1


# --- Running a plan through the services ---------------------------------------------------------


class Seeder:
    def __init__(self, cast: Cast, now: datetime.datetime):
        self.cast = cast
        self.now = now
        self.limit = now - datetime.timedelta(minutes=2)
        self.policy = _policy_days()
        self.used_ids: set[str] = set()
        self.last_notification = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        self.cut_short = 0
        self.rosters: dict[tuple, list[str]] = {}

    def registration_time(self, plan: Plan) -> datetime.datetime:
        """Counted back from now by the plan's length, so that its last step lands before now."""
        r = random.Random(f"{SEED}:registered:{plan.n}")
        age = min(DAYS_BACK, _span(plan, self.policy) + plan.slack)
        t0 = Clock.daytime(r, self.now.astimezone(local_zone()).date() - datetime.timedelta(days=age))
        if t0 > self.limit:
            t0 = self.limit - datetime.timedelta(minutes=r.randint(30, 180))
        return t0

    # -- people and words

    def person(self, r: random.Random, *, with_id: bool) -> tuple[str, str, str]:
        gender = r.choice("MF")
        name = r.choice(SURNAMES) + r.choice(GIVEN_M if gender == "M" else GIVEN_F)
        id_number = ""
        if with_id:
            while True:
                born = datetime.date(r.randint(1950, 2000), r.randint(1, 12), r.randint(1, 28))
                order = r.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
                first17 = f"{self.cast.district.district_code}{born:%Y%m%d}{order:03d}"
                if first17 not in self.used_ids:
                    self.used_ids.add(first17)
                    id_number = first17 + id_check_char(first17)
                    break
        phone = (
            r.choice(["138", "139", "137", "135", "158", "159", "188", "189", "131", "133"])
            + f"{r.randrange(10**8):08d}"
        )
        return name, id_number, phone

    def parties(
        self, r: random.Random, plan: Plan, grid: Grid | None, kind: str, group: str, co: str
    ) -> list[s.PartyData]:
        """Applicant (sometimes a resident on record, sometimes the first of a group),
        respondent (a person or ``co``), now and then a third party."""
        village = plan.village
        residents = self.cast.residents.get(grid.pk, []) if grid else []
        if residents and not group and r.random() < 0.35:
            resident = r.choice(residents)
            applicant = s.PartyData(
                role=Party.Role.APPLICANT, name=resident.name, id_number=resident.reveal_id_number(),
                phone=resident.phone, address=resident.address, resident=resident,
            )  # fmt: skip
        else:
            name, id_number, phone = self.person(r, with_id=r.random() < 0.6)
            applicant = s.PartyData(
                role=Party.Role.APPLICANT, name=name + group, id_number=id_number,
                phone=phone if r.random() < 0.85 else "", address=f"{village.name}{r.randint(1, 8)}组{r.randint(1, 60)}号",
            )  # fmt: skip
        if kind == "organisation":
            respondent = s.PartyData(role=Party.Role.RESPONDENT, name=co, kind=Party.Kind.ORGANISATION)
        else:
            name, id_number, phone = self.person(r, with_id=r.random() < 0.4)
            respondent = s.PartyData(
                role=Party.Role.RESPONDENT, name=name, id_number=id_number, phone=phone if r.random() < 0.6 else "",
                address=f"{village.name}{r.randint(1, 8)}组{r.randint(1, 60)}号",
            )  # fmt: skip
        parties = [applicant, respondent]
        if r.random() < 0.08:
            parties.append(s.PartyData(role=Party.Role.OTHER, name=self.person(r, with_id=False)[0]))
        return parties

    def roster(self, d: Dispute) -> list[str]:
        """The mediators of the centre handling ``d``: the same few names come back."""
        key = (
            d.level,
            d.village_id
            if d.level == Level.VILLAGE
            else d.township_id
            if d.level == Level.TOWNSHIP
            else d.department_id,
        )
        if key not in self.rosters:
            r = random.Random(f"{SEED}:roster:{key}")
            self.rosters[key] = list(dict.fromkeys(self.person(r, with_id=False)[0] for _ in range(6)))[:5]
        return self.rosters[key]

    # -- actors

    def staff(self, d: Dispute, level: str | None = None) -> User | None:
        level = level or d.level
        if level == Level.VILLAGE:
            return self.cast.clerk.get(d.village_id)
        if level == Level.TOWNSHIP:
            return self.cast.township_staff.get(d.township_id)
        if level == Level.DISTRICT:
            return self.cast.district_staff
        return self.cast.dept_staff.get(d.department_id)

    def worker(self, d: Dispute) -> User | None:
        workers = self.cast.workers.get(d.grid_id or 0)
        return workers[0] if workers else None

    def tell_parties(self, d: Dispute, *, at: datetime.datetime, satisfaction: str = "") -> None:
        """The origin tells the parties the returned result (the grid worker or the village
        clerk at village level). Mostly satisfied, some basically: drawn from the number."""
        seq = int(d.number.rsplit("-", 1)[-1])
        worker = self.worker(d) if d.origin_level == Level.VILLAGE else None
        actor = worker if worker is not None and seq % 2 else self.staff(d, d.origin_level)
        if actor is None:
            return
        s.dispute_tell_parties(
            dispute=d, actor=actor, at=at, how=TOLD_HOW[seq % len(TOLD_HOW)],
            satisfaction=satisfaction or (Satisfaction.BASICALLY if seq % 10 >= 7 else Satisfaction.SATISFIED),
            note="已电话回访双方当事人。" if seq % 3 == 0 else "",
        )  # fmt: skip
        self._backdate(at)

    # -- one dispute

    def run(self, plan: Plan) -> Dispute | None:
        r = random.Random(f"{SEED}:steps:{plan.n}")
        cast = self.cast
        village = plan.village
        township = cast.township_of[village.pk]
        grids = cast.grids_of.get(village.pk, [])
        grid = r.choice(grids) if grids else None

        # Where and by whom it is registered.
        source = self._source(r, plan, grid)
        divert_to = None
        if plan.start == Level.VILLAGE:
            if source == Source.GRID_INSPECTION:
                actor, place = cast.workers[grid.pk][0], {"grid": grid}
            elif source in DISTRICT_SOURCES:
                actor, place, divert_to = cast.district_staff, {"village": village}, Level.VILLAGE
            else:
                actor, place = cast.clerk[village.pk], {"village": village, "grid": grid}
        elif plan.start == Level.TOWNSHIP:
            if source in DISTRICT_SOURCES:
                actor, place, divert_to = cast.district_staff, {"village": village}, Level.TOWNSHIP
            else:
                actor, place = cast.township_staff[township.pk], {"village": village}
        else:
            actor, place = cast.district_staff, {"village": village} if r.random() < 0.8 else {"township": township}

        summary_t, description_t, kind, result_t = r.choice(TEXTS[plan.category]["cases"])
        orgs = ORGANISATIONS.get(plan.category) or ORGANISATIONS[Category.OTHER]
        co = r.choice(orgs).format(v=village.name, t=township.name)
        group = r.randint(3, 26) if "{n}" in summary_t else 0
        unit = "户" if "{n}户" in summary_t else "人"
        parties = self.parties(r, plan, grid, kind, f"等{group}{unit}" if group else "", co)
        words = self._words(r, plan, parties, co, group)
        summary = summary_t.format(**words)[:200]
        description = description_t.format(**words)
        words["result"] = result_t.format(**words)
        if source == Source.HOTLINE_12345:
            description += f"（12345热线工单号：{r.randint(2026000000, 2026999999)}）"
        elif source == Source.POLICE_110:
            description += "（110接警后移交属地调处）"
        elif source == Source.LETTERS_VISITS:
            description += "（区信访局转交）"
        elif source == Source.REFERRAL:
            description += r.choice(["（区人民法院诉前调解委托）", "（派出所移交）", "（镇司法所转交）"])

        t0 = plan.registered_at or self.registration_time(plan)
        clock = Clock(r, t0, self.limit)
        occurred_on = t0.astimezone(local_zone()).date() - datetime.timedelta(days=r.choice([0, 0, 1, 2, 3, 7, 15]))

        mass = plan.category in (Category.LABOUR_WAGES, Category.DEMOLITION) and r.random() < 0.3
        vulnerable = plan.category in (Category.MARRIAGE_FAMILY, Category.ONLINE_FRAUD) and r.random() < 0.4
        d = s.dispute_register(
            actor=actor, at=t0, source=source, category=plan.category, summary=summary, description=description,
            occurred_on=occurred_on, parties=parties, risk_level=plan.risk,
            risk_criminal=r.random() < 0.04, risk_mass_incident=mass or r.random() < 0.02,
            vulnerable_party=vulnerable or r.random() < 0.05,
            people_involved=group if group and unit == "人" else None,  # the {n} workers of the text
            location=f"{village.name}{r.randint(1, 8)}组" if "village" in place or "grid" in place else township.name,
            source_reference=plan.reference, **place,
        )  # fmt: skip
        self._backdate(t0)
        if divert_to is not None:
            at = clock.later(0)
            s.dispute_divert(
                dispute=d, actor=cast.district_staff, at=at, township=township,
                village=village if divert_to == Level.VILLAGE else None,
                grid=grid if divert_to == Level.VILLAGE and grid and r.random() < 0.5 else None,
                note=r.choice(["请属地核实处理并按期反馈。", "转属地调处，请及时联系当事人。"]),
            )  # fmt: skip
            self._backdate(at)
        _police_judge(self, d)

        try:
            for op, days, opts in plan.ops:
                self._step(d, r, clock, op, days, opts, words)
        except OutOfTime:
            self.cut_short += 1
            logger.debug("Demo dispute %s (%s) stopped early at %s.", plan.reference, plan.story, d.status)
        Dispute.objects.filter(pk=d.pk).update(updated_at=clock.t)
        return d

    def _source(self, r: random.Random, plan: Plan, grid: Grid | None) -> str:
        if plan.start == Level.VILLAGE:
            options = {Source.GRID_INSPECTION: 45, Source.WALK_IN: 25, Source.REFERRAL: 6, Source.HOTLINE_12345: 12,
                       Source.POLICE_110: 7, Source.LETTERS_VISITS: 5}  # fmt: skip
            if grid is None or not self.cast.workers.get(grid.pk):
                options.pop(Source.GRID_INSPECTION)
        elif plan.start == Level.TOWNSHIP:
            options = {Source.WALK_IN: 40, Source.REFERRAL: 15, Source.HOTLINE_12345: 25, Source.POLICE_110: 10,
                       Source.LETTERS_VISITS: 10}  # fmt: skip
        else:
            options = {Source.HOTLINE_12345: 60, Source.POLICE_110: 20, Source.LETTERS_VISITS: 20}
        return r.choices(list(options), weights=list(options.values()))[0]

    def _words(self, r: random.Random, plan: Plan, parties: list[s.PartyData], co: str, group: int) -> dict[str, Any]:
        """What the texts say: the parties' names (now and then as 王某, as ledgers often write)."""

        def called(party: s.PartyData) -> str:
            name = party.name.split("等")[0]
            return name[0] + "某" if party.kind == Party.Kind.PERSON and r.random() < 0.3 else name

        return {
            "a": called(parties[0]),
            "b": called(parties[1]),
            "co": co,
            "v": plan.village.name,
            "g": r.randint(1, 8),
            "n": group or r.randint(3, 26),
            "w": f"{r.randint(12, 480) / 10:.1f}",
            "y": r.choice([800, 1200, 2600, 3500, 4800, 6000, 8500, 12000, 26000]),
        }

    def _step(self, d: Dispute, r: random.Random, clock: Clock, op: str, days: int, opts: dict, words: dict) -> None:
        cast = self.cast
        if op == "accept":
            at = clock.later(days)
            s.dispute_accept(dispute=d, actor=self.staff(d), at=at)
        elif op == "assign":
            worker = self.worker(d)
            if worker is None or d.level != Level.VILLAGE:
                return
            at = clock.later(days)
            s.dispute_assign_handler(dispute=d, actor=self.staff(d), at=at, handler=worker)
        elif op == "mediate":
            at = clock.later(days)
            actor, method, kinds = self.staff(d), r.choice([Method.ON_SITE, Method.COMMITTEE]), ["peoples_mediator"]
            police = cast.police.get(d.grid_id or 0)
            if d.level == Level.VILLAGE and police and r.random() < 0.2:
                actor, method, kinds = police, Method.POLICE_LINKAGE, ["community_police", "peoples_mediator"]
            elif d.level == Level.VILLAGE and d.handler_id and d.handler.role == Role.GRID_WORKER:
                actor = d.handler
            if d.level == Level.VILLAGE and r.random() < 0.4:
                kinds.append("rural_sage")
            if d.level in (Level.TOWNSHIP, Level.DISTRICT):
                kinds.append("cadre")
            if d.level in (Level.DISTRICT, Level.DEPARTMENT) and r.random() < 0.5:
                kinds.append("lawyer")
            names = "、".join(r.sample(self.roster(d), len(kinds)))
            outcome = opts["outcome"]
            record = s.dispute_record_mediation(
                dispute=d, actor=actor, at=at, held_on=at.astimezone(local_zone()).date(), method=method,
                mediator_kinds=kinds, mediators=names, outcome=outcome, notes=r.choice(MEDIATION_NOTES[outcome]),
            )  # fmt: skip
            MediationRecord.objects.filter(pk=record.pk).update(recorded_at=at)
        elif op == "escalate":
            at = clock.later(days)
            department = self._department(d) if d.level == Level.DISTRICT else None
            if d.level == Level.DISTRICT and department is None:
                raise OutOfTime  # no department to hand it to: it stays at district level
            s.dispute_escalate(dispute=d, actor=self.staff(d), reason=r.choice(ESCALATION_REASONS[d.level]), at=at,
                               department=department)  # fmt: skip
        elif op == "auto_escalate":
            if d.level == Level.DISTRICT:  # the sweep cannot name a department: the district does it by hand
                return self._step(d, r, clock, "escalate", days, opts, words)
            at = clock.after(d.due_at)
            s.dispute_escalate(dispute=d, actor=None, reason="", at=at)
        elif op == "supervise":
            for _ in range(2):  # supervision repeats while the case stays overdue
                if d.due_at + datetime.timedelta(minutes=15) > self.limit:
                    break
                at = clock.after(d.due_at)
                s.dispute_supervise(dispute=d, at=at)
                self._backdate(at)
            return
        elif op == "resolve":
            at = clock.later(days)
            s.dispute_resolve(dispute=d, actor=self.staff(d), at=at, result=words["result"])
        elif op == "close":
            at = clock.later(days)
            referral = TEXTS[d.category]["referral"]
            court = {}
            if referral == Dispute.Referral.LITIGATION:  # 诉调对接: the court and the day, its outcome awaited
                court = {"court": court_of(d.district), "referred_on": at.astimezone(local_zone()).date()}
            s.dispute_close_unresolved(dispute=d, actor=self.staff(d), at=at, result=NOT_RESOLVED_REASONS[referral],
                                       referral=referral, **court)  # fmt: skip
        elif op == "feedback":
            at = clock.later(days)
            s.dispute_return_feedback(dispute=d, actor=self.staff(d), at=at, result=FEEDBACK_RESULTS[d.level])
        elif op == "confirm":
            at = clock.later(days)
            s.dispute_confirm_feedback(dispute=d, actor=self.staff(d), at=at, note="已跟进落实，当事人认可处理结果。")
        elif op == "reject":
            at = clock.later(days)
            s.dispute_reject_feedback(dispute=d, actor=self.staff(d), at=at, reason=r.choice(REJECT_REASONS))
        elif op == "follow_up":
            pending = (
                FollowUp.objects.filter(dispute=d, visited_on__isnull=True, cancelled=False).order_by("due_on").first()
            )
            if pending is None or d.status != Status.RESOLVED:
                return
            if d.awaiting_parties:  # the parties were told before anyone visits them again
                self.tell_parties(d, at=min(d.resolved_at + datetime.timedelta(hours=4), clock.t))
            day = max(
                pending.due_on + datetime.timedelta(days=r.randint(-1, 2)),
                d.resolved_at.astimezone(local_zone()).date(),
            )
            at = clock.on(max(day, clock.today))
            actor = self.worker(d) if d.grid_id and self.worker(d) and r.random() < 0.6 else None
            actor = actor or (cast.clerk.get(d.village_id) if d.village_id else None) or self.staff(d)
            flared = opts["finding"] == "flared"
            s.dispute_record_follow_up(
                dispute=d, follow_up=pending, actor=actor, at=at, visited_on=at.astimezone(local_zone()).date(),
                finding=FollowUp.Finding.FLARED if flared else FollowUp.Finding.STABLE,
                notes=r.choice(FLARED_NOTES if flared else FOLLOW_UP_NOTES),
            )  # fmt: skip
        elif op == "police":
            officer = cast.police.get(d.grid_id or 0) if r.random() < 0.5 else None
            officer = officer or cast.station_staff.get(d.village_id or 0)
            if officer is None or d.status == Status.ARCHIVED:
                return
            at = clock.later(days)
            review = s.dispute_add_police_review(dispute=d, actor=officer, at=at, opinion=opts["opinion"], verdict=opts["verdict"],
                                                 flags_criminal_risk=opts["flag"])  # fmt: skip
            PoliceReview.objects.filter(pk=review.pk).update(created_at=at)
        else:  # pragma: no cover - a typo in a plan
            raise ValueError(op)
        self._backdate(clock.t)

    def _department(self, d: Dispute) -> Department | None:
        name = DEPARTMENT_FOR.get(d.category)
        if name in self.cast.departments:
            return self.cast.departments[name]
        return next(iter(sorted(self.cast.departments.items())), (None, None))[1]

    def _backdate(self, at: datetime.datetime) -> None:
        """Give the notifications the step just sent the step's time, and mark them delivered
        (the demo sends no e-mail or SMS about the past) and, unless recent, read."""
        newest = Notification.objects.filter(pk__gt=self.last_notification).aggregate(m=Max("pk"))["m"]
        if not newest:
            return
        recent = at > self.now - datetime.timedelta(days=2)
        Notification.objects.filter(pk__gt=self.last_notification, pk__lte=newest).update(
            created_at=at, delivered_at=at, read_at=None if recent else at + datetime.timedelta(hours=3)
        )
        self.last_notification = newest


# --- The police review queue (govcenter.police) ------------------------------------------------

# The police opinion on a queued case, by why it was queued (the first reason that applies).
POLICE_VERDICTS = [
    ("online_fraud", "file_case", "经核查，当事人系遭遇电信网络诈骗，已受案侦查，并开展反诈宣传。"),
    ("risk_criminal", "police_intervene", "双方矛盾尖锐，派出所已介入，对当事人进行训诫，落实专人盯防。"),
    ("risk_mass_incident", "joint_mediation", "涉及人数较多，社区民警参与联合调解，现场维护秩序。"),
    ("major", "joint_mediation", "经研判暂无违法犯罪情形，社区民警参与联合调解。"),
]
RECENT = datetime.timedelta(days=2)  # queued entries younger than this are left waiting


def police_verdict_for(d: Dispute) -> tuple[str, str]:
    for reason, verdict, text in POLICE_VERDICTS:
        if (reason == "online_fraud" and d.category == Category.ONLINE_FRAUD) or (
            reason == "major" and d.risk_level == "major"
        ):
            return verdict, text
        if reason.startswith("risk_") and getattr(d, reason):
            return verdict, text
    return "no_police_matter", "经研判不属于公安管辖事项，由属地继续调处。"


def _police_judge(seeder: Seeder, d: Dispute) -> None:
    """The police judge a queued case older than ``RECENT`` the day after it was queued
    (before its story goes on, which may archive it), so that only recent ones wait and
    nothing old is overdue."""
    if not d.awaits_police_review or d.registered_at >= seeder.now - RECENT:
        return
    cast = seeder.cast
    officer = cast.station_staff.get(d.village_id or 0) or cast.police.get(d.grid_id or 0) or police_of(d).first()
    if officer is None:
        return
    at = min(d.registered_at + datetime.timedelta(hours=20), seeder.now)
    verdict, text = police_verdict_for(d)
    review = s.dispute_add_police_review(dispute=d, actor=officer, at=at, verdict=verdict, opinion=text)
    PoliceReview.objects.filter(pk=review.pk).update(created_at=at)
    seeder._backdate(at)


def _police_waiting(seeder: Seeder, plan_n: int) -> list[Dispute]:
    """Work waiting for station1 and police1 in village1: a telecom-fraud case and a case
    flagged at risk of turning criminal, both in the review queue. Registered after every
    other demo case (the last, the police's 110 call, at least half an hour ago), so ledger
    numbers keep rising with the registration time."""
    cast = seeder.cast
    village = next((v for v in cast.villages if cast.clerk[v.pk].username == "village1"), cast.villages[0])
    grid = (cast.grids_of.get(village.pk) or [None])[0]
    worker = cast.workers.get(grid.pk, [None])[0] if grid else None
    clerk = cast.clerk[village.pk]
    actor, place = (worker, {"grid": grid}) if worker else (clerk, {"village": village})
    existing = set(
        Dispute.objects.filter(source_reference__startswith=MARKER).values_list("source_reference", flat=True)
    )
    made = []
    cases = [
        (plan_n, datetime.timedelta(minutes=25), Category.ONLINE_FRAUD, "general", False,
         "村民陈某遭遇“刷单返利”网络诈骗被骗3.8万元",
         f"{village.name}5组村民陈某反映，其在手机上添加“兼职刷单”客服后，按要求垫付资金完成任务，"
         "先后转账3.8万元后对方失联。陈某情绪低落，家属要求尽快追回损失。",
         [s.PartyData(role=Party.Role.APPLICANT, name="陈丽娟", phone="13957123456")]),
        (plan_n + 1, datetime.timedelta(minutes=15), Category.NEIGHBOURHOOD, "significant", True,
         "赵某与钱某因宅基地纠纷多次冲突，扬言报复",
         f"{village.name}2组村民赵某与邻居钱某因宅基地界址多次发生肢体冲突，赵某扬言要“让对方付出代价”，"
         "存在民转刑风险。",
         [s.PartyData(role=Party.Role.APPLICANT, name="赵志强"), s.PartyData(role=Party.Role.RESPONDENT, name="钱永福")]),
    ]  # fmt: skip
    for n, ago, category, risk, criminal, summary, description, parties in cases:
        if f"{MARKER}{n:04d}" in existing:
            continue
        t0 = seeder.now - ago
        d = s.dispute_register(
            actor=actor, at=t0, source=Source.GRID_INSPECTION if worker else Source.WALK_IN, category=category,
            summary=summary, description=description, occurred_on=t0.astimezone(local_zone()).date(),
            parties=parties, risk_level=risk, risk_criminal=criminal, location=f"{village.name}",
            source_reference=f"{MARKER}{n:04d}", **place,
        )  # fmt: skip
        seeder._backdate(t0)
        made.append(d)
    return made


def _urgent_case(seeder: Seeder, plan_n: int) -> list[Dispute]:
    """An urgent case (紧急) waiting in village1's queue: grid1 registered it ten minutes ago
    and marked it urgent (risk of a mass incident) two minutes later, which alarmed the
    village, township and district centres and the police of the place at once."""
    if Dispute.objects.filter(source_reference=f"{MARKER}{plan_n:04d}").exists():
        return []
    cast = seeder.cast
    village = next((v for v in cast.villages if cast.clerk[v.pk].username == "village1"), cast.villages[0])
    grid = (cast.grids_of.get(village.pk) or [None])[0]
    worker = cast.workers.get(grid.pk, [None])[0] if grid else None
    actor, place = (worker, {"grid": grid}) if worker else (cast.clerk[village.pk], {"village": village})
    t0 = seeder.now - datetime.timedelta(minutes=10)
    d = s.dispute_register(
        actor=actor, at=t0, source=Source.GRID_INSPECTION if worker else Source.WALK_IN, category=Category.LAND_BOUNDARY,
        summary="孙某与周某两家族因山林界址争执，现场聚集三十余人",
        description=f"{village.name}4组与6组村民因祖坟山林界址发生争执，双方各聚集十余人在山脚对峙，"
        "有人手持锄头，情绪激动，随时可能发生冲突。",
        occurred_on=t0.astimezone(local_zone()).date(), risk_level="major", risk_mass_incident=True,
        location=f"{village.name}4组后山", source_reference=f"{MARKER}{plan_n:04d}",
        parties=[s.PartyData(role=Party.Role.APPLICANT, name="孙建国", phone="13957166789"),
                 s.PartyData(role=Party.Role.RESPONDENT, name="周海涛")],
        **place,
    )  # fmt: skip
    seeder._backdate(t0)
    marked = t0 + datetime.timedelta(minutes=2)
    s.dispute_mark_urgent(
        dispute=d, actor=actor, at=marked, urgent_reason=UrgentReason.MASS_INCIDENT_RISK, note="双方仍在对峙，请求支援"
    )
    seeder._backdate(marked)
    return [d]


# --- Entry point ---------------------------------------------------------------------------------


def _due_soon(seeder: Seeder, plan_n: int) -> Dispute | None:
    """A dispute in village1 that comes due a few minutes after seeding."""
    cast = seeder.cast
    village = next((v for v in cast.villages if cast.clerk[v.pk].username == "village1"), cast.villages[0])
    grid = (cast.grids_of.get(village.pk) or [None])[0]
    worker = cast.workers.get(grid.pk, [None])[0] if grid else None
    clerk = cast.clerk[village.pk]
    t0 = seeder.now - datetime.timedelta(hours=3)
    d = s.dispute_register(
        actor=worker or clerk, at=t0, grid=grid if worker else None, village=None if worker else village,
        source=Source.GRID_INSPECTION if worker else Source.WALK_IN, category=Category.NEIGHBOURHOOD,
        summary="王某与邻居因院墙排水沟堵塞发生争执",
        description=f"{village.name}3组村民王某反映，邻居修建院墙时将排水沟填埋，雨水倒灌其院内，双方在村口争吵，围观群众较多。",
        occurred_on=t0.astimezone(local_zone()).date(), risk_level="significant", location=f"{village.name}3组",
        parties=[s.PartyData(role=Party.Role.APPLICANT, name="王国华", phone="13857112345"),
                 s.PartyData(role=Party.Role.RESPONDENT, name="李建军")],
        source_reference=f"{MARKER}{plan_n:04d}",
    )  # fmt: skip
    seeder._backdate(t0)
    accepted = t0 + datetime.timedelta(minutes=40)
    s.dispute_accept(dispute=d, actor=clerk, at=accepted)
    seeder._backdate(accepted)
    # So a newcomer sees the reminder and the automatic escalation happen: the deadline
    # is moved to five minutes after seeding (the policy would give days). The timeline's
    # "deadline after" is moved with it, so the page tells one story.
    due = timezone.now() + datetime.timedelta(minutes=5)
    Dispute.objects.filter(pk=d.pk).update(due_at=due, updated_at=accepted)
    d.events.update(due_at=due)
    d.refresh_from_db()
    return d


# 110 calls the police station registered and handed to mediation (警调联动): (summary,
# with {a} for the applicant's surname, description, handed to, how it ends, days ago it came in). "confirmed" is resolved at the
# centre and confirmed by the station; "returned" resolved and awaiting the station's
# confirmation; "unresolved" closed not resolved, awaiting it; "mediating" still at the
# centre; "room" mediated and resolved in the station's own mediation room; "held" not
# yet handed over (the police1 officer registered it this morning).
POLICE_CALLS = [
    ("{a}某因邻居装修噪音报警，双方在楼道推搡", "110 接警：村民报称邻居连续多日深夜装修，上门理论时发生推搡，民警到场后双方情绪平稳，属民事纠纷。",
     Dispute.HandedTo.VILLAGE, "confirmed", 24),
    ("{a}某三轮车被剐蹭，对方拒绝赔偿报警", "110 接警：村道上两辆三轮车剐蹭，双方对责任和赔偿金额争执不下，报警求助。",
     Dispute.HandedTo.VILLAGE, "returned", 12),
    ("{a}某与包工头因工钱结算争吵报警", "110 接警：包工头与两名村民因 3 天工钱结算发生争吵，一方酒后拍桌子，民警到场劝开。",
     Dispute.HandedTo.STATION_ROOM, "room", 9),
    ("{a}某与邻居因宅基地界桩被移动争执报警", "110 接警：两户村民因界桩被人挪动互相指责，现场对峙，民警到场控制局面后移交调解。",
     Dispute.HandedTo.TOWNSHIP, "mediating", 6),
    ("{a}某兄弟因赡养费分摊争吵报警", "110 接警：三兄弟因母亲赡养费分摊在老宅争吵，邻居报警，民警到场后双方同意调解。",
     Dispute.HandedTo.VILLAGE, "unresolved", 15),
    ("{a}某家土鸡被邻居家狗咬死，索赔未果报警", "110 接警：村民家 5 只土鸡被邻居家狗咬死，索赔未果，双方争吵后报警。",
     None, "held", 0),
]  # fmt: skip


def _police_calls(
    seeder: Seeder, first_n: int, existing: set[str]
) -> list[tuple[datetime.datetime, Callable[[], Dispute]]]:
    """The station's 110 disputes in police-mediation linkage (POLICE_CALLS), in a village of
    ``station1``'s station, so that station1 and police1 find work waiting: (registration
    time, the function that registers it and takes it through its steps), so that the
    seeder registers them in date order with the other disputes."""
    cast = seeder.cast
    station1 = User.objects.filter(username="station1", is_active=True, role=Role.STATION_STAFF).first()
    if station1 is None or station1.police_station_id is None:
        return []
    covered = set(station1.police_station.villages.values_list("pk", flat=True))
    village = next((v for v in cast.villages if v.pk in covered), None)
    if village is None:
        return []
    police1 = User.objects.filter(
        username="police1", is_active=True, role=Role.COMMUNITY_POLICE, police_station_id=station1.police_station_id
    ).first()
    jobs = []
    for i, call in enumerate(POLICE_CALLS):
        reference = f"{MARKER}{first_n + i:04d}"
        if reference in existing:
            continue
        r = random.Random(SEED + first_n + i)
        # Today's call came in within the last two hours (after the case that comes due soon).
        back = datetime.timedelta(days=call[4], hours=r.randint(3, 9)) if call[4] else datetime.timedelta(hours=2)
        alarm_at = seeder.now - back
        registered_at = alarm_at + datetime.timedelta(minutes=r.randint(40, 90))
        registrar = police1 if call[3] == "held" and police1 else station1
        jobs.append(
            (
                registered_at,
                partial(
                    _police_call, seeder, call, r, village=village, reference=reference, alarm_at=alarm_at,
                    at=registered_at, registrar=registrar, station1=station1,
                ),
            )
        )  # fmt: skip
    return jobs


def _police_call(
    seeder: Seeder,
    call: tuple,
    r: random.Random,
    *,
    village: Area,
    reference: str,
    alarm_at: datetime.datetime,
    at: datetime.datetime,
    registrar: User,
    station1: User,
) -> Dispute:
    """One of POLICE_CALLS, registered at ``at`` and taken through its steps."""
    cast = seeder.cast
    summary, description, handed_to, end, _days_ago = call
    clerk, township_staff = cast.clerk[village.pk], cast.township_staff[cast.township_of[village.pk].pk]
    t = at
    applicant, respondent = seeder.person(r, with_id=False)[0], seeder.person(r, with_id=False)[0]
    d = s.dispute_register(
        actor=registrar, at=t, village=village, source=Source.POLICE_110, category=Category.NEIGHBOURHOOD,
        summary=summary.format(a=applicant[0]), description=description, occurred_on=alarm_at.astimezone(local_zone()).date(),
        location=f"{village.name}{r.randint(1, 9)}组", source_reference=reference,
        alarm_number=f"J{village.code[:6]}{alarm_at.astimezone(local_zone()):%Y%m%d}{r.randint(1, 999):04d}",
        alarm_at=alarm_at,
        parties=[s.PartyData(role=Party.Role.APPLICANT, name=applicant),
                 s.PartyData(role=Party.Role.RESPONDENT, name=respondent)],
    )  # fmt: skip
    seeder._backdate(t)
    d.refresh_from_db()
    _police_judge(seeder, d)
    if handed_to is None:
        return d
    t += datetime.timedelta(hours=1)
    s.dispute_hand_to_mediation(dispute=d, actor=station1, at=t, handed_to=handed_to, note="双方同意调解")
    seeder._backdate(t)
    mediator = {Dispute.HandedTo.VILLAGE: clerk, Dispute.HandedTo.TOWNSHIP: township_staff}.get(handed_to, station1)
    t += datetime.timedelta(hours=3)
    s.dispute_accept(dispute=d, actor=mediator, at=t)
    seeder._backdate(t)
    t += datetime.timedelta(days=1)
    s.dispute_record_mediation(
        dispute=d, actor=mediator, at=t, held_on=t.astimezone(local_zone()).date(),
        method=Method.POLICE_LINKAGE if handed_to == Dispute.HandedTo.STATION_ROOM else Method.COMMITTEE,
        mediator_kinds=[Kind.COMMUNITY_POLICE, Kind.PEOPLES_MEDIATOR], mediators=f"{mediator.display_name}、人民调解员",
        outcome=Outcome.FAILED if end == "unresolved" else Outcome.AGREEMENT,
        notes="民警与调解员共同释法说理。",
    )  # fmt: skip
    seeder._backdate(t)
    if end == "mediating":
        return d
    t += datetime.timedelta(hours=2)
    if end == "unresolved":
        s.dispute_close_unresolved(
            dispute=d, actor=mediator, at=t, result="一方坚持起诉，调解不成。", referral=Dispute.Referral.LITIGATION,
            court=court_of(d.district), referred_on=t.astimezone(local_zone()).date(),
        )  # fmt: skip
    else:
        s.dispute_resolve(dispute=d, actor=mediator, at=t, result="双方当场达成和解，签订调解协议。")
    seeder._backdate(t)
    if end == "confirmed":
        t += datetime.timedelta(days=1)
        s.dispute_station_confirm(dispute=d, actor=station1, at=t, note="已电话回访双方，结果属实。")
        seeder._backdate(t)


def court_of(district: Area) -> str:
    """The basic people's court of the district, where the demo refers litigation."""
    return f"{district.name}人民法院"


# Police and court stories of village1 (移送公安机关, 诉调对接): (summary, description, reason or result).
TRANSFER_STORIES = [
    (
        "陈某与李某因宅基地纠纷持械斗殴致伤",
        "{v}5组村民陈某与李某因宅基地界址多次争吵，昨晚双方持农具互殴，李某头部受伤送医，经诊断为轻伤二级。",
        "双方持械互殴致一人轻伤，已涉嫌故意伤害，超出人民调解范围，依法移送派出所处理。",
    ),
    (
        "周某反映被冒充客服诈骗三万余元",
        "{v}2组村民周某接到自称电商客服的电话，按对方指引下载软件并转账三万二千元，事后发现被骗，情绪激动。",
        "属电信网络诈骗，涉嫌刑事犯罪，调解无法处理，立即移送派出所立案侦查，村里做好当事人安抚工作。",
    ),
]
COURT_STORY = (
    "吴某与某装修公司因装修质量及欠款发生纠纷",
    "{v}村民吴某称某装修公司施工质量不合格，拒付剩余工程款四万元，公司要求付清欠款，双方经多次调解仍各执一词。",
    "双方对工程质量鉴定及欠款数额分歧较大，经调解未能达成一致，已引导当事人向人民法院起诉，移交诉调对接。",
)


APPLICANT_OF = {"acknowledged": "陈建华", "transferred": "周秀英", "court": "吴美玲"}
RESPONDENT_OF = {"acknowledged": "李德明", "transferred": "冒充客服的不明人员", "court": "某装修公司"}


def _village_with_station(cast: Cast) -> Area | None:
    """village1 if a station with staff covers it, else the first such demo village."""
    covered = [v for v in cast.villages if v.pk in cast.station_staff]
    return next((v for v in covered if cast.clerk[v.pk].username == "village1"), covered[0] if covered else None)


def _police_and_court(seeder: Seeder, first_n: int, existing: set[str]) -> list[tuple[datetime.datetime, Any]]:
    """Two cases of village1 transferred to police (one with the station's case number, one
    awaiting it: station1 finds it waiting) and a referral to court awaiting its outcome, as
    (registration time, function that makes the case): ``seed`` runs them in date order
    with the other stories, so that ledger numbers rise with the registration time."""
    cast = seeder.cast
    village = _village_with_station(cast)
    if village is None:
        return []
    officer = cast.station_staff[village.pk]
    station = PoliceStation.objects.filter(pk=officer.police_station_id, villages=village).first()
    plans = [
        (TRANSFER_STORIES[0], 9, "acknowledged"),
        (TRANSFER_STORIES[1], 1, "transferred"),  # yesterday: station1's notification is still unread
        (COURT_STORY, 30, "court"),
    ]
    entries = []
    for n, (words, days_ago, story) in enumerate(plans, start=first_n):
        if f"{MARKER}{n:04d}" in existing or (story != "court" and station is None):
            continue
        day = seeder.now.astimezone(local_zone()).date() - datetime.timedelta(days=days_ago)
        t0 = datetime.datetime.combine(day, datetime.time(9, 10), tzinfo=local_zone())
        entries.append((t0, partial(_police_or_court_case, seeder, n, t0, words, story, village, officer, station)))
    return entries


def _police_or_court_case(
    seeder: Seeder, n: int, t0: datetime.datetime, words, story: str, village: Area, officer: User, station
) -> Dispute:
    summary, description, reason = words
    clerk = seeder.cast.clerk[village.pk]
    court = story == "court"
    category = {"acknowledged": Category.NEIGHBOURHOOD, "transferred": Category.ONLINE_FRAUD}.get(
        story, Category.CONSUMER
    )
    d = s.dispute_register(
        actor=clerk, at=t0, village=village, source=Source.WALK_IN, category=category,
        summary=summary, description=description.format(v=village.name),
        occurred_on=t0.astimezone(local_zone()).date(), risk_level="general" if court else "major",
        risk_criminal=not court, location=village.name,
        parties=[s.PartyData(role=Party.Role.APPLICANT, name=APPLICANT_OF[story]),
                 s.PartyData(role=Party.Role.RESPONDENT, name=RESPONDENT_OF[story],
                             kind=Party.Kind.ORGANISATION if court else Party.Kind.PERSON)],
        source_reference=f"{MARKER}{n:04d}",
    )  # fmt: skip
    seeder._backdate(t0)
    d.refresh_from_db()
    _police_judge(seeder, d)
    accepted = t0 + datetime.timedelta(minutes=30)
    s.dispute_accept(dispute=d, actor=clerk, at=accepted)
    seeder._backdate(accepted)
    if court:
        closed = t0 + datetime.timedelta(days=6, hours=2)
        s.dispute_close_unresolved(
            dispute=d, actor=clerk, at=closed, result=reason, referral=Dispute.Referral.LITIGATION,
            court=court_of(d.district), referred_on=closed.astimezone(local_zone()).date(),
        )  # fmt: skip
        seeder._backdate(closed)
        return d
    moved = accepted + datetime.timedelta(hours=1)
    s.dispute_transfer_to_police(dispute=d, actor=clerk, at=moved, station=station, reason=reason)
    seeder._backdate(moved)
    if story == "acknowledged":
        acknowledged = moved + datetime.timedelta(days=1)
        day = acknowledged.astimezone(local_zone()).date()
        s.dispute_acknowledge_transfer(
            dispute=d, actor=officer, at=acknowledged, case_registered_on=day,
            case_number=f"A{d.district.district_code}{day:%Y%m%d}{n % 1000:04d}",
        )  # fmt: skip
        seeder._backdate(acknowledged)


def _tell_the_older_results(seeder: Seeder) -> None:
    """Results returned more than RESULTS_AWAITING_DAYS ago have been told to the parties;
    the recent ones wait in the village centres' and grid workers' "result returned" lists."""
    old = seeder.now - datetime.timedelta(days=RESULTS_AWAITING_DAYS)
    rows = Dispute.objects.filter(
        feedback.awaiting_parties_q(), status=Status.RESOLVED, result_returned_at__lt=old,
        district=seeder.cast.district, source_reference__startswith=MARKER,
    ).order_by("result_returned_at", "pk")  # fmt: skip
    for d in rows:
        seeder.tell_parties(d, at=d.result_returned_at + datetime.timedelta(hours=4))


def _village1_story(seeder: Seeder, plan_n: int, *, unsatisfied: bool) -> Dispute | None:
    """Two cases of village1's grid, taken through the whole loop in the last hours before
    seeding, for village1 and grid1 to find: one up to a department and back down to the
    village and the grid worker, awaiting the parties; one up to the township whose result
    the parties did not accept, back at the township for review."""
    cast = seeder.cast
    village = next((v for v in cast.villages if cast.clerk[v.pk].username == "village1"), cast.villages[0])
    grid = next(
        (
            g
            for g in cast.grids_of.get(village.pk, [])
            if any(w.username == "grid1" for w in cast.workers.get(g.pk, []))
        ),
        None,
    )
    if grid is None:
        return None
    worker = next(w for w in cast.workers[grid.pk] if w.username == "grid1")
    clerk, township_staff = cast.clerk[village.pk], cast.township_staff[cast.township_of[village.pk].pk]
    t = seeder.now - datetime.timedelta(minutes=150 if not unsatisfied else 140)
    steps = iter(range(1, 20))

    def at() -> datetime.datetime:
        return t + datetime.timedelta(minutes=6 * next(steps))

    texts = (
        ("村民张某反映邻村养殖场污水排入灌溉渠，影响其承包田", "张某承包田的灌溉渠被上游养殖场排放的污水污染，双方多次协商未果。", "张国强", "李文斌养殖场")
        if not unsatisfied
        else ("赵某与邻居因新建围墙占用通道发生争执", "赵某反映邻居新建围墙占用两户共用通道约半米，要求拆除。", "赵德明", "钱立新")
    )  # fmt: skip
    d = s.dispute_register(
        actor=worker, at=t, grid=grid, source=Source.GRID_INSPECTION,
        category=Category.LAND_BOUNDARY if unsatisfied else Category.OTHER, summary=texts[0], description=texts[1],
        occurred_on=t.astimezone(local_zone()).date(), location=f"{village.name}2组",
        parties=[s.PartyData(role=Party.Role.APPLICANT, name=texts[2], phone="13957154321"),
                 s.PartyData(role=Party.Role.RESPONDENT, name=texts[3])],
        source_reference=f"{MARKER}{plan_n:04d}",
    )  # fmt: skip
    seeder._backdate(t)

    def step(fn, **kwargs) -> None:
        when = at()
        fn(dispute=d, at=when, **kwargs)
        seeder._backdate(when)

    step(s.dispute_escalate, actor=clerk, reason="涉及跨村，超出村级调处能力")
    step(s.dispute_accept, actor=township_staff)
    if unsatisfied:
        step(s.dispute_resolve, actor=township_staff, result="经镇司法所现场勘界，围墙未占用通道，维持现状。")
        seeder.tell_parties(d, at=at(), satisfaction=Satisfaction.UNSATISFIED)
        return d
    department = seeder._department(d)
    step(s.dispute_escalate, actor=township_staff, reason="需职能部门执法")
    if department is None or department.pk not in cast.dept_staff:
        return d
    step(s.dispute_accept, actor=cast.district_staff)
    step(s.dispute_escalate, actor=cast.district_staff, reason="交办区生态环境分局", department=department)
    staff = cast.dept_staff[department.pk]
    step(s.dispute_accept, actor=staff)
    step(s.dispute_return_feedback, actor=staff, result="已责令养殖场限期整改，污水经处理后达标排放。")
    step(s.dispute_confirm_feedback, actor=cast.district_staff, note="整改到位")
    return d


# Cases village1's township assigned to its stations and institutes (站所), for unit1 (the
# 司法所) and unit2 (the 民政办) to find, a few hours before seeding: (unit index, how far
# it went, summary, description). Numbered well after the other special stories.
UNIT_STORIES = [
    (0, "assigned", "钱春生", "钱某与承包方因土地承包经营权流转发生纠纷", "承包方合同到期后拒不退还承包地，双方多次协商无果。"),
    (0, "mediating", "孙玉兰", "孙某与施工队因房屋修缮工钱发生争执", "施工队称尚欠工钱八千元，孙某认为工程质量不合格拒付。"),
    (0, "returned", "周建国", "周某兄弟二人因老宅继承分割发生纠纷", "父亲去世后老宅如何分割，兄弟二人各执一词。"),
    (0, "confirmed", "吴桂芳", "吴某与邻居因排水沟改道发生纠纷", "邻户自行改道排水沟，雨水流入吴某院内。"),
    (1, "accepted", "郑秀英", "郑某反映子女不履行赡养义务", "八旬老人郑某反映三名子女互相推诿，生活费无着落。"),
]  # fmt: skip
UNIT_STORIES_FROM = 20  # the stories' numbers start this far after the first police call's


def _unit_story(seeder: Seeder, plan_n: int, story: tuple, units: list) -> Dispute | None:
    """One case of village1's grid1 up to the township and assigned to a station or
    institute, taken as far as ``story`` says through the services: assigned (not yet
    accepted), in mediation, its result returned to the township, or confirmed by the
    township (the result then travels down to village1 and grid1)."""
    cast = seeder.cast
    index, until, applicant, summary, description = story
    unit, staff = units[index]
    village = next((v for v in cast.villages if cast.clerk[v.pk].username == "village1"), None)
    grid = next(
        (g for g in cast.grids_of.get(village.pk, []) if any(w.username == "grid1" for w in cast.workers.get(g.pk, []))),
        None,
    ) if village else None  # fmt: skip
    if grid is None:
        return None
    worker = next(w for w in cast.workers[grid.pk] if w.username == "grid1")
    clerk, township_staff = cast.clerk[village.pk], cast.township_staff[cast.township_of[village.pk].pk]
    t = seeder.now - datetime.timedelta(hours=6 - len(UNIT_STORIES) + UNIT_STORIES.index(story))
    steps = iter(range(1, 20))
    d = s.dispute_register(
        actor=worker, at=t, grid=grid, source=Source.GRID_INSPECTION, category=Category.OTHER,
        summary=summary, description=description, occurred_on=t.astimezone(local_zone()).date(),
        location=f"{village.name}3组", parties=[s.PartyData(role=Party.Role.APPLICANT, name=applicant, phone="13857154322")],
        source_reference=f"{MARKER}{plan_n:04d}",
    )  # fmt: skip
    seeder._backdate(t)

    def step(fn, **kwargs) -> None:
        when = t + datetime.timedelta(minutes=6 * next(steps))
        fn(dispute=d, at=when, **kwargs)
        seeder._backdate(when)

    step(s.dispute_escalate, actor=clerk, reason="村级调处未果，请镇里协调")
    step(s.dispute_accept, actor=township_staff)
    step(s.dispute_assign_unit, actor=township_staff, unit=unit, note=f"请{unit.name}依法调处并反馈结果")
    if until == "assigned":
        return d
    step(s.dispute_accept, actor=staff)
    if until == "accepted":
        return d
    when = t + datetime.timedelta(minutes=6 * next(steps))
    s.dispute_record_mediation(
        dispute=d, actor=staff, at=when, held_on=when.astimezone(local_zone()).date(),
        method=MediationRecord.Method.ON_SITE, mediator_kinds=[], mediators=staff.display_name,
        outcome="partial", notes="双方同意再协商一次。",
    )  # fmt: skip
    seeder._backdate(when)
    if until == "mediating":
        return d
    step(s.dispute_return_feedback, actor=staff, result="经所里两次调解，双方达成书面协议并已履行。")
    if until == "confirmed":
        step(s.dispute_confirm_feedback, actor=township_staff, note="协议已履行")
    return d


def _unit_stories(seeder: Seeder, first: int, existing: set[str]) -> list:
    """The jobs of ``UNIT_STORIES`` not seeded yet: (registration time, number, job)."""
    township = next(
        (cast_t for v, cast_t in seeder.cast.township_of.items() if seeder.cast.clerk[v].username == "village1"), None
    )
    if township is None:
        return []
    units = [
        (unit, User.objects.filter(role=Role.UNIT_STAFF, department=unit, is_active=True).order_by("pk").first())
        for unit in Department.objects.units_of(township.pk).filter(is_active=True).order_by("pk")[:2]
    ]
    if len(units) < 2 or not all(staff for _unit, staff in units):
        return []
    jobs = []
    for i, story in enumerate(UNIT_STORIES):
        n = first + i
        if f"{MARKER}{n:04d}" in existing:
            continue
        registered = seeder.now - datetime.timedelta(hours=6 - len(UNIT_STORIES) + i)
        jobs.append((registered, n, partial(_unit_story, seeder, n, story, units)))
    return jobs


def _supervise_some(cast: Cast, now: datetime.datetime) -> None:
    """A case the district centre put under supervision (挂牌督办) itself, with a due date and
    a note: an open case at a department, not yet supervised by the sweep; once (a second
    seed finds it). The township's supervision of its villages' items is in the sentiment
    demo (a log of village1)."""
    from govcenter.models import Supervision

    if Supervision.objects.filter(content_type__model="dispute", supervisor__isnull=False).exists():
        return
    actor = (
        User.objects.filter(role=Role.DISTRICT_STAFF, area=cast.district, is_active=True).order_by("username").first()
    )
    case = (
        Dispute.objects.open()
        .filter(district=cast.district, level=Level.DEPARTMENT, supervised_at__isnull=True)
        .order_by("due_at", "pk")
        .first()
    )
    if actor is None or case is None:
        return
    today = now.astimezone(local_zone()).date()
    s.dispute_supervise_by(
        dispute=case,
        actor=actor,
        at=now,
        due_on=today + datetime.timedelta(days=5),
        note="群众多次反映，区中心挂牌督办，请职能部门五日内办结并报告",
    )


def seed(ctx: Any = None, *, now: datetime.datetime | None = None) -> list[Dispute]:
    """Create the demo ledger (the disputes not there yet) and return the new disputes.

    ``ctx`` is the DemoContext of ``govcenter.demo`` (a dict or any object with a
    ``district`` attribute will do; without one the district of ``district1`` is used).
    """
    stdout = _ctx_get(ctx, "stdout")
    cast = build_cast(ctx)
    if cast is None:
        if stdout:
            stdout.write("  disputes: no district with clerks and centre staff; skipped")
        return []
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    plans = make_plans(cast, now)
    special_n = len(plans) + 1
    existing = set(
        Dispute.objects.filter(district=cast.district, source_reference__startswith=MARKER).values_list(
            "source_reference", flat=True
        )
    )
    seeder = Seeder(cast, now)
    todo = [p for p in plans if p.reference not in existing]
    # Registered in date order, so that ledger numbers rise with the registration time.
    for plan in todo:
        plan.registered_at = seeder.registration_time(plan)
    # The 110 calls in police-mediation linkage and the police and court stories join them
    # in date order; the case that comes due soon is registered three hours ago.
    jobs = [(plan.registered_at, plan.n, partial(seeder.run, plan)) for plan in todo]
    if f"{MARKER}{special_n:04d}" not in existing:
        jobs.append((seeder.now - datetime.timedelta(hours=3), special_n, partial(_due_soon, seeder, special_n)))
    jobs += [(t, special_n + 1 + i, job) for i, (t, job) in enumerate(_police_calls(seeder, special_n + 1, existing))]
    first = special_n + 1 + len(POLICE_CALLS)
    jobs += [(t, first + i, job) for i, (t, job) in enumerate(_police_and_court(seeder, first, existing))]
    # Two village1 cases through the whole loop, a little over two hours ago (after _police_waiting's two).
    for offset, unsatisfied in ((5, False), (6, True)):
        if f"{MARKER}{first + offset:04d}" not in existing:
            registered = seeder.now - datetime.timedelta(minutes=150 if not unsatisfied else 140)
            jobs.append(
                (registered, first + offset, partial(_village1_story, seeder, first + offset, unsatisfied=unsatisfied))
            )
    jobs += _unit_stories(seeder, first + UNIT_STORIES_FROM, existing)
    jobs.sort(key=lambda job: job[:2])
    created = []
    with transaction.atomic():
        for _t, _n, job in jobs:
            created.append(job())
        created = [d for d in created if d is not None]  # a village1 story (or a unit's) without grid1
        _tell_the_older_results(seeder)
        created += _police_waiting(seeder, first + 3)  # after the three of _police_and_court
        created += _urgent_case(seeder, first + 7)  # the last registered: after _police_waiting's two
        _supervise_some(seeder.cast, seeder.now)
    if seeder.cut_short:
        logger.info("Demo ledger: %d stories stopped early to stay in the past.", seeder.cut_short)
    if stdout:
        stdout.write(f"  disputes: {len(created)} new, {len(existing)} already there")
    return created
