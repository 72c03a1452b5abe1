"""Rules applied on top of the model where the text is explicit.

- Danger rules (a table): a signal that life or safety is at risk *now* raises urgency, whatever
  the model says, and keeps the matter with the police.  A signal does not count when it is
  negated ("无人受伤", "没有起火"), already over ("已扑灭", "已找到"), told of a time past
  ("去年", "三天前", "2019年5月") or of something that keeps recurring ("经常", "每天") — a
  complaint about a condition, not an emergency.  An injury is not by itself a danger that
  needs the police first: one happening now is urgency 2, one already treated or being
  claimed for (送医, 住院, 工伤, 赔偿) urgency 3, and neither moves the matter; only acute signs
  (昏迷, 大出血, 没有呼吸 …) are urgency 1.
- Threshold rules: theft, fraud, snatching and extortion are criminal cases (10xxxx) above the
  amount that makes them 数额较大, or with an aggravating circumstance, and public-order cases
  (20xxxx) below it; an injury at the level of 轻伤 or worse makes a fight a 伤害案.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# --- danger ------------------------------------------------------------------------------------

_CLAUSE_END = re.compile(r"[,，。.;；!！?？\n]")
_SENTENCE_END = re.compile(r"[。;；!！?？\n]")
NEGATORS = ("无人", "没有", "没人", "并未", "未", "无", "没", "不是", "并非", "否认", "不")
RESOLVED = (
    "已扑灭",
    "已经扑灭",
    "已被扑灭",
    "扑灭了",
    "火已灭",
    "已救出",
    "已被救出",
    "已经救出",
    "救出来了",
    "已获救",
    "已脱险",
    "已脱困",
    "已上岸",
    "已找到",
    "已经找到",
    "找到了",
    "已回家",
    "已经回家",
)
# When a signal happens, from the words of time before it in its sentence (the nearest wins).
NOW = (
    r"正在|现在|刚才|刚刚|此刻|这会儿|马上|立刻|快要|即将|还在|又在|今天|今晚|今早|今天早上"
    r"|刚(?!性|需|好)"
)
PAST = (
    r"去年|前年|上个?月|上周|上星期|上次|前几天|前些天|前两天|前段时间|前阵子|之前|以前|曾经"
    r"|当年|当时|那年|那天|早年|年初|年底|(?:\d+|[一二两三四五六七八九十几半多]+)个?(?:年|月|周|星期|天)前"
    r"|\d{4}年|\d{1,2}月(?:\d{1,2}[日号])?|[一二三四五六七八九十]+月(?:[一二三四五六七八九十]+[日号])?"
)
RECURRING = (
    r"经常|长期|常年|天天|每天|每晚|每到|每逢|屡次|多次|反复|时常|总是|老是|常常|频繁|一直以来"
)
_TIME_WORDS = re.compile(rf"(?P<now>{NOW})|(?P<past>{PAST})|(?P<recurring>{RECURRING})")
# An injury already treated or being claimed for is not an emergency.
TREATED = (
    r"送医|送往医院|送到医院|送至医院|送进医院|就医|就诊|住院|治疗|出院|包扎|缝针|缝了|手术"
    r"|医药费|医疗费|工伤|伤残|鉴定|赔偿|赔付|不赔|赔钱|理赔|报销|索赔|维权|仲裁|起诉|诉讼"
)


@dataclass(frozen=True)
class DangerRule:
    """A danger signal: ``pattern`` must match and, when given, ``also`` must match near it
    (within its clause and the next) and ``unless`` must not match in its sentence."""

    name: str
    label: str
    pattern: str
    also: str | None = None
    urgency: int = 1
    keeps_police: bool = True
    unless: str | None = None
    # Urgency when the signal is told as treated or claimed for (see TREATED); None: as usual.
    treated_urgency: int | None = None
    # A quick test before the full pattern, passed by every text that holds a match of it
    # (characters or words of which every match holds one).
    trigger: str | None = None

    def compiled(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_WEAPON = (
    r"菜刀|砍刀|水果刀|尖刀|匕首|西瓜刀|刀|手枪|猎枪|气枪|枪|铁棍|木棍|棍子|棒球棍|钢管|斧头"
    r"|铁锹|砖头"
)
_PEOPLE = (
    r"孩子|小孩|儿子|女儿|孙子|孙女|外孙|宝宝|小朋友|学生|老人|老太|老头|母亲|父亲|爷爷|奶奶"
    r"|外公|外婆|老母亲|老父亲|[0-9一二三四五六七八九十]+岁(?:的)?(?:男孩|女孩|孩子|老人)?"
)
DANGER_RULES: tuple[DangerRule, ...] = (
    DangerRule(
        "weapon",
        "持刀枪器械",
        r"持刀|拿刀|拿着刀|刀捅|捅人|捅伤|砍人|砍伤|开枪|持枪|持械|拿棍"
        rf"|(?:拿|拿着|持|举着|举起|挥着|挥舞|抄起|握着|带着|掏出|亮出|用)(?:{_WEAPON})",
        trigger="[刀匕枪械棍捅砍管斧锹砖]",
    ),
    DangerRule(
        "fire",
        "起火冒烟",
        r"起火|着火|着了火|失火|冒烟|冒浓烟|浓烟|火很大|火势|烧起来|明火|爆燃",
        unless=r"烟囱|排放|焚烧|秸秆|油烟|抽烟|吸烟|香烟",
    ),
    DangerRule(
        "explosion_gas",
        "爆炸或燃气泄漏",
        r"爆炸|煤气泄漏|燃气泄漏|液化气泄漏|闻到煤气|闻到燃气|煤气味",
    ),
    DangerRule(
        "trapped",
        "人员被困",
        r"被困(?!扰|惑)|困在(?:电梯|车|屋|房|井|水|山|楼|火|里面)|被压在|压在.{0,4}(?:下面|底下)"
        r"|卡在(?:电梯|车|井|洞|缝|墙|栏杆|护栏|下面|中间|里面|水)"
        r"|(?:电梯|屋|房间|车|井|洞|水)里.{0,4}出不来",
        trigger="被困|困在|压在|卡在|出不来",
    ),
    DangerRule(
        "drowning", "落水溺水", r"落水|溺水|掉进河|掉进水|掉到河|掉入河|掉水里|掉河里|掉进湖|沉下去"
    ),
    DangerRule(
        "suicide",
        "自杀风险",
        r"跳楼|轻生|割腕|喝农药|喝了农药|服毒|吃安眠药|吃了安眠药|上吊|跳河|跳江|跳海|烧炭|想自杀|要自杀|自杀|不想活",
    ),
    DangerRule(
        "domestic_violence_now",
        "家暴进行中",
        r"家暴|家庭暴力|打老婆|打妻子|打父母|打孩子"
        r"|(?:老公|丈夫|前夫|男朋友|老婆|妻子|儿子|女儿|爸爸|父亲|继父|妈妈|母亲)"
        r"(?:正在|还在|一直在|又在|在)?(?:打|殴打|掐|砍|拿刀)",
        also=r"正在|还在|一直在|又在|现在|在打|打死|救命|打我",
        trigger="[暴打掐砍刀]",
    ),
    DangerRule(
        "missing_child_or_elder",
        "儿童或老人走失",
        rf"(?:{_PEOPLE}).{{0,8}}?(?:走失|走丢|失踪|失联)"
        rf"|(?:{_PEOPLE})(?:又|突然|一直)?(?:丢了|不见了|找不到了|联系不上|没回家|未回家|没有回家)"
        rf"|(?:找不到|联系不上)(?:我的|我家|家里的?)?(?:{_PEOPLE})",
        trigger="走失|走丢|失踪|失联|丢了|不见了|找不到|联系不上|没回家|未回家|没有回家",
    ),
    DangerRule(
        "crime_in_progress",
        "正在发生",
        r"正在(?:偷|抢|打|砸|撬|砍|追|殴打|闹事|行凶|实施)|还在打|还在砸|还在偷|还在闹|嫌疑人还在"
        r"|小偷还在|人还在现场|对方还在|还没走|正在被|在追我"
        r"|(?:人|他们|对方|债主|讨债的?|一帮人|几个人)堵在.{0,4}门口",
        trigger="正在|还在|还没走|在追我|堵在",
    ),
    DangerRule(
        "life_signs",
        "伤情危重",
        r"昏迷|不省人事|没有呼吸|没呼吸|心跳停|大出血|流了很多血|血流不止|抽搐|口吐白沫|快不行了|生命危险",
        treated_urgency=2,
    ),
    DangerRule(
        "injury",
        "有人受伤",
        r"受伤|受了伤|重伤|打伤|流血|骨折",
        urgency=2,
        keeps_police=False,
        treated_urgency=3,
    ),
)


@dataclass(frozen=True)
class RuleHit:
    rule: str
    label: str
    match: str
    urgency: int
    keeps_police: bool = True


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERN_CACHE.get(pattern)
    if compiled is None:
        compiled = _PATTERN_CACHE[pattern] = re.compile(pattern)
    return compiled


def _clause_start(text: str, position: int) -> int:
    start = 0
    for match in _CLAUSE_END.finditer(text, max(0, position - 64), position):
        start = match.end()
    return start if start or position <= 64 else position - 64


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence around [start, end) (at most 80 characters either side)."""
    low = max(0, start - 80)
    for match in _SENTENCE_END.finditer(text, low, start):
        low = match.end()
    after = _SENTENCE_END.search(text, end, end + 80)
    return low, after.start() if after else min(len(text), end + 80)


def negated(text: str, start: int, end: int) -> bool:
    """Whether the words at [start, end) are negated in their clause or said to be over."""
    clause_from = _clause_start(text, start)
    before = text[max(clause_from, start - 4) : start]
    if any(before.endswith(word) or word in before[-3:] for word in NEGATORS):
        return True
    after = text[end : end + 16]
    return any(word in after for word in RESOLVED)


def happening_now(text: str, start: int) -> bool:
    """False when the nearest word of time before ``start`` in its sentence puts the event in the
    past or makes it a recurring condition; True otherwise (now, or no time said)."""
    low, _ = _sentence(text, start, start)
    kind = "now"
    for found in _TIME_WORDS.finditer(text, low, start):
        kind = found.lastgroup or "now"
    return kind == "now"


_Compiled = tuple[
    DangerRule,
    re.Pattern[str] | None,  # trigger
    re.Pattern[str],  # pattern
    re.Pattern[str] | None,  # unless
    re.Pattern[str] | None,  # also
    bool,  # the pattern is a list of words (see _compiled_rules)
]


def _is_word_list(pattern: str) -> bool:
    return all(word and re.escape(word) == word for word in pattern.split("|"))


@cache
def _compiled_rules() -> tuple[tuple[_Compiled, ...], re.Pattern[str] | None]:
    """The patterns of :data:`DANGER_RULES`, compiled once, and one pattern of all the words
    of the rules that are plain word lists without a trigger: a text without any of those
    words is spared a search for each such rule."""

    def optional(pattern: str | None) -> re.Pattern[str] | None:
        return None if pattern is None else _compiled(pattern)

    compiled: list[_Compiled] = []
    words: list[str] = []
    for rule in DANGER_RULES:
        by_words = rule.trigger is None and _is_word_list(rule.pattern)
        if by_words:
            words.append(rule.pattern)
        compiled.append(
            (
                rule,
                optional(rule.trigger),
                rule.compiled(),
                optional(rule.unless),
                optional(rule.also),
                by_words,
            )
        )
    return tuple(compiled), (re.compile("|".join(words)) if words else None)


def danger_hits(text: str) -> list[RuleHit]:
    """Danger rules whose signal occurs un-negated, now, in the (folded) text."""
    hits: list[RuleHit] = []
    treated = _compiled(TREATED)
    rules, words = _compiled_rules()
    has_words = words is not None and words.search(text) is not None
    for rule, trigger, pattern, unless, also_pattern, by_words in rules:
        if by_words and not has_words:
            continue
        if trigger is not None and trigger.search(text) is None:
            continue
        for match in pattern.finditer(text):
            if negated(text, match.start(), match.end()):
                continue
            if not happening_now(text, match.start()):
                continue
            low, high = _sentence(text, match.start(), match.end())
            if unless is not None and unless.search(text, low, high):
                continue
            if also_pattern is not None:
                window = text[max(0, match.start() - 20) : match.end() + 24]
                also = also_pattern.search(window)
                if also is None:
                    continue
                absolute = max(0, match.start() - 20) + also.start()
                if negated(text, absolute, absolute + len(also.group())):
                    continue
            urgency = rule.urgency
            if rule.treated_urgency is not None and treated.search(text, low, high):
                urgency = rule.treated_urgency
            keeps = rule.keeps_police and urgency == 1
            hits.append(RuleHit(rule.name, rule.label, match.group(), urgency, keeps))
            break
    return hits


# --- amount and injury thresholds ---------------------------------------------------------------


@dataclass(frozen=True)
class ThresholdRule:
    """Criminal code at or above ``threshold`` yuan or with an aggravating word, else public
    order."""

    name: str
    criminal: str
    public_order: str
    threshold: float
    aggravating: str


# Zhejiang standards of 数额较大 (盗窃 3,000 yuan).  The others follow the provincial standards
# as published; a deployment whose standards differ edits this table.
THRESHOLD_RULES: tuple[ThresholdRule, ...] = (
    ThresholdRule(
        "theft_amount",
        "100100",
        "201000",
        3000,
        r"入户盗窃|入室盗窃|撬门|扒窃|被扒|携带凶器|多次盗窃|盗窃罪",
    ),
    ThresholdRule("fraud_amount", "100600", "201200", 6000, r"诈骗罪|多次诈骗"),
    ThresholdRule("snatch_amount", "100300", "201100", 2000, r"携带凶器|飞车|多次抢夺|抢夺罪"),
    ThresholdRule("extortion_amount", "100700", "201300", 4000, r"多次敲诈|敲诈勒索罪"),
)

SERIOUS_INJURY = re.compile(
    r"骨折|刀伤|捅伤|砍伤|轻伤|重伤|轻微伤以上|送医抢救|抢救|颅内出血|脾脏破裂|缝了?\d*针|住院|死亡|身亡|故意伤害"
)
MINOR_INJURY = re.compile(r"轻微伤|皮外伤|擦伤|没受伤|未受伤|无人受伤|没有受伤|不严重")
INJURY_PAIR = ("100500", "200100")


@dataclass(frozen=True)
class CodeDecision:
    code: str
    rule: str
    reason: str


def threshold_decision(code: str, text: str, amounts: list[float]) -> CodeDecision | None:
    """The code an explicit amount, circumstance or injury calls for (None: the text is silent)."""
    for rule in THRESHOLD_RULES:
        if code not in (rule.criminal, rule.public_order):
            continue
        aggravating = re.search(rule.aggravating, text)
        if aggravating is not None:
            return CodeDecision(rule.criminal, rule.name, aggravating.group())
        if amounts:
            amount = max(amounts)
            chosen = rule.criminal if amount >= rule.threshold else rule.public_order
            sign = "≥" if amount >= rule.threshold else "<"
            return CodeDecision(chosen, rule.name, f"{amount:g}元{sign}{rule.threshold:g}元")
        return None
    if code in INJURY_PAIR:
        serious = SERIOUS_INJURY.search(text)
        if serious is not None and not negated(text, serious.start(), serious.end()):
            return CodeDecision("100500", "injury_level", serious.group())
        minor = MINOR_INJURY.search(text)
        if minor is not None:
            return CodeDecision("200100", "injury_level", minor.group())
    return None
