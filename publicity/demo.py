"""Demo data of publicity: campaigns in every state, taken through the real services with
the demo users as actors, so that checks, events, assignments and notifications are the
portal's own.

- a draft (village 1), one awaiting review (village 1), one returned with a note
  (石门乡), one approved and not yet distributed (the district);
- 反诈宣传月 (drafted by 桃源镇, returned once, then approved): distributed to every
  township, handed by each village to all its grids, due in ten days, half the grids
  done with one to three activities each, a quarter with an activity and not done yet;
- 防溺水 (the district): handed to the grids of two townships, due three days ago, a
  third done and the rest overdue; one village has not handed it out at all;
- 宅基地政策 (the district): an earlier campaign, every grid done, closed.

Called by ``manage.py seed_demo`` after the sentiment demo. Each campaign is keyed by
its title within the district: a second run finds them and creates nothing. Choices
come from a generator seeded per app, so the data is the same on every machine except
for the dates, which are counted from today.
"""

from __future__ import annotations

import datetime
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from govcenter.models import Area, User
from grids.models import Grid, GridMembership

from . import services as s
from .models import Assignment, Campaign

Role = User.Role
Duty = GridMembership.Duty


# --- leaflets ---------------------------------------------------------------------------


def leaflet_pdf(lines: list[str]) -> bytes:
    """A one-page A5 PDF with the lines in Helvetica (ASCII: no font to embed), with a
    correct cross-reference table, so that browsers' viewers open it."""
    text = ["BT", "/F1 18 Tf", "40 540 Td", "24 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def leaflet_png(width: int = 360, height: int = 200, stripes=((13, 110, 253), (255, 255, 255), (220, 53, 69))) -> bytes:
    """A banner of horizontal stripes as a PNG, made with zlib alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        colour = bytes(stripes[y * len(stripes) // height])
        rows += b"\x00" + colour * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


# --- the campaigns ------------------------------------------------------------------------


@dataclass
class Story:
    title: str
    topic: str
    content: str
    audiences: list[str]
    forms: list[str]
    start: int  # days from today
    end: int
    author: str  # "district", "township1", "township2", "village1"
    play: str  # what happens to it, see _play_* below
    leaflet: Callable[[], SimpleUploadedFile] | None = None


def _pdf_upload() -> SimpleUploadedFile:
    lines = [
        "Anti-fraud month 2026",
        "Do not answer, do not believe,",
        "do not transfer money.",
        "Anti-fraud hotline 96110",
        "Police 110",
    ]
    return SimpleUploadedFile("反诈宣传单.pdf", leaflet_pdf(lines), content_type="application/pdf")


def _png_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("防溺水海报.png", leaflet_png(), content_type="image/png")


STORIES = [
    Story(
        "2026年反电信网络诈骗宣传月",
        "anti_fraud",
        "一、识别常见骗局：刷单返利、冒充客服、冒充公检法、虚假投资理财、“杀猪盘”。\n"
        "二、牢记“三不一多”：未知链接不点击，陌生来电不轻信，个人信息不透露，转账汇款多核实。\n"
        "三、指导群众下载安装“国家反诈中心”APP，接到96110来电务必接听。\n"
        "四、重点面向老年人、留守妇女，入户讲解并发放宣传单。",
        ["all_residents", "elderly", "women"],
        ["door_to_door", "centralised", "fixed_point"],
        -14,
        16,
        "township1",
        "half_done",
        _pdf_upload,
    ),
    Story(
        "夏季防溺水安全教育",
        "anti_drowning",
        "暑期将至，请各网格逐户提醒留守儿童监护人：不私自下水游泳，不擅自与同学结伴游泳，"
        "不在无家长带领的情况下游泳，不到无安全设施、无救护人员的水域游泳。\n"
        "检查村内水塘、河道警示牌和救生圈是否完好，发现缺失及时报村委会。",
        ["left_behind_children", "schools"],
        ["door_to_door", "centralised"],
        -25,
        5,
        "district",
        "overdue",
        _png_upload,
    ),
    Story(
        "农村宅基地政策解读",
        "livelihood_policy",
        "讲解“一户一宅”、宅基地申请审批流程、建房面积标准，以及违法占地建房的后果。",
        ["all_residents"],
        ["centralised", "fixed_point"],
        -75,
        -45,
        "district",
        "closed",
    ),
    Story(
        "城乡居民医保参保缴费政策宣传",
        "livelihood_policy",
        "2027年度城乡居民基本医疗保险集中缴费期将至，宣传缴费标准、缴费渠道和困难群众资助参保政策。",
        ["all_residents", "elderly"],
        ["door_to_door", "fixed_point"],
        10,
        50,
        "district",
        "approved",
    ),
    Story(
        "反邪教警示教育进村入户",
        "anti_cult",
        "结合典型案例，讲解邪教组织的特征和危害，提醒群众不听、不信、不传，发现可疑情况及时报告。",
        ["all_residents", "elderly"],
        ["door_to_door"],
        7,
        37,
        "township2",
        "returned",
    ),
    Story(
        "平安乡村·法治进万家",
        "rule_of_law",
        "以《民法典》婚姻家庭编、相邻关系和人民调解法为重点，在村文化礼堂开展集中宣讲，并设点解答法律咨询。",
        ["all_residents", "women"],
        ["centralised", "fixed_point"],
        5,
        35,
        "village1",
        "submitted",
    ),
    Story(
        "安全生产月·小作坊消防安全",
        "safe_production",
        "走访村内小作坊、农家乐，宣传用火用电安全，检查灭火器配置和安全通道。",
        ["businesses"],
        ["door_to_door"],
        12,
        42,
        "village1",
        "draft",
    ),
]

PLACES = ["村文化礼堂", "村委会门口", "{g}祠堂前", "村便民服务中心", "{g}晒谷场", "村口小广场", "老年活动室"]
MATTERS = {
    "door_to_door": "逐户上门讲解，发放宣传单，重点提醒独居老人和留守妇女",
    "centralised": "在村文化礼堂集中宣讲，播放警示案例视频，现场答疑",
    "fixed_point": "设点摆放展板，发放宣传资料，现场登记咨询",
}


class _Clock:
    """Moments counted from today, never later than now (the services refuse the future)."""

    def __init__(self):
        self.now = timezone.now()
        self.today = timezone.localdate()

    def day(self, days: int) -> datetime.date:
        return self.today + datetime.timedelta(days=days)

    def at(self, days: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(self.day(days), datetime.time(hour, minute)))
        return min(moment, self.now - datetime.timedelta(minutes=1))


def _centre(role: str, area: Area | None) -> User | None:
    return User.objects.filter(role=role, area=area, is_active=True).order_by("pk").first() if area else None


def _team(grid: Grid) -> tuple[list[User], list[User]]:
    """(grid workers, police officers) serving the grid now."""
    rows = list(GridMembership.objects.filter(grid=grid, ended_on__isnull=True).select_related("user").order_by("pk"))
    workers = [m.user for m in rows if m.duty == Duty.GRID_WORKER and m.user.is_active]
    police = [m.user for m in rows if m.duty != Duty.GRID_WORKER and m.user.is_active]
    return workers, police


def seed(ctx: Any = None) -> list[Campaign]:
    """Create the demo campaigns that are not there yet; returns those made."""
    district1 = User.objects.filter(username="district1").select_related("area").first()
    district = getattr(ctx, "district", None) or (district1.area if district1 else None)
    if district is None or district1 is None:
        return []
    rng = ctx.rng("publicity") if ctx is not None and hasattr(ctx, "rng") else random.Random("2026:publicity")
    townships = list(Area.objects.filter(level=Area.Level.TOWNSHIP, path__startswith=district.path).order_by("code"))
    villages = list(Area.objects.filter(level=Area.Level.VILLAGE, path__startswith=district.path).order_by("code"))
    if len(townships) < 2 or not villages:
        return []
    authors = {
        "district": district1,
        "township1": _centre(Role.TOWNSHIP_STAFF, townships[0]),
        "township2": _centre(Role.TOWNSHIP_STAFF, townships[1]),
        "village1": _centre(Role.VILLAGE_CLERK, villages[0]),
    }
    existing = set(Campaign.objects.filter(district=district).values_list("title", flat=True))
    clock = _Clock()
    made = []
    with transaction.atomic():
        for story in STORIES:
            # Drawn for every story, so that adding one does not change the others' draws.
            story_rng = random.Random(f"{rng.random()}:{story.title}")
            author = authors.get(story.author)
            if story.title in existing or author is None:
                continue
            made.append(_play(story, author, district1, townships, clock, story_rng))
    if made and ctx is not None and getattr(ctx, "stdout", None):
        ctx.stdout.write(f"  publicity: {len(made)} campaigns")
    return made


def _play(story: Story, author: User, district1: User, townships: list[Area], clock: _Clock, rng) -> Campaign:
    data = s.CampaignData(
        title=story.title,
        topic=story.topic,
        content=story.content,
        starts_on=clock.day(story.start),
        ends_on=clock.day(story.end),
        audiences=story.audiences,
        allowed_forms=story.forms,
    )
    t = min(story.start, 0) - 12  # drafting starts well before the period
    c = s.campaign_create(actor=author, at=clock.at(t), data=data, leaflet=story.leaflet() if story.leaflet else None)
    if story.play == "draft":
        return c
    if story.author == "district":  # the district publishes its own campaign in one step
        s.campaign_publish(campaign=c, actor=author, at=clock.at(t + 4), note="同意，请按期开展")
        return _after_approval(story, c, district1, townships, clock, rng, t)
    s.campaign_submit(campaign=c, actor=author, at=clock.at(t + 1))
    if story.play == "submitted":
        return c
    if story.play in ("returned", "half_done"):
        s.campaign_return(
            campaign=c,
            actor=district1,
            at=clock.at(t + 2),
            note="请补充反诈专线96110和“国家反诈中心”APP的安装指导；活动形式增加定点宣传。"
            if story.play == "half_done"
            else "请补充本地典型案例，并注明宣传对象以中老年人为主。",
        )
        if story.play == "returned":
            return c
        s.campaign_update(campaign=c, actor=author, at=clock.at(t + 3), data=data)
        s.campaign_submit(campaign=c, actor=author, at=clock.at(t + 3, 15), note="已按要求补充")
    s.campaign_approve(campaign=c, actor=district1, at=clock.at(t + 4), note="同意，请按期开展")
    return _after_approval(story, c, district1, townships, clock, rng, t)


def _after_approval(
    story: Story, c: Campaign, district1: User, townships: list[Area], clock: _Clock, rng, t
) -> Campaign:
    if story.play == "approved":
        return c

    areas = {"half_done": townships, "overdue": townships[:2], "closed": townships[-1:]}[story.play]
    s.campaign_distribute(campaign=c, actor=district1, at=clock.at(t + 5), areas=areas)
    handed = clock.at(story.start + 1, 10)
    due = {"half_done": clock.day(10), "overdue": clock.day(-3), "closed": clock.day(story.end - 2)}[story.play]
    distributions = list(c.distributions.select_related("village").order_by("village__code"))
    if story.play == "overdue":
        distributions = distributions[:-1]  # the last village has not handed it out
    for d in distributions:
        clerk = _centre(Role.VILLAGE_CLERK, d.village)
        grids = list(Grid.objects.filter(village=d.village).order_by("code"))
        if clerk is None or not grids:
            continue
        s.assignments_hand_out(distribution=d, actor=clerk, at=handed, grids=grids, due_on=due)

    assignments = list(Assignment.objects.filter(campaign=c).select_related("grid", "campaign").order_by("grid__code"))
    first_day, last_day = story.start + 2, min(story.end, 0) - 1
    for i, a in enumerate(assignments):
        if story.play == "half_done":
            n, done = (rng.randint(1, 3), True) if i % 2 == 1 else ((1, False) if i % 4 == 0 else (0, False))
        elif story.play == "overdue":
            n, done = (rng.randint(1, 2), True) if i % 3 == 0 else ((1, False) if i % 3 == 1 else (0, False))
        else:
            n, done = rng.randint(1, 3), True
        _activities(a, n, done, story, first_day, last_day, clock, rng)
    if story.play == "closed":
        s.campaign_close(campaign=c, actor=district1, at=clock.at(story.end + 3), note="各网格均已完成")
    c.refresh_from_db()
    return c


def _activities(a: Assignment, n: int, done: bool, story: Story, first_day: int, last_day: int, clock, rng) -> None:
    workers, police = _team(a.grid)
    if not workers or n == 0:
        return
    days = sorted(rng.randint(first_day, max(first_day, last_day)) for _ in range(n))
    group = a.grid.description.split("、")[0] if a.grid.description else ""
    for day in days:
        form = rng.choice(story.forms)
        households = rng.randint(8, 30) if form == "door_to_door" else rng.randint(0, 6)
        participants = households + rng.randint(3, 20) if form == "door_to_door" else rng.randint(20, 90)
        s.activity_record(
            assignment=a,
            actor=rng.choice(workers),
            at=clock.at(day, 18),
            form=form,
            held_at=clock.at(day, rng.choice([9, 10, 14, 15]), rng.choice([0, 30])),
            place=rng.choice(PLACES).format(g=group),
            participants=participants,
            households=households,
            matter=MATTERS[form],
            accompanied_by=police[0] if police and rng.random() < 0.4 else None,
        )
    if done:
        s.assignment_complete(assignment=a, actor=workers[0], at=clock.at(days[-1], 19), note="已按要求完成宣传")
