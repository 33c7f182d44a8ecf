"""Plausible, fictional Chinese names and identity numbers for demo and benchmark data."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ronghe.people.identity import id_check_char

# Common surnames, roughly in order of frequency; weights favour the first ones.
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = [max(1.0, 30 - i * 0.3) for i in range(len(SURNAMES))]
GIVEN_MALE = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆建国立志德海峰亮新文博晨阳东林")
GIVEN_FEMALE = list("芳娜敏静丽艳娟霞秀英玲燕红梅琳晶颖雪婷洁倩佳慧欣怡璐琪萍莉丹蕾薇月莹")
# County-level codes that exist in GB/T 2260 (used only as plausible prefixes).
REGIONS = [
    "110105",
    "110108",
    "120101",
    "130102",
    "140105",
    "210102",
    "220102",
    "310104",
    "310115",
    "320102",
    "320506",
    "330106",
    "340104",
    "350102",
    "360102",
    "370102",
    "410105",
    "420106",
    "430104",
    "440106",
    "440305",
    "450103",
    "500103",
    "510107",
    "520102",
    "530102",
    "610113",
    "620102",
    "630102",
    "640104",
    "650102",
]
POSTS = [
    "工程师",
    "助理工程师",
    "技术员",
    "主任科员",
    "科员",
    "值长",
    "运行值班员",
    "检修工",
    "安全员",
    "财务主管",
    "会计",
    "人力资源专员",
    "项目经理",
    "班组长",
    "调度员",
    "质检员",
]


def person_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


def id_number(rng: random.Random, born: date, gender: str) -> str:
    sequence = rng.randrange(0, 1000)
    if (sequence % 2 == 1) != (gender == "male"):
        sequence = (sequence + 1) % 1000
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def birth_date(rng: random.Random, today: date) -> date:
    age_days = rng.randrange(22 * 365, 59 * 365)
    return today - timedelta(days=age_days)


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + f"{rng.randrange(0, 10**9):09d}"
