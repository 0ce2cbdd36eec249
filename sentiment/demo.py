"""Demo data of the sentiment log: about three months of logs for every demo grid (two to
four a week), agency matters open, overdue, due soon and done, logs at every stage of
the reporting flow, and a couple turned into disputes.

Called by ``manage.py seed_demo`` after ``grids.demo`` (and ``disputes.demo``). The bulk
of ordinary logs is written with ``bulk_create`` (filed, answered or agency matters, with
their timeline rows), the reporting-flow stories and the disputes through the real
services, so that their checks, timelines and notifications are the portal's own.

Every log carries a client token ``demo-<grid code>-<n>``: a second run finds them and
creates nothing. The stories are drawn from a generator seeded per app, so the data is
the same on every machine except for the dates, which are counted back from today.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from disputes import services as dispute_services
from disputes.demo import police_verdict_for
from disputes.models import Dispute, PoliceReview
from govcenter.deadlines import end_of_day
from govcenter.models import Area, Department, Notification, User
from govcenter.police import police_of
from govcenter.urgent import UrgentReason
from grids.models import Grid, GridMembership, Resident

from . import services as s
from .models import AgencyMatter, Log, LogEvent, LogPoliceReview

MARKER = "demo-"
WEEKS = 13
# Ordinary logs of the last days that name an officer still await his co-signature.
COSIGN_PENDING_DAYS = 3
Kind, Category, NextStep = Log.Kind, Log.Category, Log.NextStep
Role = User.Role
Duty = GridMembership.Duty


@dataclass(frozen=True)
class Story:
    kind: str
    category: str
    matter: str
    policy: str = ""
    result: str = ""
    step: str = NextStep.ANSWERED
    agency: str = ""  # agency matter type when step is AGENCY
    person: bool = True  # about one resident


STORIES = [
    Story(
        Kind.VISIT,
        Category.SUBSISTENCE,
        "询问低保年审需要准备哪些材料",
        "《社会救助暂行办法》",
        "已告知需提供户口簿、收入证明，下月初到村便民服务中心办理",
    ),
    Story(
        Kind.VISIT,
        Category.SOCIAL_SECURITY,
        "咨询城乡居民养老保险缴费档次和补贴标准",
        "城乡居民基本养老保险实施办法",
        "已讲解缴费档次及政府补贴，建议选择较高档次",
    ),
    Story(
        Kind.VISIT,
        Category.SOCIAL_SECURITY,
        "反映医保卡异地就医无法结算",
        "基本医疗保险异地就医直接结算政策",
        "已指导通过国家医保服务平台办理异地就医备案",
    ),
    Story(
        Kind.VISIT,
        Category.HARDSHIP,
        "独居老人家中屋顶漏雨，生活有困难",
        "临时救助相关规定",
        "已联系村两委，安排人员上门查看",
        NextStep.AGENCY,
        AgencyMatter.Type.HARDSHIP,
    ),
    Story(
        Kind.AGENCY,
        Category.SUBSISTENCE,
        "代为申请低保，材料已收齐",
        "《社会救助暂行办法》",
        "材料已收，代交乡镇民政办",
        NextStep.AGENCY,
        AgencyMatter.Type.SUBSISTENCE,
    ),
    Story(
        Kind.AGENCY,
        Category.SOCIAL_SECURITY,
        "代办城乡居民医保参保登记",
        "城乡居民基本医疗保险参保政策",
        "已收取身份证复印件",
        NextStep.AGENCY,
        AgencyMatter.Type.MEDICAL_INSURANCE,
    ),
    Story(
        Kind.AGENCY,
        Category.UNEMPLOYMENT,
        "返乡人员办理失业登记",
        "就业失业登记管理办法",
        "已协助网上申报",
        NextStep.AGENCY,
        AgencyMatter.Type.UNEMPLOYMENT,
    ),
    Story(
        Kind.AGENCY,
        Category.PREFERENTIAL,
        "退役军人优待证申领",
        "退役军人优待证发放管理办法",
        "已收集照片和材料",
        NextStep.AGENCY,
        AgencyMatter.Type.PREFERENTIAL,
    ),
    Story(
        Kind.AGENCY,
        Category.SOCIAL_SECURITY,
        "老人养老金领取资格认证",
        "养老保险待遇领取资格认证规定",
        "已预约上门认证",
        NextStep.AGENCY,
        AgencyMatter.Type.PENSION,
    ),
    Story(
        Kind.VISIT,
        Category.FAMILY_PLANNING,
        "咨询独生子女父母奖励扶助政策",
        "计划生育家庭奖励扶助制度",
        "已告知申请条件和时间",
    ),
    Story(Kind.VISIT, Category.PREFERENTIAL, "优抚对象反映补助发放时间", "优抚对象抚恤补助标准", "已解释按季度发放"),
    Story(Kind.VISIT, Category.DISPUTE, "邻居新建围墙占用通道，双方有争执", "", "已现场劝解，双方同意再协商"),
    Story(
        Kind.VISIT,
        Category.OTHER,
        "走访留守儿童家庭，了解学习生活情况",
        "",
        "孩子状况良好，叮嘱祖辈注意安全",
        NextStep.ANSWERED,
    ),
    Story(Kind.VISIT, Category.UNEMPLOYMENT, "询问县里近期招聘会信息", "", "已推送人社局招聘会时间地点"),
    Story(
        Kind.INSPECTION,
        Category.SECURITY_HAZARD,
        "巡查发现村口电动车集中充电飞线",
        "消防安全相关规定",
        "已当场劝导拆除，并告知集中充电点位置",
        person=False,
    ),
    Story(
        Kind.INSPECTION,
        Category.PRODUCTION_SAFETY,
        "巡查竹木加工作坊，灭火器过期",
        "《安全生产法》",
        "已提醒更换，三日后复查",
        person=False,
    ),
    Story(
        Kind.INSPECTION,
        Category.SECURITY_HAZARD,
        "巡查溪边防溺水警示牌缺失一处",
        "防溺水工作要求",
        "已记录位置，报村委补设",
        person=False,
    ),
    Story(
        Kind.INCIDENT,
        Category.SECURITY_HAZARD,
        "村民反映夜间有陌生人在村内推销保健品",
        "",
        "已提醒村民防范诈骗，告知社区民警",
        person=False,
    ),
    Story(
        Kind.PUBLICITY,
        Category.SECURITY_HAZARD,
        "反诈宣传：讲解冒充客服、刷单返利等骗局",
        "反电信网络诈骗法",
        "发放宣传册",
        person=False,
    ),
    Story(
        Kind.PUBLICITY,
        Category.SOCIAL_SECURITY,
        "宣传城乡居民医保集中缴费",
        "城乡居民医保缴费通知",
        "逐户告知缴费时间",
        person=False,
    ),
]
FLOW_STORIES = {
    "new": "村道路灯损坏多盏，夜间出行不便，村民希望尽快修复",
    "village_in_hand": "村民反映自来水管老化漏水，影响一组供水",
    "village_fed_back": "村民反映垃圾清运不及时，收集点堆积",
    "township_new": "山塘堤坝出现裂缝，雨季存在安全隐患",
    "township_in_hand": "村民反映承包地被邻村养殖场污水污染",
    "township_fed_back": "多户村民反映农村客运班次减少，出行不便",
    "district_new": "村内废弃矿坑积水深，周边无防护设施",
    "department": "村民反映宅基地审批材料提交后长期无回复",
    "department_fed_back": "低保户反映救助金连续两月未到账",
    "village2_new": "西岭村村民反映桥面护栏松动",
    "village_due_soon": "村民反映村口排水沟堵塞，雨天积水漫进农户院内",
    "urgent": "村后山塘堤坝出现管涌，下游十余户村民有生命危险，已组织转移",
}
VISITORS = ["外村来访人员", "快递员", "邻村村民", "返乡务工人员"]


def _local(day: datetime.date, minutes: int) -> datetime.datetime:
    naive = datetime.datetime.combine(day, datetime.time(8, 0)) + datetime.timedelta(minutes=minutes)
    return timezone.make_aware(naive)


def _team(grid: Grid) -> tuple[list[User], list[User]]:
    workers, police = [], []
    for m in grid.memberships.filter(ended_on__isnull=True).select_related("user").order_by("started_on", "pk"):
        (workers if m.duty == Duty.GRID_WORKER else police).append(m.user)
    return workers, police


def _clerk(village: Area) -> User | None:
    return User.objects.filter(role=Role.VILLAGE_CLERK, area=village, is_active=True).order_by("pk").first()


def _staff(role: str, area: Area) -> User | None:
    return User.objects.filter(role=role, area=area, is_active=True).order_by("pk").first()


def seed(ctx: Any = None, *, today: datetime.date | None = None) -> int:
    """Create the demo logs that are not there yet; returns how many logs were made."""
    rng = ctx.rng("sentiment") if ctx is not None and hasattr(ctx, "rng") else random.Random("2026:sentiment")
    today = today or timezone.localdate()
    now = timezone.now()
    grids = list(getattr(ctx, "grids", None) or Grid.objects.select_related("village").order_by("code"))
    if not grids:
        return 0
    existing = set(Log.objects.filter(client_token__startswith=MARKER).values_list("client_token", flat=True))
    parents: dict[int, tuple[Area, Area]] = {}
    for village in {g.village for g in grids}:
        township = Area.objects.get(code=Area.parent_code_of(village.code))
        parents[village.pk] = (township, Area.objects.get(code=Area.parent_code_of(township.code)))
    start = today - datetime.timedelta(weeks=WEEKS)
    made = 0
    with transaction.atomic():
        for grid in grids:
            made += _seed_grid(rng, grid, parents[grid.village_id], start, today, now, existing)
        made += _seed_flow(grids, today, existing)
        made += _police_waiting(grids, now, existing)
        _police_judge_older(now)
    if ctx is not None and getattr(ctx, "stdout", None) and made:
        ctx.stdout.write(f"  sentiment: {made} logs")
    return made


def _seed_grid(rng, grid, places, start, today, now, existing) -> int:
    """The ordinary logs of one grid, bulk-created. Every draw is made whether or not the
    row exists, so that a second run draws the same and creates nothing."""
    township, district = places
    workers, police = _team(grid)
    if not workers:
        return 0
    residents = list(Resident.objects.filter(grid=grid).order_by("pk").only("pk", "name", "address", "birth_date"))
    adults = [r for r in residents if r.birth_date and (today - r.birth_date).days > 18 * 365] or residents
    planned: list[tuple[Log, Story, datetime.date | None, float]] = []
    n = 0
    for week in range(WEEKS):
        for _ in range(rng.randint(2, 4)):
            n += 1
            token = f"{MARKER}{grid.code}-{n:03d}"
            day = start + datetime.timedelta(days=week * 7 + rng.randrange(7))
            minutes = rng.randrange(30, 9 * 60)
            story = rng.choice(STORIES)
            worker = rng.choice(workers)
            companion = rng.choice(police) if police and rng.random() < 0.3 else None
            resident = rng.choice(adults) if story.person and adults and rng.random() < 0.9 else None
            visitor = rng.choice(VISITORS) if story.person and resident is None else ""
            due_days = rng.randint(5, 20)
            participants, households = rng.randint(12, 60), rng.randint(8, 40)
            form = rng.choice(list(Log.PublicityForm.values))
            done_roll = rng.random()
            if day > today or token in existing:
                continue
            occurred = _local(day, minutes)
            if occurred > now:
                occurred = now - datetime.timedelta(minutes=5)
            publicity = story.kind == Kind.PUBLICITY
            created = min(occurred + datetime.timedelta(minutes=10), now)
            # The officer who went along co-signed within hours; the last days' visits still await him.
            cosign, cosigned_at = "", None
            if companion is not None:
                if (today - day).days > COSIGN_PENDING_DAYS:
                    cosign, cosigned_at = (
                        Log.Cosign.SIGNED,
                        max(min(occurred + datetime.timedelta(hours=3), now), created),
                    )
                else:
                    cosign = Log.Cosign.AWAITING
            log = Log(
                grid=grid,
                village=grid.village,
                township=township,
                district=district,
                recorded_by=worker,
                accompanied_by=companion,
                occurred_at=occurred,
                place=resident.address if resident else grid.name,
                kind=story.kind,
                category=story.category,
                resident=resident,
                visitor_name=visitor,
                matter=story.matter,
                policy_basis=story.policy,
                result=story.result,
                next_step=story.step,
                publicity_form=form if publicity else "",
                participants=participants if publicity else None,
                households_reached=households if publicity else None,
                status=Log.Status.FILED,
                client_token=token,
                created_at=created,
                cosign=cosign,
                cosigned_at=cosigned_at,
            )
            due = None
            if story.step == NextStep.AGENCY:
                # The last fortnight's matters fall due in the next days (reminders to see).
                due = day + datetime.timedelta(days=due_days)
                if (today - day).days < 14:
                    due = today + datetime.timedelta(days=1 + (due_days % 5))
            planned.append((log, story, due, done_roll))
    if not planned:
        return 0
    Log.objects.bulk_create([p[0] for p in planned], batch_size=500)
    events, matters = [], []
    for log, story, due, done_roll in planned:
        events.append(_event(log, LogEvent.Kind.FILED, str(Log.NextStep(log.next_step).label)))
        if log.cosign == Log.Cosign.SIGNED:
            cosigned = _event(log, LogEvent.Kind.COSIGNED, "", at=log.cosigned_at)
            cosigned.actor = log.accompanied_by
            events.append(cosigned)
        if due is None:
            continue
        m = AgencyMatter(
            log=log,
            resident=log.resident,
            person_name=log.person_name,
            grid=grid,
            village=grid.village,
            township=township,
            district=district,
            matter_type=story.agency or AgencyMatter.Type.OTHER,
            due_on=due,
            assignee=log.recorded_by,
            created_at=log.created_at,
        )
        events.append(_event(log, LogEvent.Kind.AGENCY_OPENED, f"{m.get_matter_type_display()} · {due:%Y-%m-%d}"))
        # Past due: most done (a few left overdue); not yet due: some done early.
        finished = done_roll < (0.93 if due < today else 0.25)
        if finished:
            done_on = min(due - datetime.timedelta(days=int(done_roll * 4)), today)
            done_at = min(_local(max(done_on, log.occurred_at.date()), 7 * 60), timezone.now())
            m.status, m.completed_at, m.completed_by = AgencyMatter.Status.DONE, done_at, log.recorded_by
            m.result = "已办结，结果已告知本人"
            events.append(
                _event(log, LogEvent.Kind.AGENCY_COMPLETED, f"{m.get_matter_type_display()}: {m.result}", at=done_at)
            )
        matters.append(m)
    AgencyMatter.objects.bulk_create(matters, batch_size=500)
    LogEvent.objects.bulk_create(events, batch_size=1000)
    return len(planned)


def _event(log: Log, kind: str, note: str, *, at: datetime.datetime | None = None) -> LogEvent:
    """An event on a demo log's timeline, by the grid worker who recorded it, at its filing
    unless at says otherwise."""
    return LogEvent(log=log, kind=kind, actor=log.recorded_by, at=at or log.created_at, note=note, status=log.status)


def _file(grid: Grid, worker: User, token: str, when: datetime.datetime, matter: str, **kw) -> Log:
    return s.log_file(
        actor=worker,
        grid=grid,
        at=when + datetime.timedelta(minutes=15),
        occurred_at=when,
        kind=kw.pop("kind", Kind.INCIDENT),
        category=kw.pop("category", Category.OTHER),
        matter=matter,
        client_token=token,
        **kw,
    )


def _seed_flow(grids: list[Grid], today: datetime.date, existing: set[str]) -> int:
    """Logs at every stage of the reporting flow, in the first village (village1's) and one
    in the second; and two logs turned into disputes. Taken through the services."""
    by_village: dict[int, list[Grid]] = {}
    for g in grids:
        by_village.setdefault(g.village_id, []).append(g)
    villages = sorted({g.village for g in grids}, key=lambda v: v.code)
    v1 = villages[0]
    grid = by_village[v1.pk][0]
    workers, _police = _team(grid)
    clerk = _clerk(v1)
    township = Area.objects.get(code=Area.parent_code_of(v1.code))
    district = Area.objects.get(code=Area.parent_code_of(township.code))
    t_staff, d_staff = _staff(Role.TOWNSHIP_STAFF, township), _staff(Role.DISTRICT_STAFF, district)
    department = Department.objects.filter(district=district, is_active=True).order_by("pk").first()
    dept_staff = (
        User.objects.filter(role=Role.DEPARTMENT_STAFF, department=department, is_active=True).order_by("pk").first()
        if department
        else None
    )
    if not (workers and clerk and t_staff and d_staff and department and dept_staff):
        return 0
    worker = next((w for w in workers if w.username == "grid1"), workers[0])
    residents = list(Resident.objects.filter(grid=grid).order_by("pk")[:12])
    made = 0

    def when(days_ago: int, hour: int = 9) -> datetime.datetime:
        return _local(today - datetime.timedelta(days=days_ago), (hour - 8) * 60)

    def story(key: str, days_ago: int, steps) -> None:
        nonlocal made
        token = f"{MARKER}flow-{key}"
        if token in existing:
            return
        t = when(days_ago)
        log = _file(
            grid,
            worker,
            token,
            t,
            FLOW_STORIES[key],
            next_step=NextStep.REPORT,
            resident=residents[made % len(residents)] if residents else None,
            category=Category.SECURITY_HAZARD
            if "堤" in FLOW_STORIES[key] or "矿" in FLOW_STORIES[key]
            else Category.OTHER,
        )
        at = t + datetime.timedelta(hours=2)
        for step in steps:
            at += datetime.timedelta(hours=20)
            step(log, at)
        made += 1

    def handle(actor, handler):
        return lambda log, at: s.log_handle_here(log=log, actor=actor, at=at, handler=handler, note="请尽快核实处理")

    def up(actor):
        return lambda log, at: s.log_report_up(log=log, actor=actor, at=at, note="超出本级处置能力，请上级协调")

    def back(actor, text):
        return lambda log, at: s.log_feed_back(log=log, actor=actor, at=at, result=text)

    def told(actor, how, satisfaction):
        return lambda log, at: s.log_tell_parties(log=log, actor=actor, at=at, how=how, satisfaction=satisfaction)

    def dept():
        return lambda log, at: s.log_assign_department(
            log=log, actor=d_staff, at=at, department=department, note="请职能部门办理并反馈"
        )

    def supervise(actor, note):
        # Supervision by the higher level (挂牌督办): due three days after the seeding day.
        return lambda log, at: s.log_supervise(
            log=log, actor=actor, at=at, due_on=today + datetime.timedelta(days=3), note=note
        )

    def due_soon(log, at):
        # So a newcomer sees a reported log nearing its deadline (and its reminder): the
        # village's deadline is moved to tomorrow evening (the policy would give days more).
        Log.objects.filter(pk=log.pk).update(due_at=end_of_day(today + datetime.timedelta(days=1)))

    story("new", 1, [])
    story("village_in_hand", 4, [handle(clerk, worker), supervise(t_staff, "涉及一组供水，请三日内报告维修进展")])
    story("village_due_soon", 3, [handle(clerk, worker), due_soon])
    # Told to the parties by the grid worker; the results of the township and the department
    # below still wait in village1's and grid1's "tell the parties" lists.
    story(
        "village_fed_back",
        12,
        [handle(clerk, clerk), back(clerk, "已协调保洁公司增加清运频次至每日一次"), told(worker, "visit", "satisfied")],
    )
    story("township_new", 3, [up(clerk)])
    story("township_in_hand", 8, [up(clerk), handle(t_staff, t_staff)])
    story(
        "township_fed_back",
        20,
        [up(clerk), handle(t_staff, t_staff), back(t_staff, "已与客运公司协调，恢复每日早晚各一班")],
    )
    story(
        "district_new", 6, [up(clerk), up(t_staff), supervise(d_staff, "安全隐患，区中心挂牌督办，请限期落实防护措施")]
    )
    story("department", 15, [up(clerk), up(t_staff), dept()])
    story(
        "department_fed_back",
        30,
        [up(clerk), up(t_staff), dept(), back(dept_staff, "经核查系银行账户信息错误，已更正并补发两月救助金")],
    )
    made += _urgent_incident(grid, worker, clerk, when, existing)
    if len(villages) > 1:
        v2_grid = by_village[villages[1].pk][0]
        w2, _p = _team(v2_grid)
        token = f"{MARKER}flow-village2_new"
        if w2 and token not in existing:
            _file(v2_grid, w2[0], token, when(2), FLOW_STORIES["village2_new"], next_step=NextStep.REPORT)
            made += 1
    made += _seed_cosign(grid, worker, residents, when, existing)
    # Two logs turned into disputes at filing (the ledger numbers come from the ledger).
    for i, (text, days_ago) in enumerate(
        [("两户因宅基地界址发生争执，互不相让", 9), ("村民反映承包鱼塘合同到期后租金纠纷", 25)]
    ):
        token = f"{MARKER}flow-dispute-{i}"
        if token in existing or not residents:
            continue
        _file(
            grid,
            worker,
            token,
            when(days_ago, 10),
            text,
            kind=Kind.VISIT,
            category=Category.DISPUTE,
            resident=residents[-1 - i],
            next_step=NextStep.DISPUTE,
        )
        made += 1
    return made


COSIGN_STORIES = {
    "awaiting": "陪同社区民警走访独居老人，检查燃气灶具和电线安全",
    "signed": "与社区民警共同调处邻里噪音矛盾，双方当场表示理解",
    "declined": "走访出租房屋，登记流动人口三人",
    "police": "巡查发现村口废弃厂房电线裸露，存在安全隐患，已设置警示",
}


def _seed_cosign(grid: Grid, worker: User, residents: list[Resident], when, existing: set[str]) -> int:
    """Co-signed logs (会签) through the services, so that police1 finds his notifications:
    one awaiting him, one he co-signed, one an auxiliary declined with a note, and one
    police1 filed himself that awaits the auxiliary."""
    _workers, police = _team(grid)
    officer = next((p for p in police if p.role == Role.COMMUNITY_POLICE), None)
    aux = next((p for p in police if p.role == Role.AUXILIARY_POLICE), None)
    if officer is None or aux is None:
        return 0
    made = 0
    plan = [
        ("awaiting", worker, officer, 1, None),
        ("signed", worker, officer, 6, lambda log, at: s.log_cosign(log=log, actor=officer, at=at)),
        (
            "declined",
            worker,
            aux,
            9,
            lambda log, at: s.log_decline_cosign(log=log, actor=aux, at=at, note="当天在派出所值班，未随同走访"),
        ),
        ("police", officer, aux, 2, None),
    ]
    for i, (key, filer, companion, days_ago, then) in enumerate(plan):
        token = f"{MARKER}cosign-{key}"
        if token in existing:
            continue
        t = when(days_ago, 10)
        police_filed = key == "police"
        log = _file(
            grid,
            filer,
            token,
            t,
            COSIGN_STORIES[key],
            kind=Kind.INSPECTION if police_filed else Kind.VISIT,
            category=Category.SECURITY_HAZARD if police_filed else Category.OTHER,
            resident=None if police_filed or not residents else residents[i % len(residents)],
            accompanied_by=companion,
        )
        if then is not None:
            then(log, t + datetime.timedelta(hours=4))
        made += 1
    return made


# --- The police review queue (govcenter.police) ------------------------------------------------

RECENT = datetime.timedelta(days=2)  # queued logs younger than this are left waiting
POLICE_OPINIONS = {
    Category.SECURITY_HAZARD: ("police_intervene", "已安排社区民警会同网格员现场核查，督促整改隐患，纳入巡逻重点。"),
    Kind.INCIDENT: ("joint_mediation", "经现场了解，属一般民间纠纷，社区民警参与联合调处。"),
}


def _urgent_incident(grid: Grid, worker: User, clerk: User, when, existing: set[str]) -> int:
    """An urgent incident report (紧急, danger to life) grid1 filed yesterday afternoon, which
    village1 passed straight to the district forty minutes later: it waits first in
    district1's queue and station1's review queue. Its alarms went out then, so the demo
    sends no e-mail or SMS about it now."""
    token = f"{MARKER}flow-urgent"
    if token in existing:
        return 0
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    t = when(1, 15)
    log = _file(
        grid,
        worker,
        token,
        t,
        FLOW_STORIES["urgent"],
        next_step=NextStep.REPORT,
        category=Category.PRODUCTION_SAFETY,
        place="村后山塘",
        urgent_reason=UrgentReason.DANGER_TO_LIFE,
    )
    s.log_pass_to_district(
        log=log, actor=clerk, at=t + datetime.timedelta(minutes=55), note="险情危及下游群众生命安全，请区中心直接调度"
    )
    Notification.objects.filter(pk__gt=last, delivered_at__isnull=True).update(delivered_at=timezone.now())
    return 1


def _police_waiting(grids: list[Grid], now: datetime.datetime, existing: set[str]) -> int:
    """A public-security hazard log in village1's first grid, filed yesterday, in the review
    queue of station1 and police1."""
    token = f"{MARKER}police-hazard"
    if token in existing:
        return 0
    grid = next((g for g in grids if _team(g)[0] and any(w.username == "grid1" for w in _team(g)[0])), None)
    if grid is None:
        return 0
    workers, police = _team(grid)
    worker = next(w for w in workers if w.username == "grid1")
    when = now - datetime.timedelta(hours=22)
    _file(
        grid,
        worker,
        token,
        when,
        "巡查发现村西废弃砖厂内夜间有外来人员聚集，疑似聚众赌博，周边村民反映有陌生车辆频繁出入。",
        kind=Kind.INSPECTION,
        category=Category.SECURITY_HAZARD,
        place="村西废弃砖厂",
        accompanied_by=police[0] if police else None,
    )
    return 1


def _police_judge_older(now: datetime.datetime) -> int:
    """The police have judged every queued demo log older than ``RECENT`` (the day after it
    was filed), so that only recent ones wait and nothing old is overdue; the notifications
    this sends are dated then and read."""
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    judged = 0
    rows = Log.objects.filter(
        client_token__startswith=MARKER, police_review="pending", created_at__lt=now - RECENT
    ).order_by("created_at", "pk")
    for log in rows:
        officer = police_of(log).first()
        if officer is None:
            continue
        at = min(log.created_at + datetime.timedelta(hours=20), now)
        verdict, text = POLICE_OPINIONS.get(log.category) or POLICE_OPINIONS[Kind.INCIDENT]
        s.log_give_police_opinion(log=log, actor=officer, at=at, verdict=verdict, opinion=text)
        LogPoliceReview.objects.filter(log=log).update(created_at=at)
        Notification.objects.filter(pk__gt=last).update(created_at=at, delivered_at=at, read_at=at)
        last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or last
        judged += 1
    # The disputes the demo logs were turned into, judged the same way.
    cases = Dispute.objects.filter(
        sentiment_log__client_token__startswith=MARKER, police_review="pending", registered_at__lt=now - RECENT
    ).exclude(status=Dispute.Status.ARCHIVED)
    for d in cases.order_by("registered_at", "pk"):
        officer = police_of(d).first()
        if officer is None:
            continue
        at = min(d.registered_at + datetime.timedelta(hours=20), now)
        verdict, text = police_verdict_for(d)
        review = dispute_services.dispute_add_police_review(
            dispute=d, actor=officer, at=at, verdict=verdict, opinion=text
        )
        PoliceReview.objects.filter(pk=review.pk).update(created_at=at)
        Notification.objects.filter(pk__gt=last).update(created_at=at, delivered_at=at, read_at=at)
        last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or last
        judged += 1
    return judged
