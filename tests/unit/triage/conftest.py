"""Fixtures: a tiny hand-made model (fast, deterministic) and a model that always says one thing."""

from __future__ import annotations

import numpy as np
import pytest

from pingan.triage.model import LinearTextModel, Model
from pingan.triage.train import LabelledText, train_model

TINY_ROWS = [
    LabelledText("家里被盗了，丢了现金", "100100"),
    LabelledText("电动车被偷了", "100100"),
    LabelledText("手机被小偷偷走", "201000"),
    LabelledText("钱包被偷，里面有点钱", "201000"),
    LabelledText("两个人在饭店门口打架", "200100"),
    LabelledText("有人打架斗殴", "200100"),
    LabelledText("被人打伤了送医院", "100500"),
    LabelledText("被打成骨折", "100500"),
    LabelledText("路边有人占道经营摆摊", "600600", "城乡建设"),
    LabelledText("小区违章搭建没人管", "600600", "城乡建设"),
    LabelledText("工地老板拖欠工资不给", "600300", "劳动和社会保障"),
    LabelledText("公司欠薪三个月", "600300", "劳动和社会保障"),
    LabelledText("厨房着火了", "400100"),
    LabelledText("楼下起火冒烟", "400100"),
]


@pytest.fixture(scope="session")
def tiny_model() -> Model:
    return train_model(TINY_ROWS, folds=2, use_seeds=False, min_df=1)


def fixed_model(code: str, other: str = "200200") -> Model:
    """A model that gives ``code`` probability ~0.9 whatever the text says."""
    classes = (code, other) if code < other else (other, code)
    bias = np.array([2.2 if c == code else 0.0 for c in classes], dtype=np.float32)
    part = LinearTextModel(
        classes=classes,
        terms=("的",),
        idf=np.ones(1, dtype=np.float32),
        weights=np.zeros((1, 2), dtype=np.float32),
        bias=bias,
    )
    return Model(code=part)
