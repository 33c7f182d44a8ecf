"""Chinese content of the demo's meeting history: titles, agendas, records, minutes, reasons.

Demo content, not UI: the strings are the data a branch would have typed in, so they are
literals rather than translations. `{unit}` stands for the business unit a topic serves,
`{company}` for the company a committee leads. Which meetings exist, who came and how votes
went is decided in `demo.meetings`; this module only words it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ronghe.orglife.models import Attendance, MeetingKind, Resolution
from ronghe.orgs.models import PartyOrg

K = MeetingKind

# 主题党日 by calendar month: (theme, activities, follow-up).
THEME_DAYS: dict[int, tuple[str, str, str]] = {
    1: (
        "新春送温暖 走访慰问老党员",
        "走访慰问困难党员和离退休老党员，送上慰问品；学习上级党委年度工作会议精神。",
        "建立困难党员帮扶台账，每季度回访一次。",
    ),
    2: (
        "学习上级党委年度工作会议精神",
        "集中学习上级党委年度工作会议报告，分组讨论本部门全年工作思路。",
        "各党小组结合岗位列出全年攻坚事项，下月支委会汇总。",
    ),
    3: (
        "学雷锋志愿服务进社区",
        "组织党员志愿者到共建社区开展义务维修、安全用电宣传，学习雷锋精神。",
        "志愿服务常态化，每月安排两名党员轮值。",
    ),
    4: (
        "清明祭英烈 传承红色基因",
        "到烈士陵园敬献花篮、重温入党誓词，参观革命历史陈列。",
        "每名党员撰写一篇学习体会，在支部园地展示。",
    ),
    5: (
        "青春建功 党员先锋岗授牌",
        "为新设党员先锋岗、党员责任区授牌，青年党员代表作表态发言。",
        "先锋岗每月公示一次工作实绩。",
    ),
    6: (
        "安全生产月 党员身边无事故",
        "党员带头开展安全隐患排查，签订安全承诺书，观看事故警示片。",
        "排查出的隐患逐项明确责任人和整改时限。",
    ),
    7: (
        "庆祝建党 重温入党誓词",
        "集体重温入党誓词，为党龄满五十年的老党员颁发纪念章，新党员代表发言。",
        "开展“我为群众办实事”活动，收集职工急难愁盼问题。",
    ),
    8: (
        "学党纪 守底线 警示教育",
        "学习《中国共产党纪律处分条例》，观看警示教育片，开展廉洁从业讨论。",
        "每名党员对照检查一次，支委会汇总问题清单。",
    ),
    9: (
        "迎国庆 党员志愿服务",
        "开展节前安全检查和志愿服务，学习爱国主义教育材料。",
        "节日期间党员带头值班值守。",
    ),
    10: (
        "重阳敬老 走访退休老党员",
        "走访退休老党员，听取老党员对单位发展的意见建议。",
        "老党员提出的意见建议转有关部门办理并反馈。",
    ),
    11: (
        "学习《中国共产党支部工作条例（试行）》",
        "逐章学习支部工作条例，对照检查支部全年三会一课落实情况。",
        "查出的记录不全问题年底前补齐。",
    ),
    12: (
        "年终总结 对照检查",
        "回顾全年主题党日活动，征求党员群众对支部工作的意见建议。",
        "意见建议纳入组织生活会对照检查材料。",
    ),
}

LECTURES = [
    "坚定理想信念 做新时代合格共产党员",
    "以高质量党建引领企业高质量发展",
    "弘扬劳模精神 立足岗位建新功",
    "传承红色基因 赓续精神血脉",
    "全面从严治党向基层延伸",
    "守牢安全生产红线 党员带头作表率",
    "新时代国有企业党员的责任与担当",
    "学党史 悟思想 办实事",
]

GROUP_STUDIES = [
    "学习《中国共产党章程》总纲和第一章",
    "学习《中国共产党纪律处分条例》相关章节",
    "学习上级党委近期会议精神，结合班组工作谈体会",
    "学习党的创新理论专题摘编",
    "学习安全生产法律法规，讨论班组安全隐患",
    "开展谈心谈话，互相提醒工作中的不足",
    "学习先进典型事迹，讨论如何在岗位上发挥作用",
    "学习《中国共产党党员教育管理工作条例》",
]

COMMITTEE_TOPICS = [
    "研究本月主题党日活动安排",
    "讨论入党积极分子培养考察情况",
    "研究党员发展计划",
    "通报党费收缴情况",
    "研究支部季度工作计划",
    "讨论党员积分考评结果",
    "研究困难党员帮扶事项",
    "研究党员教育培训安排",
]

FOR_GENERAL_MEETING = [
    "支委会季度工作报告，提请支部党员大会审议。",
    "拟列为发展对象的人选，提请支部党员大会讨论。",
    "支部年度工作计划调整，提请支部党员大会通过。",
    "优秀共产党员推荐人选，提请支部党员大会表决。",
]

GENERAL_TOPICS = [
    "听取支部委员会季度工作报告",
    "通报党费收缴和使用情况",
    "通报发展党员工作情况",
    "审议支部年度工作计划",
    "推荐优秀共产党员人选",
]

GENERAL_RESOLUTIONS = [
    "通过支部委员会季度工作报告。",
    "同意支部委员会关于创建“党员先锋岗”的实施方案。",
    "通过支部年度工作计划（调整稿）。",
    "同意推荐一名同志为年度优秀共产党员，报上级党委审定。",
]

COMMITTEE_RESOLUTIONS = [
    "同意本月主题党日活动方案。",
    "同意年度发展党员工作计划，报上级党委。",
    "同意困难党员帮扶方案，由支部委员分片走访落实。",
    "同意党员教育培训计划。",
]

OUTCOMES = {"passed": "通过", "failed": "未通过"}
NO_QUORUM = "到会有表决权的人数未超过应到会人数的一半，不进行表决，表决事项顺延至下次会议。"

# Business topics: (title, business goal served). A topic names its unit, its goal, or both.
BUSINESS_TOPICS = [
    ("{unit}安全生产隐患排查整治情况", "年度安全生产目标"),
    ("{unit}降本增效攻坚进展", "年度降本增效目标"),
    ("{unit}本月重点工作推进情况", ""),
    ("党员先锋岗在{unit}重点任务中的作用发挥", "党建与业务融合"),
    ("{unit}技术攻关项目进展", "科技创新项目"),
    ("{unit}年度经营指标完成情况分析", "年度经营目标"),
    ("{unit}质量管理提升行动", "质量提升行动"),
    ("{unit}职工技能培训安排", "人才队伍建设"),
]

# 党委会: matters studied by the Party committee before the board decides (前置研究).
COMMITTEE_SESSION_TOPICS = [
    ("研究{company}年度投资计划（前置研究讨论）", "“三重一大”事项前置研究"),
    ("听取{company}经营情况汇报", "年度经营目标"),
    ("研究{company}安全生产专项整治方案", "年度安全生产目标"),
    ("研究{company}中层干部调整事项", "干部队伍建设"),
    ("研究{company}科技创新激励办法（前置研究讨论）", "“三重一大”事项前置研究"),
    ("研究{company}薪酬分配调整方案（前置研究讨论）", "“三重一大”事项前置研究"),
]

COMMITTEE_SESSION_RESOLUTIONS = [
    "同意该事项提交董事会（经理层）决策。",
    "原则同意，按会议意见修改后提交董事会（经理层）决策。",
    "同意该方案，由经理层组织实施并定期报告进展。",
]

CENTRAL_GROUP_STUDIES = [
    "学习党的创新理论最新成果",
    "学习国有企业改革深化提升行动有关要求",
    "学习《中国共产党国有企业基层组织工作条例（试行）》",
    "学习安全生产重要论述",
    "学习全面从严治党有关要求",
]

THEME_DAY_RESOLUTIONS = [
    "成立党员志愿服务队，由宣传委员牵头组织。",
    "在班组设立党员责任区，名单在支部园地公示。",
]

ORG_LIFE_RECTIFICATION = (
    "1. 理论学习不够系统：制定季度学习计划（责任人：书记）\n"
    "2. 党员作用发挥不均衡：完善党员积分管理（责任人：组织委员）\n"
    "3. 联系职工群众不够：每名支委联系一个班组（责任人：各支委）"
)

DEMOCRATIC_LIFE_RECTIFICATION = (
    "1. 前置研究事项清单需细化（责任人：党委书记）\n"
    "2. 基层调研次数不足（责任人：各党委委员）\n"
    "3. 党建与业务考核结合不紧（责任人：党委副书记）"
)

LEAVE_REASONS = ["出差", "病假", "年休假", "倒班值守", "外出培训", "家中有事", "参加上级会议"]
SITE_LEAVE = "在外地项目现场"
ABSENT_REASONS = ["", "", "", "未请假", "临时抢修未到会"]

PLACES = ["党员活动室", "{unit}会议室", "三楼小会议室"]
THEME_DAY_PLACES = ["党员活动室", "红色教育基地", "共建社区党群服务中心", "{unit}生产现场"]
COMMITTEE_PLACES = ["党委会议室", "第一会议室"]

CLOSINGS = [
    "会议要求各位党员把学习成果转化为推动工作的实际行动。",
    "会议要求各党小组抓好落实，下次会议通报进展。",
    "会议要求支委分工负责，按时限完成各项任务。",
]


def title(kind: str, org_kind: str, period_start: date, rng: random.Random) -> str:
    """The usual title of a period's meeting (the month's, the quarter's, the year's)."""
    month, year = period_start.month, period_start.year
    quarter = (month - 1) // 3 + 1
    match kind:
        case K.COMMITTEE_MEETING:
            return f"{month}月支部委员会会议"
        case K.THEME_DAY:
            return f"{month}月主题党日：{THEME_DAYS[month][0]}"
        case K.GENERAL_MEETING:
            return f"{year}年第{quarter}季度支部党员大会"
        case K.PARTY_LECTURE:
            return f"专题党课：{rng.choice(LECTURES)}"
        case K.GROUP_MEETING:
            return f"{month}月党小组会"
        case K.ORG_LIFE_MEETING:
            return f"{year}年度组织生活会"
        case K.DEMOCRATIC_LIFE_MEETING:
            return f"{year}年度领导班子民主生活会"
        case K.CENTRAL_GROUP_STUDY:
            return f"党委理论学习中心组{month}月集体学习"
        case K.COMMITTEE_SESSION if org_kind == PartyOrg.Kind.GENERAL_BRANCH:
            return f"{year}年第{quarter}季度党总支委员会会议"
        case K.COMMITTEE_SESSION:
            return f"{month}月党委会"
        case _:
            return "座谈会"


def place(kind: str, unit: str, rng: random.Random) -> str:
    if kind == K.THEME_DAY:
        choices = THEME_DAY_PLACES
    elif kind in (K.DEMOCRATIC_LIFE_MEETING, K.CENTRAL_GROUP_STUDY, K.COMMITTEE_SESSION):
        choices = COMMITTEE_PLACES
    else:
        choices = PLACES
    return rng.choice(choices).format(unit=unit)


def agenda(kind: str, meeting_title: str, rng: random.Random) -> list[str]:
    """The ordinary (not business) topics of a meeting."""
    match kind:
        case K.COMMITTEE_MEETING:
            return rng.sample(COMMITTEE_TOPICS, 2)
        case K.GENERAL_MEETING:
            return rng.sample(GENERAL_TOPICS, 2)
        case K.ORG_LIFE_MEETING:
            return ["通报上年度整改落实情况", "对照检查，开展批评和自我批评", "民主评议党员"]
        case K.DEMOCRATIC_LIFE_MEETING:
            return ["通报上年度民主生活会整改情况", "班子成员对照检查，开展批评和自我批评"]
        case K.CENTRAL_GROUP_STUDY:
            return [rng.choice(CENTRAL_GROUP_STUDIES)]
        case K.GROUP_MEETING:
            return [rng.choice(GROUP_STUDIES)]
    return [meeting_title.split("：", 1)[-1]]  # a lecture's or theme day's own theme


def details(
    kind: str,
    *,
    period_start: date,
    day: date,
    today: date,
    lecturer: str,
    by_secretary: bool,
    speakers: str,
    first_topic: str,
    rng: random.Random,
) -> dict[str, Any]:
    """The kind's own record fields (`orglife.kinds`), as the record form would store them."""
    match kind:
        case K.COMMITTEE_MEETING:
            if period_start.month % 3 == 0:  # the quarter's general meeting is coming
                return {"for_general_meeting": rng.choice(FOR_GENERAL_MEETING)}
        case K.GROUP_MEETING:
            return {"study_content": first_topic}
        case K.PARTY_LECTURE:
            return {"lecturer": lecturer, "by_secretary": by_secretary}
        case K.THEME_DAY:
            _, activities, follow_up = THEME_DAYS[period_start.month]
            return {"activities": activities, "follow_up": follow_up}
        case K.ORG_LIFE_MEETING:
            return {
                "talks_before": True,
                "member_review": True,
                "rectification": ORG_LIFE_RECTIFICATION,
            }
        case K.DEMOCRATIC_LIFE_MEETING:
            record: dict[str, Any] = {
                "guidance": "上级党委派员到会指导",
                "rectification": DEMOCRATIC_LIFE_RECTIFICATION,
            }
            reported = day + timedelta(days=rng.randint(5, 14))  # within 15 days (R2.6)
            if reported <= today:
                record["reported_on"] = reported.isoformat()
            return record
        case K.CENTRAL_GROUP_STUDY:
            return {"speakers": speakers, "materials": first_topic}
        case K.COMMITTEE_SESSION:
            return {"attending_without_vote": "经理层非党委委员成员"}
    return {}


def minutes(
    kind: str,
    *,
    host: str,
    recorder: str,
    statuses: Counter[str],
    topics: Sequence[tuple[str, bool]],
    resolutions: Sequence[Resolution],
    record: dict[str, Any],
    rng: random.Random,
) -> str:
    """The minutes as a recorder writes them: who chaired, the headcount, the agenda, what
    was discussed and decided (with the vote), and the closing request."""
    came = statuses[Attendance.Status.PRESENT] + statuses[Attendance.Status.LATE]
    lines = [
        f"会议由{host}主持，{recorder}记录。应到{statuses.total()}人，实到{came}人，"
        f"请假{statuses[Attendance.Status.LEAVE]}人，缺席{statuses[Attendance.Status.ABSENT]}人。",
        "议题：" + "；".join(f"{n}. {text}" for n, (text, _) in enumerate(topics, 1)) + "。",
    ]
    match kind:
        case K.THEME_DAY:
            lines.append(f"活动内容：{record['activities']}")
        case K.PARTY_LECTURE:
            lines.append(
                f"{record['lecturer']}同志以“{topics[0][0]}”为题讲授党课，"
                "与会党员结合岗位实际交流了学习体会。"
            )
        case K.GROUP_MEETING:
            lines.append("党员逐一发言，结合班组工作谈认识、找差距。")
        case K.ORG_LIFE_MEETING:
            lines.append(
                "会前开展了谈心谈话、广泛征求意见；会上支部书记代表支委会作对照检查，"
                "党员逐一发言，开展批评和自我批评，并进行了民主评议党员。"
            )
        case K.DEMOCRATIC_LIFE_MEETING:
            lines.append("班子成员逐一对照检查，开展批评和自我批评，上级党组织派员到会指导。")
        case _:
            lines.append("与会同志对议题逐项进行了讨论，形成一致意见。")
    for text, is_business in topics:
        if is_business:
            lines.append(f"业务议题“{text}”：与会同志围绕任务分工和时间节点提出了意见。")
    for resolution in resolutions:
        vote = ""
        if resolution.vote_kind == Resolution.VoteKind.ORDINARY:
            vote = (
                f"（赞成{resolution.yes}票，反对{resolution.no}票，弃权{resolution.abstain}票，"
                f"{OUTCOMES[resolution.outcome]}）"
            )
        lines.append(f"会议决定：{resolution.text}{vote}")
    lines.append(rng.choice(CLOSINGS))
    return "\n".join(lines)
